// Failure catalogue, section F: ensembles and deadlines (rows 42-44), and the ensemble route
// (docs/contract.md, "Ensembles"), through the real handler against slow and failing loopback models.
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { after, describe, test } from 'node:test';
import { PREFIX } from '../support/harness.ts';
import { envelope, httpEvent, lambdaContext, restEvent } from '../support/events.ts';
import { answerJson, type Behaviour, type ModelServer } from '../support/model-server.ts';
import { assertLogsClean, assertNoLeak, captureLogs, expectError, marker, setup } from '../support/catalogue.ts';

const DEADLINE_MS = 300;
const TAG = 'tag-f';
const MODEL_SECRET = marker('MODEL-SECRET');
const ensembleParameter = (name: string): string => `${PREFIX}/ensembles/${name}`;
const configParameter = (model: string): string => `${PREFIX}/models/${model}/config`;

const s = await setup({ env: { UPSTREAM_TIMEOUT_MS: '5000', PARAMETER_CACHE_TTL_SECONDS: '0' } });
after(() => s.close());
const fast = s.model;
fast.behave(answerJson('{ "label" : "fast", "n" : 12345678901234567890 }'));
const slow = await s.addModel('slow');
const failing = await s.addModel('failing', answerJson(`{"trace":"${MODEL_SECRET}"}`, 500));
const second = await s.addModel('second', answerJson('{"score":0.5}'));
const leak = () => ({ servers: s.servers, secrets: [MODEL_SECRET] });

/** Never answers; records when the request's socket closes (the call was aborted). */
function hang(server: ModelServer): { closed: number[] } {
  const closed: number[] = [];
  const behaviour: Behaviour = (req: IncomingMessage) => {
    req.socket.once('close', () => closed.push(performance.now()));
  };
  server.behave(behaviour);
  return { closed };
}

const ensemble = (name: string, members: string[], policy: string, deadlineMs = DEADLINE_MS): void => {
  s.parameters[ensembleParameter(name)] = JSON.stringify({ members, policy, deadlineMs });
};
const ask = (name: string, context = lambdaContext()) =>
  s.invoke(restEvent({ path: `/v1/ensembles/${name}/predict`, body: envelope(TAG, { x: 1 }) }), context);

async function timed(name: string) {
  const logs = captureLogs();
  const started = performance.now();
  const result = await ask(name);
  const elapsed = performance.now() - started;
  assertNoLeak(result, leak());
  assertLogsClean(logs.text(), leak());
  return { result, elapsed, started, logs: logs.text() };
}

let unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
process.on('unhandledRejection', onUnhandled);
after(() => process.off('unhandledRejection', onUnhandled));

