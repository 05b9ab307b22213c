// The one line each request leaves, and its EMF metrics line, written together. This module
// is the line's schema; docs/deploy.md ("Function logs") documents it for operators.
//
// It is the adapter's own line rather than one through Powertools' Logger: on every
// invocation Powertools' per-line work (its attribute merges and environment reads) and a
// second write for the metrics cost more than the rest of what the adapter does for a
// request (docs/performance.md). Every other line goes through the Logger, whose level (and
// sampling) this line obeys too.
//
//   level             INFO below 400, WARN for 4xx, ERROR for 5xx
//   message           "request"
//   timestamp         ISO 8601, UTC, in milliseconds
//   service           POWERTOOLS_SERVICE_NAME
//   cold_start        true on the first invocation of an execution environment; never with
//                     provisioned concurrency or on Lambda Managed Instances, whose
//                     environments (each of their worker threads runs this module's init)
//                     are initialized before they get any invocation
//   function_name     the Lambda function's name
//   function_request_id  Lambda's request id for the invocation
//   xray_trace_id     when Lambda traces the invocation
//   ...               the request's own fields (request-summary.ts: correlation_id, route,
//                     consumer, model, outcome, status, latencies, bytes, cache, userTagHash, ...);
//                     a field with no value is left out
import type { Logger } from '@aws-lambda-powertools/logger';
import { getXRayTraceIdFromEnv } from '@aws-lambda-powertools/commons/utils/env';
import type { AdapterMetrics } from './metrics.ts';
import { summaryLevel, type RequestSummary } from './request-summary.ts';

type Level = 'INFO' | 'WARN' | 'ERROR';
const LEVEL: Record<ReturnType<typeof summaryLevel>, Level> = { info: 'INFO', warn: 'WARN', error: 'ERROR' };
/** Powertools' level names in order: a line is written when its level is at or above the logger's. */
const ORDER = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'];

export interface RequestLineOptions {
  service: string;
  /** The logger whose level the line obeys. */
  logger: Pick<Logger, 'getLevelName'>;
  metrics: AdapterMetrics;
  /** POWERTOOLS_DEV (local mode): indented lines, to be read. */
  indent: boolean;
  /** Where lines go: INFO to stdout, WARN and ERROR to stderr, as Powertools writes them. */
  write?: (level: Level, text: string) => void;
}

const writeToStdio = (level: Level, text: string): void => {
  (level === 'INFO' ? process.stdout : process.stderr).write(`${text}\n`);
};

/** What the line says about the invocation: its cold start, and the Lambda context's names (absent outside Lambda). */
export interface Invocation {
  coldStart: boolean;
  functionName?: string | undefined;
  awsRequestId?: string | undefined;
}

/**
 * AWS_LAMBDA_INITIALIZATION_TYPE values whose environments are initialized ahead of traffic,
 * so that no invocation waits for an init: provisioned concurrency, and Lambda Managed
 * Instances (where each worker thread of an environment imports the handler before the
 * environment takes invocations, and then serves many of them at once).
 */
const INITIALIZED_AHEAD = new Set(['provisioned-concurrency', 'lambda-managed-instances']);

export class RequestLines {
  readonly #options: RequestLineOptions;
  readonly #write: (level: Level, text: string) => void;
  // Per module instance: per process on Lambda's default model, per worker thread on LMI. It
  // is read and cleared in one synchronous step, so of invocations that interleave exactly one
  // takes it.
  #coldStart = !INITIALIZED_AHEAD.has(process.env.AWS_LAMBDA_INITIALIZATION_TYPE?.trim() ?? '');

  constructor(options: RequestLineOptions) {
    this.#options = options;
    this.#write = options.write ?? writeToStdio;
  }

  /** Whether this invocation is the execution environment's first: asked once per invocation, as it starts. */
  takeColdStart(): boolean {
    const cold = this.#coldStart;
    this.#coldStart = false;
    return cold;
  }

  /** The request line (when the logger's level admits it) and its EMF line (when metrics are on), in one write. */
  write(summary: RequestSummary, invocation: Invocation): void {
    const { logger, metrics, service, indent } = this.#options;
    const level = LEVEL[summaryLevel(summary.status)];
    const lines: string[] = [];
    if (ORDER.indexOf(level) >= ORDER.indexOf(logger.getLevelName())) {
      const line = {
        level,
        message: 'request',
        timestamp: new Date().toISOString(),
        service,
        cold_start: invocation.coldStart,
        function_name: invocation.functionName,
        function_request_id: invocation.awsRequestId,
        xray_trace_id: getXRayTraceIdFromEnv(),
        ...summary,
      };
      lines.push(JSON.stringify(line, null, indent ? 4 : 0));
    }
    if (metrics.enabled) lines.push(metrics.requestLine(summary));
    if (lines.length > 0) this.#write(level, lines.join('\n'));
  }
}
