// The one call to a model: undici's dispatch on a keep-alive Agent (global fetch costs several
// times the CPU and follows redirects). One deadline covers the whole exchange: the lookup,
// the TCP connect and TLS handshake (connector.ts), waiting for the headers and reading the
// body, a retry included; the body is capped while it arrives, so memory stays bounded.
// A small dispatch handler collects the answer: undici's `request` would wrap it in a stream
// and tie an abort signal to it, which cost more per call than the rest of the adapter.
import type { Dispatcher } from 'undici';
import { AdapterError, type ErrorCode, type TimeoutPhase } from '../contract/errors.ts';
import { singleJsonText } from '../contract/json-text.ts';
import type { Endpoint } from '../config/endpoint.ts';
import { CallConnection, dispatchWith } from './connector.ts';
import { ADDRESS_NOT_ALLOWED } from './lookup.ts';
import { clampRetryAfter, errorForStatus } from './status.ts';

export interface ModelCall {
  endpoint: Endpoint;
  body: string;
  headers: Record<string, string>;
  /** Milliseconds for the whole exchange. */
  timeoutMs: number;
  maxResponseBytes: number;
  /** Aborts the call early, e.g. when the Lambda itself is about to time out. */
  signal?: AbortSignal;
  /** Told before each attempt: one, or two after a reset (see ModelAnswer#retry). */
  onAttempt?: () => void;
  /**
   * A new connection for the retry (connections.ts). Without it the retry goes back to
   * `dispatcher`, whose pool may hand out another socket that died the same way.
   */
  newConnection?: (origin: string) => Dispatcher & { destroy(): Promise<void> };
  /**
   * Only for a model whose config has error rules or exposeUpstreamErrors: which failures'
   * bodies to keep (at most ERROR_BODY_LIMIT bytes), and the error B gets for one, given the
   * status's own error, the body's text and the model's Retry-After (clamped). The body is
   * never logged either way.
   */
  failureBody?: {
    keep(status: number, code: ErrorCode): boolean;
    explain(failure: AdapterError, body: string, retryAfter: number | undefined): AdapterError;
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Error codes of TLS failures, which the contract reports as UPSTREAM_ERROR rather than unavailable. */
const TLS_FAILURE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|EPROTO)/;

/** The model's answer as one validated JSON text, or an AdapterError with the contract's code. */
export function callModel(dispatcher: Dispatcher, call: ModelCall): Promise<string> {
  return new Promise((resolve, reject) => {
    const options: Dispatcher.DispatchOptions = {
      origin: call.endpoint.origin,
      path: call.endpoint.path,
      method: 'POST',
      headers: call.headers,
      body: call.body,
      headersTimeout: call.timeoutMs,
      bodyTimeout: call.timeoutMs,
    };
    new ModelAnswer(call, dispatcher, options, resolve, reject).send();
  });
}

/**
 * A pooled keep-alive socket that failed before any byte of the answer came back was already
 * dead: the model closed it while the Lambda was frozen, and the FIN or RST only shows when
 * the request is written. The model cannot have acted on the request, so it goes once more on
 * a new connection (not back to the pool, where the other idle sockets may be just as dead),
 * under the same deadline. The same failure on a connection opened for this call means the
 * model took the connection and dropped it, maybe after reading the request: a job API must
 * not receive it twice, so that is never retried, and nor is anything after the status line.
 */
const RESET_BEFORE_RESPONSE = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);

/** How much of a model's error body is read (and dropped) to keep its socket; past it, the socket goes. */
const ERROR_BODY_LIMIT = 64 * 1024;

