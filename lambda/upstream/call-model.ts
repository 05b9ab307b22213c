// The one call to a model: undici `request` on a keep-alive Agent (global fetch costs several
// times the CPU and follows redirects). One deadline covers connecting, the headers and the
// whole body, a retry included; the body is capped while it streams, so memory stays bounded.
import type { Dispatcher } from 'undici';
import { AdapterError } from '../contract/errors.ts';
import { singleJsonText } from '../contract/json-text.ts';
import type { Endpoint } from '../config/endpoint.ts';
import { ADDRESS_NOT_ALLOWED } from './lookup.ts';
import { clampRetryAfter, errorForStatus } from './status.ts';
import { request } from './undici.ts';

export interface ModelCall {
  endpoint: Endpoint;
  body: string;
  headers: Record<string, string>;
  /** Milliseconds for the whole exchange. */
  timeoutMs: number;
  maxResponseBytes: number;
  /** Aborts the call early, e.g. when the Lambda itself is about to time out. */
  signal?: AbortSignal;
  /** Told before each attempt: one, or two after a reset (see `send`). */
  onAttempt?: () => void;
  /**
   * A new connection for the retry (connections.ts). Without it the retry goes back to
   * `dispatcher`, whose pool may hand out another socket that died the same way.
   */
  newConnection?: (origin: string) => Dispatcher & { destroy(): Promise<void> };
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Error codes of TLS failures, which the contract reports as UPSTREAM_ERROR rather than unavailable. */
const TLS_FAILURE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|EPROTO)/;

/** The model's answer as one validated JSON text, or an AdapterError with the contract's code. */
export async function callModel(dispatcher: Dispatcher, call: ModelCall): Promise<string> {
  // A timer we clear when done, unlike AbortSignal.timeout: nothing may abort a finished call.
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new DOMException('model deadline', 'TimeoutError')), call.timeoutMs);
  // The caller's signal aborts the call too. Forwarded by hand: AbortSignal.any ties signals
  // with weak references, which cost microseconds per call and slow every garbage collection.
  const forward = (): void => deadline.abort(call.signal?.reason);
  if (call.signal?.aborted) forward();
  else call.signal?.addEventListener('abort', forward, { once: true });
  const signal = deadline.signal;
  let retryConnection: (Dispatcher & { destroy(): Promise<void> }) | undefined;
  const forRetry = (): Dispatcher => (retryConnection = call.newConnection?.(call.endpoint.origin)) ?? dispatcher;
  try {
    const response = await send(dispatcher, forRetry, call, signal);
    if (response.statusCode < 200 || response.statusCode >= 300) {
      // The model's error body is never passed on or logged: drop it, keeping the socket if cheap.
      await response.body.dump({ limit: 64 * 1024, signal }).catch(() => undefined);
      const code = errorForStatus(response.statusCode);
      throw new AdapterError(code, {
        upstreamStatus: response.statusCode,
        retryAfter: code === 'UPSTREAM_UNAVAILABLE' ? clampRetryAfter(response.headers['retry-after']) : undefined,
      });
    }
    const declared = Number(response.headers['content-length']);
    if (declared > call.maxResponseBytes) {
      discard(response.body);
      throw new AdapterError('UPSTREAM_BAD_RESPONSE', { upstreamStatus: response.statusCode });
    }
    const bytes = await readCapped(response.body, call.maxResponseBytes);
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      throw new AdapterError('UPSTREAM_BAD_RESPONSE', { upstreamStatus: response.statusCode });
    }
    const json = singleJsonText(text);
    if (json === undefined) throw new AdapterError('UPSTREAM_BAD_RESPONSE', { upstreamStatus: response.statusCode });
    return json;
  } catch (error) {
    if (error instanceof AdapterError) throw error;
    if (signal.aborted) throw new AdapterError('UPSTREAM_TIMEOUT', { cause: error });
    throw new AdapterError(classifyNetworkError(error), { cause: error });
  } finally {
    clearTimeout(timer);
    call.signal?.removeEventListener('abort', forward);
    // The answer has been read or dropped by now; the retry's connection is not kept.
    retryConnection?.destroy().catch(() => undefined);
  }
}

/**
 * A connection that failed before any byte of the answer came back: the keep-alive socket the
 * pool handed out was already dead (the model closed it while the Lambda was frozen, and the
 * FIN or RST only shows when the request is written), or the model dropped the connection
 * without answering. B has seen nothing, so the request goes once more on a new connection
 * (not back to the pool, where the other idle sockets may be just as dead), under the same
 * deadline. Anything after the headers is never retried.
 */
const RESET_BEFORE_RESPONSE = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);

async function send(
  dispatcher: Dispatcher,
  forRetry: () => Dispatcher,
  call: ModelCall,
  signal: AbortSignal,
): Promise<Dispatcher.ResponseData> {
  const options: Dispatcher.RequestOptions = {
    origin: call.endpoint.origin,
    path: call.endpoint.path,
    method: 'POST',
    headers: call.headers,
    body: call.body,
    signal,
    headersTimeout: call.timeoutMs,
    bodyTimeout: call.timeoutMs,
  };
  call.onAttempt?.();
  try {
    // undici settles `request` when the headers arrive, so a rejection here is a failure
    // before any of the answer.
    return await request(dispatcher, options);
  } catch (error) {
    const code = (error as { code?: unknown })?.code;
    if (signal.aborted || typeof code !== 'string' || !RESET_BEFORE_RESPONSE.has(code)) throw error;
    call.onAttempt?.();
    return await request(forRetry(), options);
  }
}

/** Drops a body we will not read; its socket goes, and a late error on it is expected. */
function discard(body: { destroy(): unknown; on(event: 'error', listener: () => void): unknown }): void {
  body.on('error', () => undefined);
  body.destroy();
}

function classifyNetworkError(error: unknown): 'UPSTREAM_TIMEOUT' | 'UPSTREAM_ERROR' | 'UPSTREAM_UNAVAILABLE' | 'CONFIG_UNAVAILABLE' {
  const code = String((error as { code?: unknown })?.code ?? '');
  // The endpoint's host name resolved outside UPSTREAM_ALLOWLIST: a configuration fault.
  if (code === ADDRESS_NOT_ALLOWED) return 'CONFIG_UNAVAILABLE';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return 'UPSTREAM_TIMEOUT';
  if (TLS_FAILURE.test(code)) return 'UPSTREAM_ERROR';
  return 'UPSTREAM_UNAVAILABLE';
}

class ResponseTooLarge extends Error {}

type Body = AsyncIterable<Buffer> & Parameters<typeof discard>[0];

async function readCapped(body: Body, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of body) {
      total += chunk.length;
      if (total > max) throw new ResponseTooLarge();
      chunks.push(chunk);
    }
  } catch (error) {
    discard(body);
    if (error instanceof ResponseTooLarge) throw new AdapterError('UPSTREAM_BAD_RESPONSE');
    throw error;
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total);
}
