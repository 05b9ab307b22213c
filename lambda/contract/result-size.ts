// What B gets back must fit what Lambda can return. Lambda answers API Gateway with the proxy
// result serialised as JSON, B's body escaped inside it, and refuses a synchronous response
// over 6 MB (6,291,556 bytes): API Gateway then answers B with its own 502, outside the
// contract. MAX_RESPONSE_BYTES caps a model's raw answer, but escaping grows it (a 4.9 MB
// answer of short strings is a 7 MB result), an ensemble joins several, and a response
// mapping can build more than it read; so the final result is measured, whatever made it.
import { AdapterError } from './errors.ts';
import type { HttpResult } from './response.ts';

/** Lambda's 6,291,556 bytes, less a margin for what the runtime wraps around the result. */
export const MAX_RESULT_BYTES = 6_000_000;

/** Room for the status, headers and the result's own keys, around the body. */
const ENVELOPE_BYTES = 4_096;

/**
 * `result` when its serialised size is within `max`, else RESULT_TOO_LARGE with that size. A
 * body can grow at most sixfold when escaped (a control character becomes `\u001f`), so most
 * results are never serialised here.
 */
export function withinLambdaLimit(result: HttpResult, max = MAX_RESULT_BYTES): HttpResult {
  if (result.body.length * 6 + ENVELOPE_BYTES <= max) return result;
  const bytes = Buffer.byteLength(JSON.stringify(result));
  if (bytes > max) throw new AdapterError('RESULT_TOO_LARGE', { resultBytes: bytes });
  return result;
}
