// The adapter's CloudWatch metrics, as EMF lines through Powertools Metrics. Per request, under
// two dimension sets, {service, model} and {service, outcome}: Requests, Errors, ModelLatency,
// ModelRetries and StaleServes. Per configuration refresh: ConfigRefreshes by result. Per
// shadowed request: ShadowComparisons by model and comparison.
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { RequestSummary } from './request-summary.ts';

/** The model dimension of a request that reached no configured model (a list, an unknown name, a 400). */
export const NO_MODEL = '(none)';

/**
 * Adds one request's metrics to the shared store. Call it synchronously right before
 * logMetrics publishes (observe-request.ts does): local mode runs invocations concurrently in
 * one process, and nothing may land in the store between the two.
 */
export function recordRequestMetrics(metrics: Metrics, summary: RequestSummary): void {
  // Only configured names become dimension values: B's text would make metrics without bound.
  metrics.addDimension('model', summary.model ?? NO_MODEL);
  metrics.addDimensions({ outcome: summary.outcome });
  metrics.addMetric('Requests', MetricUnit.Count, 1);
  if (summary.status >= 400) metrics.addMetric('Errors', MetricUnit.Count, 1);
  if (summary.modelMs !== undefined) metrics.addMetric('ModelLatency', MetricUnit.Milliseconds, summary.modelMs);
  if (summary.modelAttempts !== undefined && summary.modelAttempts > 1) {
    metrics.addMetric('ModelRetries', MetricUnit.Count, summary.modelAttempts - 1);
  }
  if (summary.cache === 'stale') metrics.addMetric('StaleServes', MetricUnit.Count, 1);
}

/** A refresh ends outside any request's lifetime, so it goes out at once as its own EMF line. */
export function recordRefresh(metrics: Metrics, ok: boolean): void {
  const single = metrics.singleMetric();
  single.addDimension('result', ok ? 'ok' : 'failed');
  single.addMetric('ConfigRefreshes', MetricUnit.Count, 1);
}

/**
 * How a shadow variant's answer compared with the main one (models/shadow.ts). Its own EMF
 * line, under {service, model, comparison}: the request's `outcome` dimension says what B got,
 * this one what the shadow did.
 */
export function recordShadowComparison(metrics: Metrics, model: string, comparison: string): void {
  const single = metrics.singleMetric();
  single.addDimensions({ model, comparison });
  single.addMetric('ShadowComparisons', MetricUnit.Count, 1);
}
