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
import { FlatLogFormatter, FlatLogItem } from './log-formatter.ts';

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
  /** Powertools' service and sampling_rate fields, fixed when it is constructed, as line text. */
  readonly #serviceText: string;
  readonly #samplingText: string;
  #function: { arn: string; memory: string; name: string; text: string } | undefined;

  constructor(serviceName: string) {
    const formatter = new FlatLogFormatter();
    super({ serviceName, logFormatter: formatter });
    this.#formatter = formatter;
    // One line built the Powertools way and never printed, for the fields it resolves from its
    // options and environment once.
    const probe = this.createAndPopulateLogItem(LogLevelThreshold.INFO, '', []).getAttributes();
    this.#serviceText = member('service', probe.service);
    this.#samplingText = member('sampling_rate', probe.sampling_rate);
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
   * appends no keys to its logger, so a line is Powertools' fields and `fields`. Built as
   * text: the fields that are the same on every line of this container are serialised once.
   */
  requestLine(level: LineLevel, message: string, fields: LogAttributes, context: Context): string | undefined {
    if (this.#console === undefined) return undefined;
    const rest = fieldsText(fields);
    if (rest === undefined) return undefined;
    const timestamp = this.#utc ? new Date().toISOString() : this.#formatter.formatTimestamp(new Date());
    return (
      `{"level":"${level}","message":${JSON.stringify(message)},"timestamp":${JSON.stringify(timestamp)}${this.#serviceText}` +
      `${member('cold_start', this.#coldStart)}${this.#functionText(context)}${member('function_request_id', context.awsRequestId)}` +
      `${this.#samplingText}${member('xray_trace_id', getXRayTraceIdFromEnv())}${member('tenant_id', (context as { tenantId?: string }).tenantId)}` +
      `${rest}}`
    );
  }

  /** The function's name, ARN and memory, serialised once per container (the context repeats them every invocation). */
  #functionText(context: Context): string {
    const cached = this.#function;
    if (cached !== undefined && cached.arn === context.invokedFunctionArn && cached.memory === context.memoryLimitInMB && cached.name === context.functionName) {
      return cached.text;
    }
    const text =
      member('function_arn', context.invokedFunctionArn) +
      member('function_memory_size', context.memoryLimitInMB) +
      member('function_name', context.functionName);
    this.#function = { arn: context.invokedFunctionArn, memory: context.memoryLimitInMB, name: context.functionName, text };
    return text;
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

/**
 * Powertools' own keys, and `__proto__` and `constructor` (which its merge drops): a field by
 * one of these names, or by a name JSON.stringify would move first, makes a line Powertools
 * formats.
 */
const OWN_KEYS = new Set(['level', 'message', 'timestamp', 'service', 'cold_start', 'function_arn', 'function_memory_size', 'function_name', 'function_request_id', 'sampling_rate', 'xray_trace_id', 'tenant_id', '__proto__', 'constructor']);
const INDEX_KEY = /^(?:0|[1-9][0-9]*)$/;

const isEmpty = (value: unknown): boolean => value === undefined || value === null || value === '';

/** `,"key":value` as JSON.stringify writes an object's member, or nothing for an empty value (Powertools drops those). */
const member = (key: string, value: unknown): string => (isEmpty(value) ? '' : `,"${key}":${JSON.stringify(value)}`);

/** The members for `fields`, as FlatLogFormatter (log-formatter.ts) keeps them; undefined for a line that is not flat. */
function fieldsText(fields: LogAttributes): string | undefined {
  let text = '';
  for (const key in fields) {
    const value = fields[key];
    const type = typeof value;
    if ((type === 'object' && value !== null) || type === 'bigint' || type === 'function' || type === 'symbol' || OWN_KEYS.has(key) || INDEX_KEY.test(key)) {
      return undefined;
    }
    if (!isEmpty(value)) text += `,${JSON.stringify(key)}:${JSON.stringify(value)}`;
  }
  return text;
}
