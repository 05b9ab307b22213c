// The fields of the one line each request leaves (request-line.ts writes it), and the figures
// its metrics and trace annotations come from. A route returns the facts it learned with its
// answer (routes/shared.ts); `summarizeRequest` merges them with the request's own (its id,
// route, userTag and size) and the answer, once it is known.
import { AdapterError, ERRORS, type ErrorCode } from '../contract/errors.ts';
import type { CacheState } from '../config/registry.ts';
import type { ModelName } from '../contract/model-name.ts';
import type { RouteName } from '../http/routes.ts';
import { errorFields } from './log.ts';
import type { UserTagHasher } from './user-tag-hash.ts';

/** What a route learned about the request, for its line: each fact as soon as it was known, so a request that fails on the way still reports them. */
export interface RequestFacts {
  /** A configured model's name: never a name B sent that matched nothing (unbounded, B's text). */
  readonly model?: ModelName;
  /** The variant that served the request (X-Model-Variant or a canary); none for the model's own endpoint. */
  readonly variant?: ModelName;
  /** The hash of the model's (or the ensemble's) configuration that served the request. */
  readonly configHash?: string;
  /** A configured ensemble's name, for POST /v1/ensembles/{ensemble}/predict. */
  readonly ensemble?: ModelName;
  readonly cache?: CacheState;
  /** The whole model call, a retry included. */
  readonly modelMs?: number;
  readonly modelAttempts?: number;
}

export type Outcome = 'OK' | ErrorCode;

/** The request line's fields, besides the ones Powertools adds (level, timestamp, service, Lambda context). */
export interface RequestSummary {
  /** API Gateway's request id, the one B gets in `error.requestId`. */
  correlation_id: string;
  route: RouteName | 'none';
  /** Whose API key the request carried (consumer.ts): a configured consumer's name, or a fixed bucket. */
  consumer: string;
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
  /** performance.now() when the request reached the adapter. */
  startedAt: number;
  facts: RequestFacts;
  requestId: string;
  route: RequestSummary['route'];
  consumer: string;
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
  const { facts, error } = input;
  const outcome: Outcome = error ? error.code : input.response ? 'OK' : 'INTERNAL';
  const status = input.response?.statusCode ?? ERRORS.INTERNAL.status;
  // The failure underneath the contract code: the cause when there is one (a socket error,
  // a timeout), else the contract error itself.
  const underneath = error === undefined ? {} : errorFields(error.cause ?? error);
  return {
    correlation_id: input.requestId,
    route: input.route,
    consumer: input.consumer,
    model: facts.model,
    variant: facts.variant,
    configHash: facts.configHash,
    ensemble: facts.ensemble,
    outcome,
    status,
    totalMs: ms((input.now ?? performance.now()) - input.startedAt),
    modelMs: facts.modelMs === undefined ? undefined : ms(facts.modelMs),
    modelAttempts: facts.modelAttempts,
    bytesIn: input.bytesIn,
    bytesOut: input.response === undefined ? 0 : Buffer.byteLength(input.response.body),
    cache: facts.cache,
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
