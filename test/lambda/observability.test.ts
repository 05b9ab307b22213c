// What an operator sees of each request (the hardening issue, item 1): one Powertools log
// line per request with its fields, the EMF metrics, and the leak rule on both: no body, no
// `data`, no `result`, no Authorization or x-api-key, and the userTag only as a keyed hash,
// even when Powertools is told by its environment to log events and capture responses.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { envelope, httpEvent, lambdaContext, predictPath, restEvent } from '../support/events.ts';
import { endpointParameter, startHarness } from '../support/harness.ts';
import { answerJson } from '../support/model-server.ts';
import { assertLogsClean, captureLogs, expectError, expectSuccess, marker, setup, type Setup } from '../support/catalogue.ts';
import { emfLines, parseLines, requestLines, type LogRecord } from '../support/log-lines.ts';
import { tracingMayBeEnabled } from '../../lambda/observability/telemetry.ts';

const B_SECRET = marker('B-SECRET');
const MODEL_SECRET = marker('MODEL-SECRET');
const AUTHORIZATION = marker('Bearer-AUTH');
const API_KEY = marker('API-KEY');
const COOKIE = marker('COOKIE');
const TAG = marker('user-tag');
const SECRETS = [B_SECRET, MODEL_SECRET, AUTHORIZATION, API_KEY, COOKIE, TAG];

const HEADERS = { 'Content-Type': 'application/json', Authorization: AUTHORIZATION, 'x-api-key': API_KEY, Cookie: `s=${COOKIE}` };

// Powertools asked, through its own variables, to log the event and capture responses: the
// adapter's middleware options override both.
const s = await setup({
  behaviour: answerJson(`{"label":"${MODEL_SECRET}"}`),
  env: { UPSTREAM_TIMEOUT_MS: '300', POWERTOOLS_LOGGER_LOG_EVENT: 'true', POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'true' },
});
after(() => s.close());

interface Observed {
  status: number;
  body: string;
  line: LogRecord;
  emf: ReturnType<typeof emfLines>;
  records: LogRecord[];
  text: string;
}

/** One request; its captured output must be JSON lines, exactly one of them the request's. */
async function observe(event: { requestContext: { requestId: string } }, setupToUse: Setup = s, remaining = 10_000): Promise<Observed> {
  const logs = captureLogs();
  const result = await setupToUse.invoke(event, lambdaContext(remaining));
  const text = logs.text();
  const records = parseLines(text);
  const lines = requestLines(records);
  assert.equal(lines.length, 1, `one request line, got:\n${text}`);
  const line = lines[0]!;
  assert.equal(line.correlation_id, event.requestContext.requestId);
  assert.equal(line.status, result.statusCode);
  assert.equal(line.bytesOut, Buffer.byteLength(result.body));
  assert.equal(line.service, 'contract-adapter');
  assert.equal(line.level, result.statusCode >= 500 ? 'ERROR' : result.statusCode >= 400 ? 'WARN' : 'INFO');
  assertLogsClean(text, { servers: setupToUse.servers, secrets: SECRETS });
  return { status: result.statusCode, body: result.body, line, emf: emfLines(records), records, text };
}

const predict = (body: string, model = 'iris') => restEvent({ path: predictPath(model), body, headers: HEADERS });