/** Collects one exchange with the model and settles the call exactly once. */
class ModelAnswer implements Dispatcher.DispatchHandler {
  readonly #call: ModelCall;
  readonly #dispatcher: Dispatcher;
  readonly #options: Dispatcher.DispatchOptions;
  #attempts = 0;
  /** The retry's own connection, closed once the call is settled. */
  #retryConnection: (Dispatcher & { destroy(): Promise<void> }) | undefined;
  readonly #resolve: (json: string) => void;
  readonly #reject: (error: AdapterError) => void;
  readonly #timer: NodeJS.Timeout;
  #controller: Dispatcher.DispatchController | undefined;
  /** The connection the current attempt waits for, until undici writes the request on one. */
  #connection = new CallConnection();
  /** Where the exchange is once the request is written: waiting for the headers, or reading the body. */
  #phase: 'headers' | 'body' | undefined;
  /** Whether the current attempt's request went out on a pooled socket rather than one opened for it. */
  #onPooledSocket = false;
  /** Set once the deadline passed or the caller gave up: whatever happens next is a timeout. */
  #abortReason: Error | undefined;
  /** The phase the deadline (or the caller) cut. */
  #timedOutIn: TimeoutPhase | undefined;
  #status = 0;
  /** The error of a non-2xx answer, whose body is never passed on or logged. */
  #failure: AdapterError | undefined;
  /** Whether the failure's body is kept, up to ERROR_BODY_LIMIT, for the config's failureBody. */
  #keepFailureBody = false;
  /** The model's Retry-After on a failure, clamped; for a rule that makes it 503. */
  #retryAfter: number | undefined;
  readonly #chunks: Buffer[] = [];
  #received = 0;
  #settled = false;

