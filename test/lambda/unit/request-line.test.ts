// The request line's schema (request-line.ts) and the EMF lines (metrics.ts), which the adapter
// writes itself: the fields the schema promises, the logger's level obeyed, the cold start said
// once, and EMF lines that follow CloudWatch's Embedded Metric Format specification.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AdapterMetrics, metricsEnabled } from '../../../lambda/observability/metrics.ts';
import { RequestLines } from '../../../lambda/observability/request-line.ts';
import type { RequestSummary } from '../../../lambda/observability/request-summary.ts';

const ok: RequestSummary = {
  correlation_id: 'gw-1', route: 'predict', consumer: 'team-a', model: 'iris', configHash: 'abc123', outcome: 'OK', status: 200,
  totalMs: 3.2, modelMs: 2.5, modelAttempts: 2, bytesIn: 120, bytesOut: 90, cache: 'stale', userTagHash: '0123456789abcdef',
};
const refused: RequestSummary = { correlation_id: 'gw-2', route: 'none', consumer: '(unknown)', outcome: 'INVALID_REQUEST', status: 400, totalMs: 0.1, bytesIn: 3, bytesOut: 140 };
const failed: RequestSummary = { ...ok, outcome: 'UPSTREAM_TIMEOUT', status: 504, modelAttempts: 1, cache: 'hit', timeoutPhase: 'connect' };

function lines(level = 'INFO', options: { indent?: boolean; metrics?: boolean } = {}) {
  const written: Array<[string, string]> = [];
  const metrics = new AdapterMetrics({ namespace: 'ContractAdapter', service: 'contract-adapter', enabled: options.metrics ?? true, write: (line) => written.push(['metrics', line]) });
  const requestLines = new RequestLines({
    service: 'contract-adapter',
    logger: { getLevelName: () => level as never },
    metrics,
    indent: options.indent ?? false,
    write: (lineLevel, text) => written.push([lineLevel, text]),
  });
  return { written, metrics, requestLines };
}

/** The EMF specification's rules for one line: every dimension and metric named is a member of the right type. */
function assertEmf(text: string): Record<string, unknown> {
  const record = JSON.parse(text) as Record<string, unknown> & { _aws: { Timestamp: number; CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> } };
  assert.equal(typeof record._aws.Timestamp, 'number');
  assert.equal(record._aws.CloudWatchMetrics.length, 1);
  const [directive] = record._aws.CloudWatchMetrics;
  assert.match(directive!.Namespace, /^[^:].{0,254}$/);
  assert.ok(directive!.Dimensions.length >= 1 && directive!.Dimensions.every((set) => set.length >= 1 && set.length <= 30));
  for (const name of directive!.Dimensions.flat()) assert.equal(typeof record[name], 'string', `dimension ${name}`);
  assert.ok(directive!.Metrics.length >= 1 && directive!.Metrics.length <= 100);
  for (const { Name, Unit } of directive!.Metrics) {
    assert.equal(typeof record[Name], 'number', `metric ${Name}`);
    assert.ok(['Count', 'Milliseconds'].includes(Unit));
  }
  return record;
}

