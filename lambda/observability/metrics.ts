// The adapter's CloudWatch metrics, as EMF lines through Powertools Metrics. Per request, under
// two dimension sets, {service, model} and {service, outcome}: Requests, Errors, ModelLatency,
// ModelRetries and StaleServes. Per configuration refresh: ConfigRefreshes by result. Per
// shadowed request: ShadowComparisons by model and comparison.
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { RequestSummary } from './request-summary.ts';

/** Powertools' Metrics, saying whether it publishes at all (POWERTOOLS_METRICS_DISABLED, dev mode). */
export class AdapterMetrics extends Metrics {
  get enabled(): boolean {
    return !this.isDisabled();
  }
}

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

/** The names a request's EMF line needs: the namespace and the `service` dimension Powertools gives every metric. */
export interface MetricNames {
  namespace: string;
  service: string;
}

/**
 * The EMF line `recordRequestMetrics` and Powertools' publishStoredMetrics would write for
 * the same request (a test holds them byte for byte), built as text: the request line and
 * this go out in one write (observe-request.ts), and the part that names the metrics is the
 * same for every request with the same set of them, so it is serialised once per set.
 */
export function requestMetricsLine(summary: RequestSummary, names: MetricNames, now = Date.now()): string {
  const metrics: Array<[name: string, unit: string, value: number]> = [['Requests', MetricUnit.Count, 1]];
  if (summary.status >= 400) metrics.push(['Errors', MetricUnit.Count, 1]);
  if (summary.modelMs !== undefined) metrics.push(['ModelLatency', MetricUnit.Milliseconds, summary.modelMs]);
  if (summary.modelAttempts !== undefined && summary.modelAttempts > 1) metrics.push(['ModelRetries', MetricUnit.Count, summary.modelAttempts - 1]);
  if (summary.cache === 'stale') metrics.push(['StaleServes', MetricUnit.Count, 1]);
  let values = '';
  for (const [name, , value] of metrics) values += `,"${name}":${JSON.stringify(value)}`;
  return `{"_aws":{"Timestamp":${now},${definitions(names, metrics)},"model":${JSON.stringify(summary.model ?? NO_MODEL)},"outcome":${JSON.stringify(summary.outcome)}${values}}`;
}

const definitionTexts = new Map<string, string>();

/** From `"CloudWatchMetrics"` to the `service` dimension's value: what names these metrics. */
function definitions(names: MetricNames, metrics: Array<[name: string, unit: string, value: number]>): string {
  const key = `${names.namespace}\n${names.service}\n${metrics.map(([name]) => name).join(',')}`;
  let text = definitionTexts.get(key);
  if (text === undefined) {
    const cloudWatchMetrics = [
      {
        Namespace: names.namespace,
        Dimensions: [
          ['service', 'model'],
          ['service', 'outcome'],
        ],
        Metrics: metrics.map(([name, unit]) => ({ Name: name, Unit: unit })),
      },
    ];
    text = `"CloudWatchMetrics":${JSON.stringify(cloudWatchMetrics)}},"service":${JSON.stringify(names.service)}`;
    definitionTexts.set(key, text);
  }
  return text;
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