  constructor(
    call: ModelCall,
    dispatcher: Dispatcher,
    options: Dispatcher.DispatchOptions,
    resolve: (json: string) => void,
    reject: (error: AdapterError) => void,
  ) {
    this.#call = call;
    this.#dispatcher = dispatcher;
    this.#options = options;
    this.#resolve = resolve;
    this.#reject = reject;
    // A timer we clear when done, unlike AbortSignal.timeout: nothing may abort a finished call.
    this.#timer = setTimeout(this.#onDeadline, call.timeoutMs);
    if (call.signal?.aborted) this.#abort(call.signal.reason);
    else call.signal?.addEventListener('abort', this.#onCallerAbort, { once: true });
  }

  readonly #onCallerAbort = (): void => this.#abort(this.#call.signal?.reason);

  // Made only when needed: a DOMException captures a stack, which costs more than the call.
  readonly #onDeadline = (): void => this.#abort(new DOMException('model deadline', 'TimeoutError'));

  /** The first attempt, on the pool. */
  send(): void {
    this.#attempts++;
    this.#call.onAttempt?.();
    dispatchWith(this.#connection, () => this.#dispatcher.dispatch(this.#options, this));
  }

  /** The one retry, on a new connection; this handler serves it too (nothing of the first arrived). */
  #retry(): void {
    this.#attempts++;
    this.#call.onAttempt?.();
    this.#controller = undefined;
    this.#phase = undefined;
    this.#connection = new CallConnection();
    this.#retryConnection = this.#call.newConnection?.(this.#call.endpoint.origin);
    const dispatcher = this.#retryConnection ?? this.#dispatcher;
    dispatchWith(this.#connection, () => dispatcher.dispatch(this.#options, this));
  }

  /**
   * Once the request is written undici aborts it (and destroys its socket) and tells
   * onResponseError. Before that it has nothing to abort: the call answers now, and the
   * connection being opened for it, if any, is destroyed.
   */
  readonly #abort = (reason: unknown): void => {
    if (this.#settled || this.#abortReason) return;
    this.#abortReason = reason instanceof Error ? reason : new DOMException('model call aborted', 'AbortError');
    this.#timedOutIn = this.#phase ?? this.#connection.phase ?? 'queued';
    if (this.#controller) return this.#controller.abort(this.#abortReason);
    this.#connection.close();
    this.#settle(this.#timeout(this.#abortReason));
  };

  #timeout(cause: unknown): AdapterError {
    return new AdapterError('UPSTREAM_TIMEOUT', { cause, timeoutPhase: this.#timedOutIn });
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    this.#phase = 'headers';
    this.#onPooledSocket = !this.#connection.opened;
    this.#connection.close();
    if (this.#abortReason) controller.abort(this.#abortReason);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    if (statusCode < 200) return; // informational (102, 103; interim-responses.ts drops 100): the answer follows
    this.#phase = 'body';
    this.#status = statusCode;
    if (statusCode >= 300) {
      const code = errorForStatus(statusCode);
      const keep = statusCode >= 400 && this.#call.failureBody?.keep(statusCode, code) === true;
      const retryAfter = code === 'UPSTREAM_UNAVAILABLE' || keep ? clampRetryAfter(headers['retry-after']) : undefined;
      this.#failure = new AdapterError(code, { upstreamStatus: statusCode, retryAfter: code === 'UPSTREAM_UNAVAILABLE' ? retryAfter : undefined });
      this.#keepFailureBody = keep;
      this.#retryAfter = retryAfter;
      return;
    }
    if (Number(headers['content-length']) > this.#call.maxResponseBytes) {
      this.#end(controller, new AdapterError('UPSTREAM_BAD_RESPONSE', { upstreamStatus: statusCode }));
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#settled) return;
    this.#received += chunk.length;
    if (this.#failure) {
      // Dropped as it arrives (or kept for failureBody), keeping the socket when that is cheap.
      if (this.#keepFailureBody) this.#chunks.push(chunk);
      if (this.#received > ERROR_BODY_LIMIT) this.#end(controller, this.#described(this.#failure));
      return;
    }
    if (this.#received > this.#call.maxResponseBytes) return this.#end(controller, new AdapterError('UPSTREAM_BAD_RESPONSE'));
    this.#chunks.push(chunk);
  }

  onResponseEnd(): void {
    this.#settle(this.#failure ? this.#described(this.#failure) : this.#answer());
  }

  /** The failure as the model's config reads its body (error rules, details), when it asked to. */
  #described(failure: AdapterError): AdapterError {
    if (!this.#keepFailureBody || !this.#call.failureBody) return failure;
    const body = Buffer.concat(this.#chunks).subarray(0, ERROR_BODY_LIMIT);
    return this.#call.failureBody.explain(failure, new TextDecoder('utf-8').decode(body), this.#retryAfter);
  }

  onResponseError(_controller: Dispatcher.DispatchController | null, error: Error): void {
    // Once the status said what failed, losing its body changes nothing.
    if (this.#failure) return this.#settle(this.#failure);
    if (this.#abortReason) return this.#settle(this.#timeout(error));
    const code = (error as { code?: unknown }).code;
    const retryable = this.#attempts === 1 && this.#onPooledSocket && this.#status === 0 && !this.#settled;
    if (retryable && typeof code === 'string' && RESET_BEFORE_RESPONSE.has(code)) return this.#retry();
    const network = classifyNetworkError(error);
    this.#settle(new AdapterError(network, { cause: error, timeoutPhase: network === 'UPSTREAM_TIMEOUT' ? (this.#phase ?? 'connect') : undefined }));
  }

  #answer(): string | AdapterError {
    const chunks = this.#chunks;
    const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, this.#received);
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      return new AdapterError('UPSTREAM_BAD_RESPONSE', { upstreamStatus: this.#status });
    }
    return singleJsonText(text) ?? new AdapterError('UPSTREAM_BAD_RESPONSE', { upstreamStatus: this.#status });
  }

  /** Settles now and drops the rest of the exchange (its socket goes). */
  #end(controller: Dispatcher.DispatchController, error: AdapterError): void {
    this.#settle(error);
    controller.abort(error);
  }

  #settle(outcome: string | AdapterError): void {
    if (this.#settled) return;
    this.#settled = true;
    clearTimeout(this.#timer);
    this.#connection.close();
    this.#call.signal?.removeEventListener('abort', this.#onCallerAbort);
    // The answer is complete or given up by now; the retry's connection is not kept.
    this.#retryConnection?.destroy().catch(() => undefined);
    if (typeof outcome === 'string') this.#resolve(outcome);
    else this.#reject(outcome);
  }
}

function classifyNetworkError(error: unknown): 'UPSTREAM_TIMEOUT' | 'UPSTREAM_ERROR' | 'UPSTREAM_UNAVAILABLE' | 'CONFIG_UNAVAILABLE' {
  const code = String((error as { code?: unknown })?.code ?? '');
  // The endpoint's host name resolved outside UPSTREAM_ALLOWLIST: a configuration fault.
  if (code === ADDRESS_NOT_ALLOWED) return 'CONFIG_UNAVAILABLE';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return 'UPSTREAM_TIMEOUT';
  if (TLS_FAILURE.test(code)) return 'UPSTREAM_ERROR';
  return 'UPSTREAM_UNAVAILABLE';
}
