// The headers a model receives, built from scratch (docs/contract.md, "What the model receives").
// Nothing B sends is copied wholesale: Authorization, x-api-key, cookies, Host, hop-by-hop and
// X-Forwarded-For from B never travel; trace context does, when it is well-formed.
import { isIP } from 'node:net';
import type { HttpRequest } from '../http/event.ts';

/** W3C trace context: version 00 format, lower-case hex, ids not all zero. */
const TRACEPARENT = /^[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;
/** Printable ASCII without CR/LF, at most 512 bytes (W3C's suggested limit). */
const TRACESTATE = /^[\x20-\x7e]{1,512}$/;
/** API Gateway's request ids are short printable ASCII; anything else (CR/LF) is not sent. */
const REQUEST_ID = /^[\x21-\x7e]{1,256}$/;

/**
 * The request's own headers that may travel to a model (and that a request mapping may read
 * as `headers`): the request id and source IP from requestContext, and well-formed trace
 * context. Nothing else B sends is ever among them.
 */
export function propagatedHeaders(request: HttpRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  // Both come from requestContext; a value undici would refuse as a header is dropped, never
  // turned into a failed model call.
  if (REQUEST_ID.test(request.requestId)) headers['x-request-id'] = request.requestId;
  if (request.sourceIp && isIP(request.sourceIp) !== 0) headers['x-forwarded-for'] = request.sourceIp;
  const traceparent = request.headers.get('traceparent')?.trim();
  if (traceparent && TRACEPARENT.test(traceparent)) {
    headers.traceparent = traceparent;
    const tracestate = request.headers.get('tracestate')?.trim();
    if (tracestate && TRACESTATE.test(tracestate)) headers.tracestate = tracestate;
  }
  return headers;
}

/** Every header a model receives: the body's own, and `propagated` (from propagatedHeaders). */
export function modelRequestHeaders(propagated: Readonly<Record<string, string>>, contentLength: number): Record<string, string> {
  return {
    'content-type': 'application/json',
    'content-length': String(contentLength),
    accept: 'application/json',
    'user-agent': 'contract-adapter',
    ...propagated,
  };
}
