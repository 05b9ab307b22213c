// The one log line per request, and the figures its metrics and trace annotations come from.
// Everything the handler learns as it goes is written into a RequestRecord; when the answer is
// ready, `summarizeRequest` turns it into the line. This file is the schema: a new field (the
// variant and config hash that issue 4's model configs decide) is set on the record where it
// becomes known and appears in the line, the metrics and the trace without touching the rest.
import { AdapterError, ERRORS, type ErrorCode } from '../contract/errors.ts';
import type { CacheState } from '../config/registry.ts';
import type { Route } from '../http/routes.ts';
import { errorFields } from './log.ts';
import type { UserTagHasher } from './user-tag-hash.ts';

/** What the handler learns about one request, filled in place while it runs. */
export interface RequestRecord {
  /** performance.now() when the request reached the adapter. */
  startedAt: number;
  /** Whether this was the execution environment's first invocation (request-line.ts). */
  coldStart?: boolean;
  /** A configured model's name: never a name B sent that matched nothing (unbounded, B's text). */
  model?: string;
  /** The variant that served the request (X-Model-Variant or a canary); none for the model's own endpoint. */
  variant?: string;
  /** The hash of the model's (or the ensemble's) configuration that served the request. */
  configHash?: string;
  /** A configured ensemble's name, for POST /v1/ensembles/{ensemble}/predict. */
  ensemble?: string;
  cache?: CacheState;
  /** The whole model call, a retry included. */
  modelMs?: number;
  modelAttempts?: number;
}

export const newRequestRecord = (now = performance.now()): RequestRecord => ({ startedAt: now });

export type Outcome = 'OK' | ErrorCode;

/** The request line's fields, besides the ones Powertools adds (level, timestamp, service, Lambda context). */
export interface RequestSummary {
  /** API Gateway's request id, the one B gets in `error.requestId`. */
  correlation_id: string;
  route: Route['name'] | 'none';
  model?: string;
  variant?: string;
  configHash?: string;
  ensemble?: string;
  outcome: Outcome;
  status: number;
  totalMs: number;
  modelMs?: number;
  modelAttempts?: number;
  /** B's body as received (after base64 decoding), and the body of the answer. */
  bytesIn: number;
  bytesOut: number;
  cache?: CacheState;
  /** Only for a userTag that passed validation; see user-tag-hash.ts. */
  userTagHash?: string;
  upstreamStatus?: number;
  /** UPSTREAM_TIMEOUT from a model call: the phase the deadline cut (dns, connect, tls, headers, body, queued). */
  timeoutPhase?: string;
  /** RESULT_TOO_LARGE: the size the result would have had, as Lambda returns it. */
  resultBytes?: number;
  /** The class and code of what went wrong underneath (SocketError, UND_ERR_SOCKET), never its message. */
  errorClass?: string;
  errorCode?: string;
}

export interface SummaryInput {
  record: RequestRecord;
  requestId: string;
  route: RequestSummary['route'];
  /** The validated userTag, or null. */
  userTag: string | null;
  bytesIn: number;
  /** What B is sent; undefined only if nothing could be answered. */
  response: { statusCode: number; body: string } | undefined;
  /** The contract error the answer was built from, if any. */
  error: AdapterError | undefined;
  hashUserTag: UserTagHasher;
  now?: number;
}

const ms = (value: number): number => Math.round(value * 10) / 10;

export function summarizeRequest(input: SummaryInput): RequestSummary {
  const { record, error } = input;
  const outcome: Outcome = error ? error.code : input.response ? 'OK' : 'INTERNAL';
  const status = input.response?.statusCode ?? ERRORS.INTERNAL.status;
  // The failure underneath the contract code: the cause when there is one (a socket error,
  // a timeout), else the contract error itself.
  const underneath = error === undefined ? {} : errorFields(error.cause ?? error);
  return {
    correlation_id: input.requestId,
    route: input.route,
    model: record.model,
    variant: record.variant,
    configHash: record.configHash,
    ensemble: record.ensemble,
    outcome,
    status,
    totalMs: ms((input.now ?? performance.now()) - record.startedAt),
    modelMs: record.modelMs === undefined ? undefined : ms(record.modelMs),
    modelAttempts: record.modelAttempts,
    bytesIn: input.bytesIn,
    bytesOut: input.response === undefined ? 0 : Buffer.byteLength(input.response.body),
    cache: record.cache,
    userTagHash: input.userTag === null ? undefined : input.hashUserTag(input.userTag),
    upstreamStatus: error?.upstreamStatus,
    timeoutPhase: error?.timeoutPhase,
    resultBytes: error?.resultBytes,
    errorClass: underneath.errorClass as string | undefined,
    errorCode: underneath.errorCode as string | undefined,
  };
}

/** The log level of a request line: warn for B's mistakes, error for the adapter's or a model's. */
export const summaryLevel = (status: number): 'info' | 'warn' | 'error' => (status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info');
