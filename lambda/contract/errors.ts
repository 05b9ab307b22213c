// The contract's error vocabulary: one status, fixed message and retry hint per code. Messages
// are fixed texts so that no parser message, URL, host or parameter name can reach B.

export const ERRORS = {
  INVALID_JSON: { status: 400, retryable: false, message: 'The request body is not a single valid UTF-8 JSON text.' },
  INVALID_REQUEST: { status: 400, retryable: false, message: 'The request envelope is invalid.' },
  NOT_FOUND: { status: 404, retryable: false, message: 'No such route.' },
  UNKNOWN_MODEL: { status: 404, retryable: false, message: 'No model by that name is available.' },
  METHOD_NOT_ALLOWED: { status: 405, retryable: false, message: 'This method is not allowed on this route.' },
  PAYLOAD_TOO_LARGE: { status: 413, retryable: false, message: 'The request body is larger than the limit.' },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    retryable: false,
    message: 'The request must be sent as Content-Type application/json in UTF-8, without Content-Encoding.',
  },
  MODEL_REJECTED_INPUT: { status: 422, retryable: false, message: 'The model rejected the input.' },
  UPSTREAM_ERROR: { status: 502, retryable: true, message: 'The model failed to answer.' },
  UPSTREAM_BAD_RESPONSE: { status: 502, retryable: false, message: 'The model returned an answer that cannot be used.' },
  RESULT_TOO_LARGE: { status: 502, retryable: false, message: 'The result is larger than the adapter can return.' },
  UPSTREAM_UNAVAILABLE: { status: 503, retryable: true, message: 'The model is unavailable. Retry later.' },
  CONFIG_UNAVAILABLE: { status: 503, retryable: true, message: 'The model configuration is unavailable. Retry later.' },
  UPSTREAM_TIMEOUT: { status: 504, retryable: true, message: 'The model did not answer in time.' },
  INTERNAL: { status: 500, retryable: false, message: 'Internal error.' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

/** Where a model call was when its deadline passed (upstream/call-model.ts). */
export type TimeoutPhase = 'queued' | 'dns' | 'connect' | 'tls' | 'headers' | 'body';

export interface AdapterErrorOptions {
  /** INVALID_REQUEST only: a fixed description of the broken rule, naming the field. */
  detail?: string;
  /** MODEL_REJECTED_INPUT: the model's own status. */
  upstreamStatus?: number;
  /** MODEL_REJECTED_INPUT, when the model's config opts in: at most 1 KiB of the model's message. */
  details?: string;
  /** Seconds, for 503 answers. */
  retryAfter?: number;
  /**
   * UPSTREAM_ERROR and UPSTREAM_UNAVAILABLE only: the retry hint a model's error rule states
   * instead of the code's own (docs/contract.md, "Errors"). Every other code keeps its own.
   */
  retryable?: boolean;
  /** METHOD_NOT_ALLOWED: the methods the route takes, for the Allow header. */
  allow?: string;
  /** RESULT_TOO_LARGE: the size of the result as Lambda would have returned it, for the log line only. */
  resultBytes?: number;
  /** UPSTREAM_TIMEOUT from a model call: the phase the deadline cut, for the log line only. */
  timeoutPhase?: TimeoutPhase;
  /** An ensemble's failure: each member's own error, sent beside `error` as `errors` (docs/contract.md, "Ensembles"). */
  memberErrors?: Record<string, MemberError>;
  /** Kept for the log line (its class and code, never its message), never sent to B. */
  cause?: unknown;
}

/** One ensemble member's error as B sees it, in a 200's `errors` and in a failure's. */
export interface MemberError {
  code: ErrorCode;
  message: string;
  retryable: boolean;
  upstreamStatus?: number;
  details?: string;
}

/** An error with a contract code. Anything else that reaches the error middleware is INTERNAL. */
export class AdapterError extends Error {
  override name = 'AdapterError';
  readonly code: ErrorCode;
  readonly detail: string | undefined;
  readonly upstreamStatus: number | undefined;
  readonly details: string | undefined;
  readonly retryAfter: number | undefined;
  readonly retryable: boolean;
  readonly allow: string | undefined;
  readonly timeoutPhase: TimeoutPhase | undefined;
  readonly resultBytes: number | undefined;
  readonly memberErrors: Record<string, MemberError> | undefined;

  constructor(code: ErrorCode, options: AdapterErrorOptions = {}) {
    super(code, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.detail = options.detail;
    this.upstreamStatus = options.upstreamStatus;
    this.details = options.details;
    this.retryAfter = options.retryAfter;
    const overridable = code === 'UPSTREAM_ERROR' || code === 'UPSTREAM_UNAVAILABLE';
    this.retryable = overridable && options.retryable !== undefined ? options.retryable : ERRORS[code].retryable;
    this.allow = options.allow;
    this.timeoutPhase = options.timeoutPhase;
    this.resultBytes = options.resultBytes;
    this.memberErrors = options.memberErrors;
  }
}

/** The message B reads for an error: the code's fixed text, and for INVALID_REQUEST the sentence naming the field. */
export const errorMessage = (error: AdapterError): string => (error.detail === undefined ? ERRORS[error.code].message : `${ERRORS[error.code].message} ${error.detail}`);

/** An ensemble member's error as B sees it: upstreamStatus and details only where the contract shows them (422). */
export function memberError(error: AdapterError): MemberError {
  const entry: MemberError = { code: error.code, message: errorMessage(error), retryable: error.retryable };
  if (error.code === 'MODEL_REJECTED_INPUT' && error.upstreamStatus !== undefined) entry.upstreamStatus = error.upstreamStatus;
  if (error.code === 'MODEL_REJECTED_INPUT' && error.details !== undefined) entry.details = error.details;
  return entry;
}

/** `INVALID_REQUEST` with a message that names the field. */
export const invalidRequest = (detail: string): AdapterError => new AdapterError('INVALID_REQUEST', { detail });

/** Anything that is not already an AdapterError: Middy's early timeout, or a bug. */
export function toAdapterError(error: unknown): AdapterError {
  if (error instanceof AdapterError) return error;
  if (error instanceof Error && error.name === 'TimeoutError') return new AdapterError('UPSTREAM_TIMEOUT', { cause: error });
  return new AdapterError('INTERNAL', { cause: error });
}