describe('the request line', () => {
  test('a 200: route, model, outcome, latencies, bytes, cache miss then hit, the userTag as a hash', async () => {
    const body = envelope(TAG, { k: B_SECRET });
    const first = await observe(predict(body));
    assert.equal(first.status, 200);
    assert.equal(first.line.route, 'predict');
    assert.equal(first.line.model, 'iris');
    assert.equal(first.line.outcome, 'OK');
    assert.equal(first.line.cache, 'miss');
    assert.equal(first.line.bytesIn, Buffer.byteLength(body));
    assert.equal(first.line.modelAttempts, 1);
    assert.equal(typeof first.line.modelMs, 'number');
    assert.ok((first.line.totalMs as number) >= (first.line.modelMs as number));
    assert.match(String(first.line.userTagHash), /^[0-9a-f]{16}$/);
    // The Lambda context's fields the request line carries (request-line.ts).
    assert.equal(first.line.function_name, 'contract-adapter-test');
    assert.equal(first.line.function_request_id, 'ctx-request');
    assert.equal(typeof first.line.cold_start, 'boolean');
    for (const absent of ['userTag', 'data', 'result', 'body', 'headers', 'event', 'errorClass']) assert.equal(first.line[absent], undefined, absent);

    const second = await observe(predict(body));
    assert.equal(second.line.cache, 'hit');
    assert.equal(second.line.userTagHash, first.line.userTagHash, 'the same tag, the same hash within a container');
    const other = await observe(predict(envelope(`${TAG}-other`, {})));
    assert.notEqual(other.line.userTagHash, first.line.userTagHash);
  });

  test('a base64 body counts its decoded bytes', async () => {
    const body = envelope(TAG, { k: B_SECRET, s: 'é€' });
    const { line } = await observe(restEvent({ body: Buffer.from(body).toString('base64'), isBase64Encoded: true, headers: HEADERS }));
    assert.equal(line.bytesIn, Buffer.byteLength(body));
  });

  test('HTTP API (v2) events give the same line', async () => {
    const { line } = await observe(httpEvent({ body: envelope(TAG, {}), headers: HEADERS }));
    assert.equal(line.route, 'predict');
    assert.equal(line.outcome, 'OK');
  });

  test('B\'s mistakes: WARN, the code, no model, no userTag hash for an invalid tag, nothing of the body', async () => {
    const cases: Array<[string, ReturnType<typeof predict>, number, string]> = [
      ['broken JSON', predict(`{"userTag":"${TAG}","data":{"k":"${B_SECRET}"`), 400, 'INVALID_JSON'],
      ['an invalid userTag', predict(JSON.stringify({ userTag: `${TAG}\u0000`, data: { k: B_SECRET } })), 400, 'INVALID_REQUEST'],
      ['an unknown model', predict(envelope(TAG, { k: B_SECRET }), `no-such-${B_SECRET}`), 404, 'UNKNOWN_MODEL'],
      ['a wrong method', restEvent({ method: 'GET', headers: HEADERS }), 405, 'METHOD_NOT_ALLOWED'],
      ['no route', restEvent({ path: `/v2/${B_SECRET}`, headers: HEADERS, body: envelope(TAG, {}) }), 404, 'NOT_FOUND'],
      ['text/plain', restEvent({ headers: { ...HEADERS, 'Content-Type': 'text/plain' }, body: envelope(TAG, { k: B_SECRET }) }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ];
    for (const [name, event, status, code] of cases) {
      const { line } = await observe(event);
      assert.equal(line.status, status, name);
      assert.equal(line.outcome, code, name);
      assert.equal(line.model, undefined, `${name}: no model named from B's text`);
      assert.equal(line.modelMs, undefined, name);
    }
    const tagged = await observe(predict(JSON.stringify({ userTag: TAG, data: [B_SECRET] })));
    assert.equal(tagged.line.outcome, 'INVALID_REQUEST');
    assert.match(String(tagged.line.userTagHash), /^[0-9a-f]{16}$/, 'a valid tag is hashed even when data is not');
    const untagged = await observe(predict(JSON.stringify({ userTag: 42, data: {} })));
    assert.equal(untagged.line.userTagHash, undefined);
  });

  test('the model\'s faults: ERROR, the code, the class and code underneath, the model\'s status, never its body', async () => {
    s.model.behave(answerJson(`<html>${MODEL_SECRET}</html>`, 500, { 'content-type': 'text/html' }));
    const failed = await observe(predict(envelope(TAG, { k: B_SECRET })));
    assert.equal(failed.line.outcome, 'UPSTREAM_ERROR');
    assert.equal(failed.line.upstreamStatus, 500);
    assert.equal(failed.line.model, 'iris');

    s.model.behave((req) => {
      req.socket.destroy();
    });
    const reset = await observe(predict(envelope(TAG, {})));
    assert.equal(reset.line.outcome, 'UPSTREAM_UNAVAILABLE');
    assert.equal(reset.line.errorClass, 'SocketError');
    assert.equal(reset.line.errorCode, 'UND_ERR_SOCKET');

    s.model.behave(() => new Promise(() => {}));
    const slow = await observe(predict(envelope(TAG, {})));
    assert.equal(slow.line.outcome, 'UPSTREAM_TIMEOUT');
    assert.ok((slow.line.modelMs as number) >= 290, `modelMs ${slow.line.modelMs}`);

    s.model.behave(answerJson(`{"error":"${MODEL_SECRET}"}`, 422));
    const rejected = await observe(predict(envelope(TAG, {})));
    assert.equal(rejected.line.outcome, 'MODEL_REJECTED_INPUT');
    assert.equal(rejected.line.level, 'WARN');
    s.model.behave(answerJson(`{"label":"${MODEL_SECRET}"}`));
  });

  test('the list route: its route and cache state', async () => {
    const { line, status } = await observe(restEvent({ method: 'GET', path: '/v1/models', headers: HEADERS }));
    assert.equal(status, 200);
    assert.equal(line.route, 'listModels');
    assert.equal(line.cache, 'hit');
  });

  test('a stale serve says so', async (t) => {
    const stale = await setup({ env: { PARAMETER_CACHE_TTL_SECONDS: '0' } });
    t.after(() => stale.close());
    expectSuccess(await stale.invoke(predict(envelope(TAG, {}))), TAG);
    stale.harness.ssm.setFault({ kind: 'throttle' });
    const { line, emf } = await observe(predict(envelope(TAG, {})), stale);
    assert.equal(line.cache, 'stale');
    assert.equal(line.outcome, 'OK');
    const request = emf.find((record) => 'Requests' in record);
    assert.equal(request?.StaleServes, 1);
  });

  test('little Lambda time left: 504 with no model call, and the line says so', async () => {
    const { line, status } = await observe(predict(envelope(TAG, {})), s, 300);
    assert.equal(status, 504);
    assert.equal(line.outcome, 'UPSTREAM_TIMEOUT');
    assert.equal(line.modelAttempts, undefined);
  });
});

describe('a broken deployment', () => {
  test('says why once, at start, and still writes a request line for every answer', async (t) => {
    const logs = captureLogs();
    const broken = await startHarness({}, { PARAMETER_PREFIX: '' });
    t.after(() => broken.close());
    const event = predict(envelope(TAG, { k: B_SECRET }));
    const result = await broken.invoke(event);
    assert.equal(result.statusCode, 500);
    const records = parseLines(logs.text());
    assert.deepEqual(
      records.filter((record) => record.message === 'invalid configuration').map((record) => record.reason),
      ['PARAMETER_PREFIX is required (for example /contract-adapter/prod)'],
    );
    const [line] = requestLines(records);
    assert.equal(line?.outcome, 'INTERNAL');
    assert.equal(line?.correlation_id, event.requestContext.requestId);
    for (const secret of SECRETS) assert.ok(!logs.text().includes(secret));
  });
});

describe('tracing off', () => {
  test('outside Lambda the X-Ray SDK is never loaded, so no async hooks run on every promise', () => {
    // cls-hooked (the X-Ray SDK's context) registers its namespace on `process` when it loads.
    assert.equal((process as { namespaces?: unknown }).namespaces, undefined);
  });

  test('the Tracer is loaded only where Powertools could turn it on', () => {
    const lambda = { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x' };
    assert.equal(tracingMayBeEnabled({}), false);
    assert.equal(tracingMayBeEnabled({ AWS_EXECUTION_ENV: '  ' }), false);
    assert.equal(tracingMayBeEnabled(lambda), true);
    assert.equal(tracingMayBeEnabled({ ...lambda, POWERTOOLS_TRACE_ENABLED: 'true' }), true);
    assert.equal(tracingMayBeEnabled({ ...lambda, POWERTOOLS_TRACE_ENABLED: ' False ' }), false);
    assert.equal(tracingMayBeEnabled({ ...lambda, AWS_SAM_LOCAL: 'true' }), false);
    assert.equal(tracingMayBeEnabled({ AWS_EXECUTION_ENV: 'AWS_Lambda_amplify-mock' }), false);
  });
});

describe('the EMF metrics', () => {
  test('per request: Requests, Errors, ModelLatency under {service, model}, {service, outcome}, {service, consumer} and {service}', async () => {
    const ok = await observe(predict(envelope(TAG, { k: B_SECRET })));
    const [metric] = ok.emf.filter((record) => 'Requests' in record);
    assert.ok(metric, ok.text);
    const [definition] = metric._aws.CloudWatchMetrics;
    assert.equal(definition?.Namespace, 'ContractAdapter');
    assert.deepEqual(definition?.Dimensions, [
      ['service', 'model'],
      ['service', 'outcome'],
      ['service', 'consumer'],
      ['service'],
    ]);
    assert.equal(metric.service, 'contract-adapter');
    assert.equal(metric.model, 'iris');
    assert.equal(metric.outcome, 'OK');
    assert.equal(metric.Requests, 1);
    assert.equal(metric.Errors, undefined);
    assert.equal(typeof metric.ModelLatency, 'number');
    assert.deepEqual(
      definition?.Metrics.map((m) => `${m.Name}:${m.Unit}`).sort(),
      ['ModelLatency:Milliseconds', 'Requests:Count'],
    );

    const unknown = await observe(predict(envelope(TAG, {}), `x-${B_SECRET}`));
    const [error] = unknown.emf.filter((record) => 'Requests' in record);
    assert.equal(error?.model, '(none)', 'B\'s text is never a dimension value');
    assert.equal(error?.outcome, 'UNKNOWN_MODEL');
    assert.equal(error?.Errors, 1);
  });

  test('the request line, then at once its EMF line', async () => {
    const logs = captureLogs();
    const result = await s.invoke(predict(envelope(TAG, {})));
    assert.equal(result.statusCode, 200);
    const records = parseLines(logs.text());
    const at = records.findIndex((record) => record.message === 'request');
    assert.ok(at >= 0, 'a request line');
    assert.deepEqual(records.slice(at).map((record) => ('_aws' in record ? 'emf' : record.message)), ['request', 'emf']);
    assert.equal(records[at + 1]?.Requests, 1);
  });

  test('a log level above the line\'s drops the line, never the metrics', async (t) => {
    const quiet = await setup({ behaviour: answerJson('{"p":1}'), env: { POWERTOOLS_LOG_LEVEL: 'ERROR' } });
    t.after(() => {
      delete process.env.POWERTOOLS_LOG_LEVEL;
      return quiet.close();
    });
    const logs = captureLogs();
    const results = [await quiet.invoke(predict(envelope(TAG, {}))), await quiet.invoke(predict(envelope(TAG, {}), 'nope'))];
    assert.deepEqual(results.map((r) => r.statusCode), [200, 404]);
    const records = parseLines(logs.text());
    assert.deepEqual(requestLines(records), [], 'INFO and WARN lines under ERROR');
    assert.deepEqual(emfLines(records).filter((record) => 'Requests' in record).map((m) => m.outcome), ['OK', 'UNKNOWN_MODEL']);
  });

  test('one EMF line per request, even when requests overlap', async () => {
    s.model.behave(async (_req, res) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      answerJson('{"p":1}')(_req, res, '');
    });
    const logs = captureLogs();
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => s.invoke(predict(envelope(TAG, {}), i % 2 === 0 ? 'iris' : 'nope'))));
    const records = parseLines(logs.text());
    const metrics = emfLines(records).filter((record) => 'Requests' in record);
    assert.equal(metrics.length, 8);
    assert.deepEqual(metrics.map((m) => `${m.model}/${m.outcome}`).sort(), [
      ...Array(4).fill('(none)/UNKNOWN_MODEL'),
      ...Array(4).fill('iris/OK'),
    ]);
    assert.deepEqual(results.map((r) => r.statusCode).sort(), [200, 200, 200, 200, 404, 404, 404, 404]);
    s.model.behave(answerJson(`{"label":"${MODEL_SECRET}"}`));
  });

  test('configuration refreshes: ConfigRefreshes by result, with the refresh log line', async (t) => {
    const fresh = await setup();
    t.after(() => fresh.close());
    const ok = await observe(predict(envelope(TAG, {})), fresh);
    const refreshed = ok.emf.find((record) => 'ConfigRefreshes' in record);
    assert.equal(refreshed?.result, 'ok');
    assert.deepEqual(refreshed?._aws.CloudWatchMetrics[0]?.Dimensions, [['service', 'result']]);
    assert.ok(ok.records.some((record) => record.message === 'configuration refreshed'));

    const failing = await setup();
    t.after(() => failing.close());
    failing.harness.ssm.setFault({ kind: 'throttle' });
    const logs = captureLogs();
    expectError(await failing.invoke(predict(envelope(TAG, {}))), 503, 'CONFIG_UNAVAILABLE', TAG);
    const records = parseLines(logs.text());
    assert.equal(emfLines(records).find((record) => 'ConfigRefreshes' in record)?.result, 'failed');
    const warning = records.find((record) => record.message === 'configuration refresh failed');
    assert.ok(warning, logs.text());
    assert.equal(typeof warning.errorClass, 'string');
    assertLogsClean(logs.text(), { servers: failing.servers, secrets: [...SECRETS, 'Rate exceeded'] });
  });
});

describe('the leak rule on every line', () => {
  test('Authorization, x-api-key, cookies, B\'s body, the model\'s body and the userTag never appear, whatever the outcome', async () => {
    s.parameters[endpointParameter('never-configured-here')] = 'ftp://x/';
    const behaviours = [
      answerJson(`{"label":"${MODEL_SECRET}"}`),
      answerJson(`{"error":"${MODEL_SECRET}"}`, 400),
      answerJson(`<pre>${MODEL_SECRET}</pre>`, 503, { 'retry-after': '2' }),
      answerJson(`${MODEL_SECRET} not json`),
    ];
    for (const behaviour of behaviours) {
      s.model.behave(behaviour);
      for (const event of [predict(envelope(TAG, { k: B_SECRET })), httpEvent({ body: envelope(TAG, { k: B_SECRET }), headers: HEADERS })]) {
        const { text, records } = await observe(event);
        assert.ok(records.length >= 2, 'the request line and its metrics');
        for (const secret of SECRETS) assert.ok(!text.includes(secret));
      }
    }
    s.model.behave(answerJson(`{"label":"${MODEL_SECRET}"}`));
  });
});
