// The request line, its metrics and its trace annotations, once the answer is known: the
// request's own facts (its id, route, userTag and size), the facts its route returned, and
// the answer, merged into one summary (request-summary.ts).
import type { AdapterError } from '../contract/errors.ts';
import type { HttpResult } from '../contract/response.ts';
import type { HttpRequest } from '../http/event.ts';
import type { RouteName } from '../http/routes.ts';
import { errorFields } from './log.ts';
import type { Invocation } from './request-line.ts';
import { summarizeRequest, type RequestFacts } from './request-summary.ts';
import type { Telemetry } from './telemetry.ts';

/** Everything about one answered request. */
export interface AnsweredRequest {
  /** performance.now() when the request reached the adapter. */
  startedAt: number;
  http: HttpRequest | undefined;
  route: RouteName | 'none';
  /** The validated userTag, or null. */
  userTag: string | null;
  facts: RequestFacts;
  response: HttpResult;
  /** The contract error the response was built from, if any. */
  error: AdapterError | undefined;
}

/** B's body size as received, after base64 decoding. */
const bodyBytes = (http: HttpRequest | undefined): number =>
  http?.body === undefined ? 0 : Buffer.byteLength(http.body, http.isBase64Encoded ? 'base64' : 'utf8');

export function observeRequest(telemetry: Telemetry, request: AnsweredRequest, invocation: Invocation): void {
  try {
    const summary = summarizeRequest({
      startedAt: request.startedAt,
      facts: request.facts,
      requestId: request.http?.requestId ?? '',
      route: request.route,
      consumer: telemetry.consumerOf(request.http?.apiKeyId),
      userTag: request.userTag,
      bytesIn: bodyBytes(request.http),
      response: request.response,
      error: request.error,
      hashUserTag: telemetry.hashUserTag,
    });
    telemetry.requestLines.write(summary, invocation);
    const { tracer } = telemetry;
    if (tracer) {
      tracer.putAnnotation('route', summary.route);
      tracer.putAnnotation('outcome', summary.outcome);
      if (summary.model !== undefined) tracer.putAnnotation('model', summary.model);
      // The contract error, whose message is only its code, marks the handler's segment as
      // failed, as when it is thrown; the cause underneath (a message that may name a host)
      // is never recorded.
      if (request.error) tracer.addErrorAsMetadata(request.error);
    }
  } catch (error) {
    // B has an answer already; what failed here must not take it away.
    telemetry.logger.error('request summary failed', errorFields(error));
  }
}
