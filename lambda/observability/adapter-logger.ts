// Powertools' Logger, printing the adapter's lines with less work. Its printLog serialises
// every line through a replacer function (for errors, bigints and cycles); a FlatLogItem
// (log-formatter.ts) holds only strings, numbers and booleans, for which JSON.stringify without
// one writes the same bytes. And the request line, the one line every invocation writes, is
// built here as text from the Lambda context (`requestLine`) rather than through Powertools'
// per-line work (several environment reads, attribute-store merges, a reserved-key scan per
// field), which cost more than the rest of the adapter's own work on a request. Tests hold
// both to byte-for-byte what Powertools prints, compact in Lambda and indented in local mode
// (POWERTOOLS_DEV), where Powertools writes through the global console.
import { Console } from 'node:console';
import { Logger, LogItem, LogLevelThreshold } from '@aws-lambda-powertools/logger';
import type { LogAttributes } from '@aws-lambda-powertools/logger/types';
import { getXRayTraceIdFromEnv, isDevMode } from '@aws-lambda-powertools/commons/utils/env';
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

/** How JSON.stringify lays out an object's members: compact, or with Powertools' dev-mode indent of 4. */
interface Layout {
  /** Before each member's key. */
  before: string;
  colon: string;
  /** Before the closing brace. */
  end: string;
  /** JSON.stringify's `space` argument for the same layout. */
  space: number;
}

const COMPACT: Layout = { before: '', colon: ':', end: '', space: 0 };
const INDENTED: Layout = { before: '\n    ', colon: ': ', end: '\n', space: 4 };

export class AdapterLogger extends Logger {
  readonly #formatter: FlatLogFormatter;
  /** Where and how Powertools prints, decided as it decides (dev mode: the global console, indented). */
  readonly #console: Console;
  readonly #layout: Layout;
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
    const dev = isDevMode();
    this.#console = dev ? console : new Console({ stdout: process.stdout, stderr: process.stderr });
    this.#layout = dev ? INDENTED : COMPACT;
    // One line built the Powertools way and never printed, for the fields it resolves from its
    // options and environment once.
    const probe = this.createAndPopulateLogItem(LogLevelThreshold.INFO, '', []).getAttributes();
    this.#serviceText = member(this.#layout, 'service', probe.service);
    this.#samplingText = member(this.#layout, 'sampling_rate', probe.sampling_rate);
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
   * The text `this[level](message, fields)` prints after addContext(context), for a flat line;
   * undefined otherwise (the caller then logs the usual way). The adapter appends no keys to
   * its logger, so a line is Powertools' fields and `fields`. The fields that are the same on
   * every line of this container are serialised once.
   */
  requestLine(level: LineLevel, message: string, fields: LogAttributes, context: Context): string | undefined {
    const layout = this.#layout;
    const rest = fieldsText(layout, fields);
    if (rest === undefined) return undefined;
    const timestamp = this.#utc ? new Date().toISOString() : this.#formatter.formatTimestamp(new Date());
    const members =
      `${member(layout, 'level', level)}${member(layout, 'message', message)}${member(layout, 'timestamp', timestamp)}${this.#serviceText}` +
      `${member(layout, 'cold_start', this.#coldStart)}${this.#functionText(context)}${member(layout, 'function_request_id', context.awsRequestId)}` +
      `${this.#samplingText}${member(layout, 'xray_trace_id', getXRayTraceIdFromEnv())}` +
      `${member(layout, 'tenant_id', (context as { tenantId?: string }).tenantId)}${rest}`;
    return `{${members.slice(1)}${layout.end}}`;
  }

  /** The function's name, ARN and memory, serialised once per container (the context repeats them every invocation). */
  #functionText(context: Context): string {
    const cached = this.#function;
    if (cached !== undefined && cached.arn === context.invokedFunctionArn && cached.memory === context.memoryLimitInMB && cached.name === context.functionName) {
      return cached.text;
    }
    const layout = this.#layout;
    const text =
      member(layout, 'function_arn', context.invokedFunctionArn) +
      member(layout, 'function_memory_size', context.memoryLimitInMB) +
      member(layout, 'function_name', context.functionName);
    this.#function = { arn: context.invokedFunctionArn, memory: context.memoryLimitInMB, name: context.functionName, text };
    return text;
  }

  /** Writes text (lines already serialised, `requestLine`'s among them) in one write, where Powertools prints at `level`. */
  printLines(level: LineLevel, text: string): void {
    this.#console[METHOD[level]](text);
  }

  protected override printLog(logLevel: number, log: LogItem): void {
    const level = LEVEL_OF[logLevel];
    // Powertools' constructor may print (about sampling, say) before this class's fields exist.
    if (!(#console in this) || level === undefined || !(log instanceof FlatLogItem)) {
      super.printLog(logLevel, log);
      return;
    }
    this.#console[METHOD[level]](JSON.stringify(log.getAttributes(), null, this.#layout.space));
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

/** `,"key":value` as JSON.stringify writes an object's member in `layout`, or nothing for an empty value (Powertools drops those). */
const member = (layout: Layout, key: string, value: unknown): string =>
  isEmpty(value) ? '' : `,${layout.before}"${key}"${layout.colon}${JSON.stringify(value)}`;

/** The members for `fields`, as FlatLogFormatter (log-formatter.ts) keeps them; undefined for a line that is not flat. */
function fieldsText(layout: Layout, fields: LogAttributes): string | undefined {
  let text = '';
  for (const key in fields) {
    const value = fields[key];
    const type = typeof value;
    if ((type === 'object' && value !== null) || type === 'bigint' || type === 'function' || type === 'symbol' || OWN_KEYS.has(key) || INDEX_KEY.test(key)) {
      return undefined;
    }
    if (!isEmpty(value)) text += `,${layout.before}${JSON.stringify(key)}${layout.colon}${JSON.stringify(value)}`;
  }
  return text;
}
