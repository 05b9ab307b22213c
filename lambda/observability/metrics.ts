// The adapter's CloudWatch metrics, written as Embedded Metric Format lines (the one metrics
// implementation: Powertools Metrics is not used). A line names its metrics and dimension sets
// under `_aws` and carries their values as members; CloudWatch turns it into metrics from the
// log stream. Per request (written with its request line, request-line.ts), under four
// dimension sets {service, model}, {service, outcome}, {service, consumer} and {service} (the
// whole fleet): Requests, Errors, ModelLatency, ModelRetries and StaleServes. Per configuration
// refresh: ConfigRefreshes by result. Per shadowed request: ShadowComparisons by model and
// comparison. infra/operations.ts alarms on these names and dimensions
// (test/infra/operations.test.ts reads them from the lines written here).
//
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
import type { RequestSummary } from './request-summary.ts';

/** The model dimension of a request that reached no configured model (a list, an unknown name, a 400). */
export const NO_MODEL = '(none)';

/** A request's dimension sets, `service` first in each: by model, by outcome, by consumer, and the fleet's. */
export const REQUEST_DIMENSION_SETS: readonly (readonly string[])[] = [['model'], ['outcome'], ['consumer'], []];

/** The refresh line's dimension set, and its two values. */
export const REFRESH_DIMENSION_SET: readonly string[] = ['result'];

type Unit = 'Count' | 'Milliseconds';
type Metric = readonly [name: string, unit: Unit, value: number];

export interface MetricsOptions {
  namespace: string;
  service: string;
  /** Off with POWERTOOLS_METRICS_DISABLED=true, and in local mode (POWERTOOLS_DEV) unless it is false, as Powertools does. */
  enabled: boolean;
  /** Where a line goes on its own (the request's goes with its request line instead). */
  write: (line: string) => void;
}

export class AdapterMetrics {
  readonly enabled: boolean;
  readonly #options: MetricsOptions;

  constructor(options: MetricsOptions) {
    this.#options = options;
    this.enabled = options.enabled;
  }

  /** One EMF line: `metrics` under each of `dimensionSets` (each with `service` first). */
  line(dimensions: Readonly<Record<string, string>>, dimensionSets: readonly (readonly string[])[], metrics: readonly Metric[], now = Date.now()): string {
    const { namespace, service } = this.#options;
    const body: Record<string, unknown> = {
      _aws: {
        Timestamp: now,
        CloudWatchMetrics: [
          {
            Namespace: namespace,
            Dimensions: dimensionSets.map((set) => ['service', ...set]),
            Metrics: metrics.map(([name, unit]) => ({ Name: name, Unit: unit })),
          },
        ],
      },
      service,
    };
    for (const [key, value] of Object.entries(dimensions)) body[key] = value;
    for (const [name, , value] of metrics) body[name] = value;
    return JSON.stringify(body);
  }

  /**
   * A request's metrics, for its request line to carry along. Only configured names become
   * dimension values (models from the configuration, consumers from CONSUMER_API_KEYS, outcomes
   * from the contract's codes): B's text would make metrics without bound.
   */
  requestLine(summary: RequestSummary, now?: number): string {
    const metrics: Metric[] = [['Requests', 'Count', 1]];
    if (summary.status >= 400) metrics.push(['Errors', 'Count', 1]);
    if (summary.modelMs !== undefined) metrics.push(['ModelLatency', 'Milliseconds', summary.modelMs]);
    if (summary.modelAttempts !== undefined && summary.modelAttempts > 1) metrics.push(['ModelRetries', 'Count', summary.modelAttempts - 1]);
    if (summary.cache === 'stale') metrics.push(['StaleServes', 'Count', 1]);
    return this.line({ model: summary.model ?? NO_MODEL, outcome: summary.outcome, consumer: summary.consumer }, REQUEST_DIMENSION_SETS, metrics, now);
  }

  /** A refresh ends outside any request's lifetime, so it goes out at once as its own line. */
  refresh(ok: boolean): void {
    this.#publish({ result: ok ? 'ok' : 'failed' }, [REFRESH_DIMENSION_SET], [['ConfigRefreshes', 'Count', 1]]);
  }

  /**
   * How a shadow variant's answer compared with the main one (models/shadow.ts), under
   * {service, model, comparison}: the request's `outcome` dimension says what B got, this
   * one what the shadow did.
   */
  shadowComparison(model: string, comparison: string): void {
    this.#publish({ model, comparison }, [['model', 'comparison']], [['ShadowComparisons', 'Count', 1]]);
  }

  #publish(dimensions: Record<string, string>, dimensionSets: readonly (readonly string[])[], metrics: Metric[]): void {
    if (this.enabled) this.#options.write(this.line(dimensions, dimensionSets, metrics));
  }
}

type Env = Record<string, string | undefined>;

const isTrue = (value: string | undefined): boolean => ['1', 'true', 'on', 'yes'].includes(value?.trim().toLowerCase() ?? '');

/** POWERTOOLS_METRICS_DISABLED when set, else off in local mode (POWERTOOLS_DEV), as Powertools Metrics decides. */
export function metricsEnabled(env: Env = process.env): boolean {
  const disabled = env.POWERTOOLS_METRICS_DISABLED;
  if (disabled !== undefined && disabled.trim() !== '') return !isTrue(disabled);
  return !isTrue(env.POWERTOOLS_DEV);
}
