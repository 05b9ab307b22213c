// Alarms on what the adapter knows (the production-operations issue, item 1): failed
// configuration refreshes, stale serving that lasts past a few TTLs, and each configured model's
// error rate and latency. Their metric names and dimensions are read from the EMF lines
// lambda/observability/metrics.ts writes, so the two cannot drift apart.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Template } from 'aws-cdk-lib/assertions';
import { AdapterMetrics } from '../../lambda/observability/metrics.ts';
import type { RequestSummary } from '../../lambda/observability/request-summary.ts';
import { CONFIG_PERIODS, MODEL_ERROR_RATE_THRESHOLD, MODEL_MIN_REQUESTS } from '../../infra/operations.ts';
import { documentedFullContext, onlyResource, resourcesOf, synthesize } from './synth.ts';

const demo = synthesize();
const full = synthesize(documentedFullContext());
const slowTtl = synthesize({ parameterCacheTtlSeconds: 150 });
const manyModels = synthesize({ models: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`m${i}`, 'http://10.20.0.10:8080/predict'])) });

interface AlarmMetric {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Record<string, string>;
}

interface AlarmProps {
  readonly id: string;
  readonly properties: Record<string, unknown>;
}

const alarms = (template: Template): AlarmProps[] =>
  Object.entries(resourcesOf(template, 'AWS::CloudWatch::Alarm')).map(([id, alarm]) => ({ id, properties: alarm.Properties ?? {} }));

const dimensionsOf = (list: unknown): Record<string, string> =>
  Object.fromEntries(((list as { Name: string; Value: string }[] | undefined) ?? []).map(({ Name, Value }) => [Name, Value]));

/** Every metric an alarm reads: its own, or each of its metric math's. */
function metricsOf({ properties }: AlarmProps): AlarmMetric[] {
  if (properties.MetricName !== undefined) {
    return [{ namespace: String(properties.Namespace), metricName: String(properties.MetricName), dimensions: dimensionsOf(properties.Dimensions) }];
  }
  return ((properties.Metrics as { MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: unknown } } }[]) ?? [])
    .filter((query) => query.MetricStat !== undefined)
    .map(({ MetricStat }) => ({ namespace: MetricStat!.Metric.Namespace, metricName: MetricStat!.Metric.MetricName, dimensions: dimensionsOf(MetricStat!.Metric.Dimensions) }));
}

/** What metrics.ts writes: a request that touched every metric, a good refresh and a failed one. */
function emitted(namespace: string, service: string) {
  const lines: string[] = [];
  const metrics = new AdapterMetrics({ namespace, service, enabled: true, write: (line) => lines.push(line) });
  const request: RequestSummary = {
    correlation_id: 'r', route: 'predict', consumer: 'team-a', model: 'iris', outcome: 'UPSTREAM_ERROR', status: 502,
    totalMs: 9, modelMs: 8, modelAttempts: 2, bytesIn: 1, bytesOut: 1, cache: 'stale',
  };
  lines.push(metrics.requestLine(request));
  metrics.refresh(true);
  metrics.refresh(false);
  return lines.map((line) => JSON.parse(line) as { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] } } & Record<string, unknown>);
}

/** The function's own namespace and service name, as the stack writes them. */
function functionTelemetry(template: Template): { namespace: string; service: string } {
  const [, fn] = Object.entries(resourcesOf(template, 'AWS::Lambda::Function')).find(([id]) => id.startsWith('Handler'))!;
  const variables = (fn.Properties?.Environment as { Variables: Record<string, string> }).Variables;
  return { namespace: variables.POWERTOOLS_METRICS_NAMESPACE!, service: variables.POWERTOOLS_SERVICE_NAME! };
}

const byId = (template: Template, prefix: string): AlarmProps => {
  const found = alarms(template).filter(({ id }) => id.startsWith(prefix));
  assert.equal(found.length, 1, prefix);
  return found[0]!;
};

