// The request line, its metrics and its trace annotations, once the answer is known. Used
// before contractErrors, so that its `after` and `onError` run once the response (an error
// already turned into the contract's body) is set.
import type { MiddlewareObj } from '@middy/core';
import type { HttpResult } from '../contract/response.ts';
import type { GatewayEvent, HttpRequest } from '../http/event.ts';
import { errorFields } from '../observability/log.ts';
import { newRequestRecord, summarizeRequest, type RequestSummary } from '../observability/request-summary.ts';
import type { Telemetry } from '../observability/telemetry.ts';
import { toAdapterError } from './contract-errors.ts';
import type { AdapterContext, AdapterRequest } from './state.ts';

/** B's body size as received, after base64 decoding. */
const bodyBytes = (http: HttpRequest | undefined): number =>
  http?.body === undefined ? 0 : Buffer.byteLength(http.body, http.isBase64Encoded ? 'base64' : 'utf8');

export function observeRequest(telemetry: Telemetry): MiddlewareObj<GatewayEvent, HttpResult, Error, AdapterContext> {
  const finish = (request: AdapterRequest): void => {
    try {
      const state = request.context.adapter;
      const summary: RequestSummary = summarizeRequest({
        record: request.context.record ?? newRequestRecord(),
        requestId: state?.http.requestId ?? '',
        route: state?.route?.name ?? 'none',
        userTag: state?.userTag ?? null,
        bytesIn: bodyBytes(state?.http),
        response: request.response ?? undefined,
        error: request.error == null ? undefined : toAdapterError(request.error),
        hashUserTag: telemetry.hashUserTag,
      });
      const { context } = request;
      telemetry.requestLines.write(summary, { coldStart: context.record?.coldStart ?? false, functionName: context.functionName, awsRequestId: context.awsRequestId });
      const { tracer } = telemetry;
      if (tracer) {
        tracer.putAnnotation('route', summary.route);
        tracer.putAnnotation('outcome', summary.outcome);
        if (summary.model !== undefined) tracer.putAnnotation('model', summary.model);
      }
    } catch (error) {
      // B has an answer already; what failed here must not take it away.
      telemetry.logger.error('request summary failed', errorFields(error));
    }
  };
  return {
    name: 'observeRequest',
    before(request) {
      request.context.record = { ...newRequestRecord(), coldStart: telemetry.requestLines.takeColdStart() };
    },
    after: finish,
    onError: finish,
  };
}
