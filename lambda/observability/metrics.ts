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
  let set = 0;
  let values = ',"Requests":1';
  if (summary.status >= 400) {
    set |= ERRORS;
    values += ',"Errors":1';
  }
  if (summary.modelMs !== undefined) {
    set |= MODEL_LATENCY;
    values += `,"ModelLatency":${JSON.stringify(summary.modelMs)}`;
  }
  if (summary.modelAttempts !== undefined && summary.modelAttempts > 1) {
    set |= MODEL_RETRIES;
    values += `,"ModelRetries":${JSON.stringify(summary.modelAttempts - 1)}`;
  }
  if (summary.cache === 'stale') {
    set |= STALE_SERVES;
    values += ',"StaleServes":1';
  }
  return `{"_aws":{"Timestamp":${now},${definitions(names, set)},"model":${JSON.stringify(summary.model ?? NO_MODEL)},"outcome":${JSON.stringify(summary.outcome)}${values}}`;
}

/** The request metrics after Requests, in the order recordRequestMetrics adds them, as bits of a set. */
const ERRORS = 1, MODEL_LATENCY = 2, MODEL_RETRIES = 4, STALE_SERVES = 8;
const OPTIONAL: ReadonlyArray<[bit: number, name: string, unit: string]> = [
  [ERRORS, 'Errors', MetricUnit.Count],
  [MODEL_LATENCY, 'ModelLatency', MetricUnit.Milliseconds],
  [MODEL_RETRIES, 'ModelRetries', MetricUnit.Count],
  [STALE_SERVES, 'StaleServes', MetricUnit.Count],
];

const definitionTexts = new WeakMap<MetricNames, Array<string | undefined>>();

/** From `"CloudWatchMetrics"` to the `service` dimension's value: what names the metrics in `set`, serialised once per set. */
function definitions(names: MetricNames, set: number): string {
  let texts = definitionTexts.get(names);
  if (texts === undefined) definitionTexts.set(names, (texts = []));
  let text = texts[set];
  if (text === undefined) {
    const metrics = [{ Name: 'Requests', Unit: MetricUnit.Count as string }];
    for (const [bit, name, unit] of OPTIONAL) if (set & bit) metrics.push({ Name: name, Unit: unit });
    const cloudWatchMetrics = [
      {
        Namespace: names.namespace,
        Dimensions: [
          ['service', 'model'],
          ['service', 'outcome'],
        ],
        Metrics: metrics,
      },
    ];
    text = texts[set] = `"CloudWatchMetrics":${JSON.stringify(cloudWatchMetrics)}},"service":${JSON.stringify(names.service)}`;
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
