// B's response bodies, built as text: the model's validated JSON is spliced in verbatim so that
// big integers, -0 and key order reach B exactly as the model wrote them.
import type { APIGatewayProxyResult } from 'aws-lambda';
import { AdapterError, ERRORS, errorMessage } from './errors.ts';

export type HttpResult = APIGatewayProxyResult & { headers: Record<string, string> };

const baseHeaders = (): Record<string, string> => ({
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
});

/** Retry-After on every 503 when the cause gave none. */
const DEFAULT_RETRY_AFTER_SECONDS = 1;

export function jsonResult(statusCode: number, body: string): HttpResult {
  return { statusCode, headers: baseHeaders(), body, isBase64Encoded: false };
}

/** `{"userTag": <as sent>, "result": <modelJson>}`; `modelJson` must already be one validated JSON text. */
export function successResult(userTag: string, modelJson: string): HttpResult {
  return jsonResult(200, `{"userTag":${JSON.stringify(userTag)},"result":${modelJson}}`);
}

export function errorResult(error: AdapterError, userTag: string | null, requestId: string): HttpResult {
  const spec = ERRORS[error.code];
  const body: Record<string, unknown> = {
    code: error.code,
    message: errorMessage(error),
    requestId,
    retryable: error.retryable,
  };
  // Only the 422 row tells B the model's status; for the others it is for the logs.
  if (error.code === 'MODEL_REJECTED_INPUT' && error.upstreamStatus !== undefined) body.upstreamStatus = error.upstreamStatus;
  // Only there, and only when the model's config opted in (exposeUpstreamErrors).
  if (error.code === 'MODEL_REJECTED_INPUT' && error.details !== undefined) body.details = error.details;
  // An ensemble's failure also says why each member failed, as its 200 does.
  const text = error.memberErrors === undefined ? JSON.stringify({ userTag, error: body }) : JSON.stringify({ userTag, error: body, errors: error.memberErrors });
  const result = jsonResult(spec.status, text);
  if (spec.status === 503) result.headers['retry-after'] = String(error.retryAfter ?? DEFAULT_RETRY_AFTER_SECONDS);
  if (error.allow !== undefined) result.headers.allow = error.allow;
  return result;
}