describe('the ensemble route', () => {
  test('every member answers: each result verbatim under its name, partial false, no errors', async () => {
    ensemble('pair', ['iris', 'second'], 'all');
    const { result } = await timed('pair');
    assert.equal(result.statusCode, 200);
    assert.equal(result.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(result.body, `{"userTag":"${TAG}","result":{"iris":{ "label" : "fast", "n" : 12345678901234567890 },"second":{"score":0.5}},"partial":false,"errors":{}}`);
  });

  test('each member goes through its own config: its request and response mappings', async () => {
    s.parameters[configParameter('second')] = JSON.stringify({ request: '{features: data}', response: '{p: response.score}' });
    try {
      ensemble('mapped', ['iris', 'second'], 'all');
      const { result } = await timed('mapped');
      assert.equal(JSON.stringify((JSON.parse(result.body) as { result: unknown }).result), '{"iris":{"label":"fast","n":12345678901234567000},"second":{"p":0.5}}');
      assert.equal(second.received.at(-1)?.body, '{"features":{"x":1}}');
      assert.equal(fast.received.at(-1)?.body, '{"x":1}');
    } finally {
      delete s.parameters[configParameter('second')];
    }
  });

  test('an unknown or malformed ensemble is 404 UNKNOWN_MODEL (the contract has no UNKNOWN_ENSEMBLE); a bad config 503', async () => {
    for (const name of ['nosuch', 'iris', '__proto__', 'a%2Fb', 'x'.repeat(65)]) {
      expectError(await ask(name), 404, 'UNKNOWN_MODEL', TAG);
    }
    expectError(await s.invoke(restEvent({ path: '/v1/ensembles/a/b/predict', body: envelope(TAG, {}) })), 404, 'UNKNOWN_MODEL', TAG);
    s.parameters[ensembleParameter('invalid')] = '{"members":["iris"],"policy":"quorum:2","deadlineMs":100}';
    expectError(await ask('invalid'), 503, 'CONFIG_UNAVAILABLE', TAG);
    expectError(await s.invoke(httpEvent({ method: 'GET', path: '/v1/ensembles/pair/predict' })), 405, 'METHOD_NOT_ALLOWED');
  });

  test('a member that is not a configured model is that member\'s UNKNOWN_MODEL error', async () => {
    ensemble('ghost', ['iris', 'ghost-model'], 'any');
    const { result } = await timed('ghost');
    assert.deepEqual(JSON.parse(result.body).errors, { 'ghost-model': { code: 'UNKNOWN_MODEL', message: 'No model by that name is available.', retryable: false } });
    assert.equal(JSON.parse(result.body).partial, true);
  });
});

describe('F42 one member over the deadline, the others fine', () => {
  for (const policy of ['any', 'quorum:2']) {
    test(`F42 policy ${policy}: 200 with partial: true, its error named, the slow call aborted at the deadline`, async () => {
      const { closed } = hang(slow);
      ensemble('f42', ['iris', 'second', 'slow'], policy);
      const { result, elapsed, started } = await timed('f42');
      assert.equal(result.statusCode, 200, result.body);
      const body = JSON.parse(result.body) as Record<string, unknown>;
      assert.deepEqual(Object.keys(body), ['userTag', 'result', 'partial', 'errors']);
      assert.deepEqual(Object.keys(body.result as object), ['iris', 'second']);
      assert.equal(body.partial, true);
      assert.deepEqual(body.errors, { slow: { code: 'UPSTREAM_TIMEOUT', message: 'The model did not answer in time.', retryable: true } });
      assert.ok(elapsed >= DEADLINE_MS - 10 && elapsed < DEADLINE_MS + 250, `answered at the deadline (${Math.round(elapsed)} ms)`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(closed.length, 1, 'the slow member was aborted');
      assert.ok((closed[0] as number) - started < DEADLINE_MS + 150, 'at the deadline');
    });
  }

  test('F42 a member\'s own timeoutMs, shorter than the deadline, ends it sooner', async () => {
    hang(slow);
    s.parameters[configParameter('slow')] = JSON.stringify({ timeoutMs: 80 });
    try {
      ensemble('own', ['iris', 'slow'], 'any', 2_000);
      const { result, elapsed } = await timed('own');
      assert.equal(JSON.parse(result.body).errors.slow.code, 'UPSTREAM_TIMEOUT');
      assert.ok(elapsed < 500, `did not wait for the 2 s ensemble deadline (${Math.round(elapsed)} ms)`);
    } finally {
      delete s.parameters[configParameter('slow')];
    }
  });
});

describe('F43 every member failing, or the policy not met', () => {
  test('F43 every member timed out: 504 UPSTREAM_TIMEOUT, each call aborted, no unhandled rejection', async () => {
    unhandled = [];
    const hangs = [hang(fast), hang(second), hang(slow)];
    try {
      ensemble('f43-timeout', ['iris', 'second', 'slow'], 'any');
      const { result, elapsed } = await timed('f43-timeout');
      expectError(result, 504, 'UPSTREAM_TIMEOUT', TAG);
      assert.ok(elapsed < DEADLINE_MS + 250, `${Math.round(elapsed)} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(hangs.map((h) => h.closed.length), [1, 1, 1], 'every call aborted');
    } finally {
      fast.behave(answerJson('{ "label" : "fast", "n" : 12345678901234567890 }'));
      second.behave(answerJson('{"score":0.5}'));
    }
    assert.deepEqual(unhandled, []);
  });

  test('F43 failures that are not all timeouts: 502 UPSTREAM_ERROR, the model bodies not leaked', async () => {
    unhandled = [];
    hang(slow);
    ensemble('f43-mixed', ['failing', 'slow'], 'any');
    const { result, logs } = await timed('f43-mixed');
    expectError(result, 502, 'UPSTREAM_ERROR', TAG);
    assert.match(logs, /"message":"ensemble member failed".*"model":"failing","outcome":"UPSTREAM_ERROR","upstreamStatus":500/);
    assert.match(logs, /"message":"request".*"route":"predictEnsemble".*"ensemble":"f43-mixed","outcome":"UPSTREAM_ERROR"/);
    ensemble('f43-errors', ['failing', 'ghost-model'], 'any');
    expectError((await timed('f43-errors')).result, 502, 'UPSTREAM_ERROR', TAG);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(unhandled, []);
  });

  test('F43 policy all with one member failing: 502 at once, the others aborted without waiting for the deadline', async () => {
    const { closed } = hang(slow);
    ensemble('all-or-nothing', ['iris', 'failing', 'slow'], 'all', 2_000);
    const { result, elapsed } = await timed('all-or-nothing');
    expectError(result, 502, 'UPSTREAM_ERROR', TAG);
    assert.ok(elapsed < 500, `did not wait for the 2 s deadline once the policy could not be met (${Math.round(elapsed)} ms)`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(closed.length, 1, 'the slow member was aborted');
  });

  test('F43 quorum not reached: 502', async () => {
    ensemble('quorum', ['iris', 'failing', 'ghost-model'], 'quorum:2');
    expectError((await timed('quorum')).result, 502, 'UPSTREAM_ERROR', TAG);
  });
});

describe('F44 little Lambda time left', () => {
  test('F44 an ensemble with 300 ms of Lambda time left fails fast with 504 and calls no member', async () => {
    ensemble('f44', ['iris', 'second'], 'all', 5_000);
    const before = fast.received.length + second.received.length;
    const started = performance.now();
    expectError(await ask('f44', lambdaContext(300)), 504, 'UPSTREAM_TIMEOUT', TAG);
    assert.ok(performance.now() - started < 100);
    assert.equal(fast.received.length + second.received.length, before);
  });

  test('F44 the ensemble deadline is capped by the Lambda\'s remaining time less the margin', async () => {
    const { closed } = hang(slow);
    ensemble('capped', ['iris', 'slow'], 'any', 5_000);
    const started = performance.now();
    const result = await ask('capped', lambdaContext(800));
    const elapsed = performance.now() - started;
    assert.equal(result.statusCode, 200);
    assert.ok(elapsed >= 250 && elapsed < 600, `answered at 800 - 500 ms, not 5 s (${Math.round(elapsed)} ms)`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(closed.length, 1);
  });
});
