// The request line, its metrics and its trace annotations, once the answer is known. Used
// before contractErrors, so that its `after` and `onError` run once the response (an error
// already turned into the contract's body) is set.
import type { MiddlewareObj } from '@middy/core';
import type { HttpResult } from '../contract/response.ts';
import type { GatewayEvent, HttpRequest } from '../http/event.ts';
import { errorFields } from '../observability/log.ts';
import { recordRequestMetrics, requestMetricsLine } from '../observability/metrics.ts';
import { newRequestRecord, summarizeRequest, summaryLevel, type RequestSummary } from '../observability/request-summary.ts';
import type { Telemetry } from '../observability/telemetry.ts';
import { toAdapterError } from './contract-errors.ts';
import type { AdapterContext, AdapterRequest } from './state.ts';

/**
 * The request line and its EMF metrics, as Powertools' logger and publishStoredMetrics would
 * write them, in one write: on the hot path of every invocation, Powertools' own per-line work
 * and a second write cost more than the rest of what the adapter does for a request. A line
 * the logger cannot build as text (one with a nested value; a summary never has one) goes
 * through Powertools' logger and metrics instead.
 */
function writeRequestLines({ logger, metrics, metricNames }: Telemetry, summary: RequestSummary, context: AdapterRequest['context']): void {
  const level = LINE_LEVEL[summaryLevel(summary.status)];
  const line = logger.requestLine(level, 'request', { ...summary }, context);
  if (line === undefined) {
    logger[summaryLevel(summary.status)]('request', { ...summary });
    // Synchronously after adding, so that no other invocation's metrics (local mode runs
    // them concurrently in one process) land in between.
    recordRequestMetrics(metrics, summary);
    metrics.publishStoredMetrics();
    return;
  }
  const lines: string[] = [];
  if (logger.isLevelEnabled(level)) lines.push(line);
  if (metrics.enabled) lines.push(requestMetricsLine(summary, metricNames));
  if (lines.length > 0) logger.printLines(level, lines.join('\n'));
}

const LINE_LEVEL = { info: 'INFO', warn: 'WARN', error: 'ERROR' } as const;

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
      writeRequestLines(telemetry, summary, request.context);
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
      request.context.record = newRequestRecord();
    },
    after: finish,
    onError: finish,
  };
}