describe('the request line', () => {
  test('the schema\'s fields, then the request\'s, in one write with its EMF line', () => {
    const { written, requestLines } = lines();
    requestLines.write(ok, { coldStart: true, functionName: 'contract-adapter-prod', awsRequestId: 'aws-1' });
    assert.equal(written.length, 1);
    const [level, text] = written[0]!;
    assert.equal(level, 'INFO');
    const [line, emf] = text.split('\n');
    const record = JSON.parse(line!) as Record<string, unknown>;
    assert.deepEqual(Object.keys(record).slice(0, 7), ['level', 'message', 'timestamp', 'service', 'cold_start', 'function_name', 'function_request_id']);
    assert.equal(record.level, 'INFO');
    assert.equal(record.message, 'request');
    assert.match(String(record.timestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(record.cold_start, true);
    assert.equal(record.function_request_id, 'aws-1');
    assert.equal(record.xray_trace_id, undefined, 'no trace outside Lambda');
    for (const [key, value] of Object.entries(ok)) assert.equal(record[key], value, key);
    assert.equal(assertEmf(emf!).Requests, 1);
  });

  test('levels: INFO below 400, WARN for 4xx, ERROR for 5xx; a field without a value is left out', () => {
    const { written, requestLines } = lines();
    for (const summary of [ok, refused, failed]) requestLines.write(summary, { coldStart: false });
    assert.deepEqual(written.map(([level]) => level), ['INFO', 'WARN', 'ERROR']);
    const refusedLine = JSON.parse(written[1]![1].split('\n')[0]!) as Record<string, unknown>;
    assert.ok(!('model' in refusedLine) && !('function_name' in refusedLine));
    assert.equal(JSON.parse(written[2]![1].split('\n')[0]!).timeoutPhase, 'connect');
  });

  test('the logger\'s level is obeyed by the line, never by its metrics', () => {
    const { written, requestLines } = lines('ERROR');
    requestLines.write(ok, { coldStart: false });
    requestLines.write(failed, { coldStart: false });
    assert.equal(written.length, 2);
    assert.equal(JSON.parse(written[0]![1])._aws !== undefined, true, 'the 200 leaves its metrics only');
    assert.equal(written[1]![1].split('\n').length, 2);
  });

  test('with metrics off, the line alone; with both off, nothing', () => {
    const quiet = lines('INFO', { metrics: false });
    quiet.requestLines.write(ok, { coldStart: false });
    assert.equal(quiet.written[0]![1].split('\n').length, 1);
    const silent = lines('SILENT', { metrics: false });
    silent.requestLines.write(failed, { coldStart: false });
    assert.deepEqual(silent.written, []);
  });

  test('local mode indents the line as Powertools does in dev mode, and the EMF line stays one line', () => {
    const { written, requestLines } = lines('INFO', { indent: true });
    requestLines.write(ok, { coldStart: false });
    const text = written[0]![1];
    assert.ok(text.startsWith('{\n    "level": "INFO",'));
    assert.ok(text.split('\n').at(-1)!.startsWith('{"_aws":'));
  });

  test('the cold start is taken once per execution environment', () => {
    const { requestLines } = lines();
    assert.deepEqual([requestLines.takeColdStart(), requestLines.takeColdStart(), requestLines.takeColdStart()], [true, false, false]);
  });

  test('no cold start where environments are initialized before traffic: provisioned concurrency, Lambda Managed Instances', () => {
    const before = process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
    try {
      for (const [type, first] of [['on-demand', true], ['provisioned-concurrency', false], ['lambda-managed-instances', false]] as const) {
        process.env.AWS_LAMBDA_INITIALIZATION_TYPE = type;
        const { requestLines } = lines();
        assert.deepEqual([requestLines.takeColdStart(), requestLines.takeColdStart()], [first, false], type);
      }
    } finally {
      if (before === undefined) delete process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
      else process.env.AWS_LAMBDA_INITIALIZATION_TYPE = before;
    }
  });
});

describe('the EMF lines', () => {
  test('a request: Requests, Errors, ModelLatency, ModelRetries, StaleServes under {service, model}, {service, outcome}, {service, consumer} and {service}', () => {
    const { metrics } = lines();
    const record = assertEmf(metrics.requestLine({ ...ok, status: 502, outcome: 'UPSTREAM_ERROR' }, 1_700_000_000_000));
    assert.deepEqual(record, {
      _aws: {
        Timestamp: 1_700_000_000_000,
        CloudWatchMetrics: [{
          Namespace: 'ContractAdapter',
          Dimensions: [['service', 'model'], ['service', 'outcome'], ['service', 'consumer'], ['service']],
          Metrics: [
            { Name: 'Requests', Unit: 'Count' }, { Name: 'Errors', Unit: 'Count' }, { Name: 'ModelLatency', Unit: 'Milliseconds' },
            { Name: 'ModelRetries', Unit: 'Count' }, { Name: 'StaleServes', Unit: 'Count' },
          ],
        }],
      },
      service: 'contract-adapter', model: 'iris', outcome: 'UPSTREAM_ERROR', consumer: 'team-a', Requests: 1, Errors: 1, ModelLatency: 2.5, ModelRetries: 1, StaleServes: 1,
    });
  });

  test('a request that named no configured model is filed under (none); B\'s text never becomes a dimension', () => {
    const { metrics } = lines();
    assert.equal(assertEmf(metrics.requestLine(refused)).model, '(none)');
  });

  test('a refresh and a shadow comparison: their own lines, at once', () => {
    const { written, metrics } = lines();
    metrics.refresh(false);
    metrics.shadowComparison('iris', 'disagree');
    const [refresh, shadow] = written.map(([, text]) => assertEmf(text));
    assert.deepEqual([refresh!.result, refresh!.ConfigRefreshes], ['failed', 1]);
    assert.deepEqual([shadow!.model, shadow!.comparison, shadow!.ShadowComparisons], ['iris', 'disagree', 1]);
    assert.deepEqual((shadow!._aws as { CloudWatchMetrics: Array<{ Dimensions: string[][] }> }).CloudWatchMetrics[0]!.Dimensions, [['service', 'model', 'comparison']]);
  });

  test('on or off as Powertools Metrics decides: POWERTOOLS_METRICS_DISABLED when set, else off in dev mode', () => {
    assert.equal(metricsEnabled({}), true);
    assert.equal(metricsEnabled({ POWERTOOLS_DEV: 'true' }), false);
    assert.equal(metricsEnabled({ POWERTOOLS_DEV: 'true', POWERTOOLS_METRICS_DISABLED: 'false' }), true);
    assert.equal(metricsEnabled({ POWERTOOLS_METRICS_DISABLED: 'true' }), false);
    const { written, metrics } = lines('INFO', { metrics: false });
    metrics.refresh(true);
    assert.deepEqual(written, []);
  });
});