describe("the adapter's own alarms", () => {
  for (const [name, { template, stack }] of Object.entries({ demo, full })) {
    it(`read only metrics, dimensions and values that lambda/observability/metrics.ts writes (${name})`, () => {
      const { namespace, service } = functionTelemetry(template);
      const lines = emitted(namespace, service);
      const models = [...stack.settings.parameters.models.keys()];
      const adapterAlarms = alarms(template).flatMap(metricsOf).filter((metric) => !metric.namespace.startsWith('AWS/'));
      assert.ok(adapterAlarms.length >= 2 + 3 * models.length);
      for (const metric of adapterAlarms) {
        assert.equal(metric.namespace, namespace);
        const names = Object.keys(metric.dimensions).sort();
        const line = lines.find((record) =>
          record._aws.CloudWatchMetrics[0]!.Metrics.some((m) => m.Name === metric.metricName) &&
          record._aws.CloudWatchMetrics[0]!.Dimensions.some((set) => [...set].sort().join() === names.join()),
        );
        assert.ok(line, `${metric.metricName} by ${names.join(', ')} is not written by metrics.ts`);
        for (const [dimension, value] of Object.entries(metric.dimensions)) {
          if (dimension === 'model') assert.ok(models.includes(value), `model ${value}`);
          else if (dimension === 'result') assert.ok(lines.some((record) => record.result === value), `result ${value}`);
          else assert.equal(value, line[dimension], dimension);
        }
      }
    });
  }

  it('fire on failed configuration refreshes in 3 periods of at least one TTL in a row', () => {
    for (const [template, seconds] of [[demo.template, 60], [full.template, 60], [slowTtl.template, 180]] as const) {
      const { properties } = byId(template, 'OperationsConfigRefreshFailures');
      assert.equal(properties.MetricName, 'ConfigRefreshes');
      assert.deepEqual(dimensionsOf(properties.Dimensions), { service: 'contract-adapter', result: 'failed' });
      assert.equal(properties.Statistic, 'Sum');
      assert.equal(properties.Period, seconds);
      assert.deepEqual([properties.EvaluationPeriods, properties.DatapointsToAlarm, properties.Threshold, properties.ComparisonOperator, properties.TreatMissingData], [CONFIG_PERIODS, CONFIG_PERIODS, 1, 'GreaterThanOrEqualToThreshold', 'notBreaching']);
    }
  });

  it('fire on stale serving across the fleet, in 3 periods of at least one TTL in a row', () => {
    for (const [template, seconds] of [[demo.template, 60], [slowTtl.template, 180]] as const) {
      const { properties } = byId(template, 'OperationsStaleServing');
      assert.equal(properties.MetricName, 'StaleServes');
      assert.deepEqual(dimensionsOf(properties.Dimensions), { service: 'contract-adapter' });
      assert.equal(properties.Period, seconds);
      assert.deepEqual([properties.EvaluationPeriods, properties.DatapointsToAlarm, properties.Threshold], [CONFIG_PERIODS, CONFIG_PERIODS, 1]);
    }
  });

  it("give each model in context an error-rate alarm (metric math over its Requests and Errors) and a p99 latency alarm", () => {
    const perModel = (template: Template) => alarms(template).filter(({ id }) => id.startsWith('OperationsModel')).map(({ id }) => id.replace(/[0-9A-F]{8}$/, '')).sort();
    assert.deepEqual(perModel(demo.template), ['OperationsModelirisErrorRate', 'OperationsModelirisP99Latency']);
    assert.deepEqual(perModel(full.template), ['OperationsModelchurnv2ErrorRate', 'OperationsModelchurnv2P99Latency', 'OperationsModelirisErrorRate', 'OperationsModelirisP99Latency']);

    const rate = byId(full.template, 'OperationsModelchurnv2ErrorRate').properties;
    const queries = rate.Metrics as { Id: string; Expression?: string; ReturnData?: boolean; MetricStat?: { Metric: { MetricName: string; Dimensions: unknown }; Stat: string; Period: number } }[];
    const expression = queries.find((query) => query.Expression !== undefined)!;
    assert.equal(expression.Expression, `IF(requests >= ${MODEL_MIN_REQUESTS}, FILL(errors, 0) / requests, 0)`);
    for (const id of ['requests', 'errors']) {
      const query = queries.find((q) => q.Id === id)!;
      assert.equal(query.MetricStat?.Metric.MetricName, id === 'requests' ? 'Requests' : 'Errors');
      assert.deepEqual(dimensionsOf(query.MetricStat?.Metric.Dimensions), { service: 'contract-adapter', model: 'churn-v2' });
      assert.deepEqual([query.MetricStat?.Stat, query.MetricStat?.Period, query.ReturnData], ['Sum', 60, false]);
    }
    assert.deepEqual([rate.Threshold, rate.ComparisonOperator, rate.EvaluationPeriods, rate.DatapointsToAlarm, rate.TreatMissingData], [MODEL_ERROR_RATE_THRESHOLD, 'GreaterThanThreshold', 5, 3, 'notBreaching']);

    const latency = byId(full.template, 'OperationsModelchurnv2P99Latency').properties;
    assert.equal(latency.MetricName, 'ModelLatency');
    assert.deepEqual(dimensionsOf(latency.Dimensions), { service: 'contract-adapter', model: 'churn-v2' });
    assert.equal(latency.ExtendedStatistic, 'p99');
    assert.equal(latency.Threshold, 3000, 'alarmP99LatencyMs');
  });

  it('notify the SNS topic as the other alarms do', () => {
    const topic = onlyResource(full.template, 'AWS::SNS::Topic');
    for (const prefix of ['OperationsConfigRefreshFailures', 'OperationsStaleServing', 'OperationsModelirisErrorRate', 'OperationsModelirisP99Latency']) {
      const { properties } = byId(full.template, prefix);
      assert.deepEqual(properties.AlarmActions, [{ Ref: topic.id }], prefix);
      assert.deepEqual(properties.OKActions, [{ Ref: topic.id }], prefix);
    }
  });

  it('fit the dashboard however many models there are: at most 100 alarms per alarm widget, every alarm in one', () => {
    const body = JSON.parse(JSON.stringify(onlyResource(manyModels.template, 'AWS::CloudWatch::Dashboard').properties.DashboardBody).replace(/\{"Fn::GetAtt":\["(\w+)","Arn"\]\}/g, '"$1"')) as { 'Fn::Join': [string, string[]] };
    const widgets = (JSON.parse(body['Fn::Join'][1].join('')) as { widgets: { type: string; properties: { alarms?: string[] } }[] }).widgets.filter((widget) => widget.properties.alarms !== undefined);
    assert.equal(alarms(manyModels.template).length, 6 + 2 * 51);
    assert.deepEqual(widgets.map((widget) => widget.properties.alarms!.length), [6, 100, 2]);
  });

  it('are on the dashboard: in its alarm widget, the configuration graph, and every model and consumer by SEARCH', () => {
    for (const { template } of [demo, full]) {
      const body = JSON.stringify(onlyResource(template, 'AWS::CloudWatch::Dashboard').properties.DashboardBody);
      for (const { id } of alarms(template)) assert.ok(body.includes(`"${id}","Arn"`), `${id} not in the alarm widget`);
      for (const metric of ['ConfigRefreshes', 'StaleServes']) assert.ok(body.includes(`\\"${metric}\\"`), metric);
      for (const [metric, dimension] of [['Requests', 'model'], ['Errors', 'model'], ['ModelLatency', 'model'], ['Requests', 'consumer'], ['Errors', 'consumer']]) {
        assert.ok(body.includes(`SEARCH('{ContractAdapter,${dimension},service} MetricName=\\\\\\"${metric}\\\\\\" service=\\\\\\"contract-adapter\\\\\\"'`), `${metric} by ${dimension}`);
      }
    }
  });
});
