// Powertools' Logger, printing the adapter's lines with less work. Its printLog serialises
// every line through a replacer function (for errors, bigints and cycles); a FlatLogItem
// (log-formatter.ts) holds only strings, numbers and booleans, for which JSON.stringify without
// one writes the same bytes. And the request line, the one line every invocation writes, is
// built here from the Lambda context directly (`requestLine`) rather than through Powertools'
// per-line work (several environment reads, attribute-store merges, a reserved-key scan per
// field), which cost more than the rest of the adapter's own work on a request. Tests hold
// both to byte-for-byte what Powertools prints. In local mode's indented form (POWERTOOLS_DEV)
// Powertools prints every line itself.
import { Console } from 'node:console';
import { Logger, LogItem, LogLevelThreshold } from '@aws-lambda-powertools/logger';
import type { LogAttributes } from '@aws-lambda-powertools/logger/types';
import { getXRayTraceIdFromEnv } from '@aws-lambda-powertools/commons/utils/env';
import type { Context } from 'aws-lambda';
import { FlatLogFormatter, FlatLogItem, flatLine, powertoolsFields } from './log-formatter.ts';

export type LineLevel = 'INFO' | 'WARN' | 'ERROR';

/** The console method Powertools' printLog uses for each level: the level's name. */
const METHOD = { INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;
const LEVEL_OF: Readonly<Record<number, LineLevel>> = {
  [LogLevelThreshold.INFO]: 'INFO',
  [LogLevelThreshold.WARN]: 'WARN',
  [LogLevelThreshold.ERROR]: 'ERROR',
};

export class AdapterLogger extends Logger {
  readonly #formatter: FlatLogFormatter;
  /**
   * Where Powertools writes outside dev mode: its own Console on stdout and stderr. Only when
   * POWERTOOLS_DEV is unset; any value of it leaves printing to Powertools, which then decides.
   */
  readonly #console = (process.env.POWERTOOLS_DEV ?? '') === '' ? new Console({ stdout: process.stdout, stderr: process.stderr }) : undefined;
  /** What Powertools' addContext stored as this invocation's cold start (see getColdStart). */
  #coldStart = false;
  /** Whether Powertools writes timestamps in UTC (TZ unset or UTC, as in Lambda): its formatTimestamp reads TZ per line to decide. */
  readonly #utc = !process.env.TZ?.trim() || process.env.TZ.includes('UTC');
  /** Powertools' service and sampling_rate fields, fixed when it is constructed. */
  readonly #constant: { service: unknown; sampling_rate: unknown };

  constructor(serviceName: string) {
    const formatter = new FlatLogFormatter();
    super({ serviceName, logFormatter: formatter });
    this.#formatter = formatter;
    // One line built the Powertools way and never printed, for the fields it resolves from its
    // options and environment once.
    const probe = this.createAndPopulateLogItem(LogLevelThreshold.INFO, '', []).getAttributes();
    this.#constant = { service: probe.service, sampling_rate: probe.sampling_rate };
  }

  /** Powertools asks this once per addContext (injectLambdaContext's `before`); the answer is kept for requestLine. */
  override getColdStart(): boolean {
    this.#coldStart = super.getColdStart();
    return this.#coldStart;
  }

  /** Whether this logger prints a line at `level` now (its level, sampling included). */
  isLevelEnabled(level: LineLevel): boolean {
    return LogLevelThreshold[level] >= LogLevelThreshold[this.getLevelName()];
  }

  /**
   * The text `this[level](message, fields)` prints after addContext(context), for a flat line
   * outside dev mode; undefined otherwise (the caller then logs the usual way). The adapter
   * appends no keys to its logger, so a line is Powertools' fields and `fields`.
   */
  requestLine(level: LineLevel, message: string, fields: LogAttributes, context: Context): string | undefined {
    if (this.#console === undefined) return undefined;
    const base = powertoolsFields(
      {
        logLevel: level,
        message,
        serviceName: this.#constant.service as string,
        sampleRateValue: this.#constant.sampling_rate as number,
        xRayTraceId: getXRayTraceIdFromEnv(),
        lambdaContext: {
          invokedFunctionArn: context.invokedFunctionArn,
          coldStart: this.#coldStart,
          awsRequestId: context.awsRequestId,
          memoryLimitInMB: context.memoryLimitInMB,
          functionName: context.functionName,
          functionVersion: context.functionVersion,
          tenantId: (context as { tenantId?: string }).tenantId,
        },
      },
      this.#utc ? new Date().toISOString() : this.#formatter.formatTimestamp(new Date()),
    );
    const line = flatLine(base, fields);
    return line === undefined ? undefined : JSON.stringify(line);
  }

  /** Writes text (lines already serialised, `requestLine`'s among them) in one write, where Powertools prints at `level`. */
  printLines(level: LineLevel, text: string): void {
    (this.#console ?? console)[METHOD[level]](text);
  }

  protected override printLog(logLevel: number, log: LogItem): void {
    const level = LEVEL_OF[logLevel];
    // Powertools' constructor may print (about sampling, say) before this class's fields exist.
    if (!(#console in this) || this.#console === undefined || level === undefined || !(log instanceof FlatLogItem)) {
      super.printLog(logLevel, log);
      return;
    }
    this.#console[METHOD[level]](JSON.stringify(log.getAttributes()));
  }
}
