// A prefix too big to read within one request's SSM budget, through the real handler, the real
// SDK and the loopback SSM endpoint with a per-call latency. Scaled down from the case it
// stands for (5,000 parameters, 30 ms a call, a 3 s budget: a 15 s read, five budgets) by
// giving the handler a shorter budget: 500 parameters at 30 ms a call is a 1.5 s read, five
// budgets of 300 ms. scripts/ssm-scale.ts measures the real case.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PageCall } from '../../local/ssm-server.ts';
import { captureLogs, expectError, expectSuccess } from '../support/catalogue.ts';
import { envelope, lambdaContext, predictPath, restEvent } from '../support/events.ts';
import { endpointParameter, startHarness, type Harness } from '../support/harness.ts';
import { parseLines, requestLines } from '../support/log-lines.ts';
import { answerJson, startModelServer, type ModelServer } from '../support/model-server.ts';

const TAG = 'tag-scale';
const PAGE = 10;

/** `count` parameters: iris first, zzz-last on the last page, endpoints m0000... between. */
function prefixOf(count: number, model: ModelServer): Record<string, string> {
  const parameters: Record<string, string> = {
    [endpointParameter('iris')]: `${model.url}/iris`,
    [endpointParameter('zzz-last')]: `${model.url}/last`,
  };
  for (let i = 0; Object.keys(parameters).length < count; i++) parameters[endpointParameter(`m${String(i).padStart(4, '0')}`)] = `${model.url}/m${i}`;
  return parameters;
}

const ask = (h: Harness, context = lambdaContext()) => h.invoke(restEvent({ path: predictPath('zzz-last'), body: envelope(TAG, {}) }), context);

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

/** Pages answered 200, as `start` offsets in call order. */
const pagesRead = (calls: readonly PageCall[]) => calls.filter((call) => call.status === 200).map((call) => call.start);
const everyPage = (pages: number) => Array.from({ length: pages }, (_, i) => i * PAGE);

/** Requests until the first 200, each timed; the 503s before it checked as CONFIG_UNAVAILABLE. */
async function loadCold(h: Harness, limit = 60): Promise<{ unavailable: number; waits: number[] }> {
  const waits: number[] = [];
  for (let i = 0; i < limit; i++) {
    const { value: result, ms } = await timed(() => ask(h));
    waits.push(ms);
    if (result.statusCode === 200) return { unavailable: i, waits };
    expectError(result, 503, 'CONFIG_UNAVAILABLE', TAG);
  }
  assert.fail(`no 200 in ${limit} requests; SSM page calls: ${JSON.stringify(h.ssm.pageCalls.slice(0, 20))}`);
}

test('H59 a prefix five budgets long loads over several requests, each page read once, no request waiting past its budget', async (t) => {
  const model = await startModelServer(answerJson('{"page":"last"}'));
  t.after(() => model.close());
  const budgetMs = 300;
  const h = await startHarness(prefixOf(500, model), { PARAMETER_CACHE_TTL_SECONDS: '30' }, { ssm: { latencyMs: 30 }, settings: { ssmBudgetMs: budgetMs } });
  t.after(() => h.close());

  const { unavailable, waits } = await loadCold(h);
  // 50 pages at 30 ms each cannot be read in under 1.5 s: five budgets of 300 ms (at least
  // three 503s however slow the machine makes each request).
  assert.ok(unavailable >= 3, `${unavailable} requests answered 503 before the first 200`);
  for (const ms of waits) assert.ok(ms < budgetMs + 700, `a request waited ${Math.round(ms)} ms (budget ${budgetMs} ms)`);
  assert.deepEqual(pagesRead(h.ssm.pageCalls), everyPage(50), 'every page read once, in order');
  assert.equal(h.ssm.calls.length, 50, 'one SSM call per page, none repeated');
  assert.equal(expectSuccess(await ask(h), TAG), '{"page":"last"}');
  assert.equal(h.ssm.calls.length, 50, 'fresh for the TTL: no more calls');
});

test('H61 a warm container whose refresh is slower than the budget serves its copy at once while the refresh runs, and swaps the new one in when it completes', async (t) => {
  const before = await startModelServer(answerJson('{"from":"old"}'));
  t.after(() => before.close());
  const after = await startModelServer(answerJson('{"from":"new"}'));
  t.after(() => after.close());
  const budgetMs = 600;
  const parameters = prefixOf(500, before);
  const h = await startHarness(parameters, { PARAMETER_CACHE_TTL_SECONDS: '1' }, { ssm: { latencyMs: 30 }, settings: { ssmBudgetMs: budgetMs } });
  t.after(() => h.close());

  const loading = captureLogs();
  const { unavailable } = await loadCold(h);
  assert.ok(unavailable >= 2, `${unavailable} requests answered 503 before the first 200`);
  const refreshed = parseLines(loading.text()).filter((record) => record.message === 'configuration refreshed');
  assert.deepEqual(refreshed.map(({ pages, slow }) => ({ pages, slow })), [{ pages: 50, slow: true }]);

  // Past the TTL, with the model moved: the first page of the next refresh hangs, so a request
  // that waited for it would wait its whole budget.
  await sleep(1_050);
  parameters[endpointParameter('zzz-last')] = `${after.url}/last`;
  h.ssm.setFault({ kind: 'hang' });
  const logs = captureLogs();
  const { value: stale, ms } = await timed(() => ask(h));
  assert.equal(expectSuccess(stale, TAG), '{"from":"old"}');
  assert.equal(requestLines(parseLines(logs.text()))[0]?.cache, 'stale');
  assert.ok(ms < budgetMs, `served in ${Math.round(ms)} ms, without waiting for the refresh (budget ${budgetMs} ms)`);
  const callsAtStale = h.ssm.calls.length;
  assert.equal(callsAtStale, 51, 'the refresh had started: its first page is hanging');

  // The hang ends (the SDK retries that page); the refresh reads on, and completes.
  h.ssm.setFault({ kind: 'none' });
  // Until the refresh completes every request gets the old copy (at once, or, once the copy is
  // a whole TTL overdue, after waiting for the refresh within its budget); the first one after
  // it, or the one waiting when it completes, gets the new copy.
  let answered: { from: string; cache: unknown } | undefined;
  for (let i = 0; i < 600; i++) {
    const logs = captureLogs();
    const from = expectSuccess(await ask(h), TAG);
    answered = { from, cache: requestLines(parseLines(logs.text()))[0]?.cache };
    if (from === '{"from":"new"}') break;
    assert.equal(answered.cache, 'stale');
    await sleep(25);
  }
  assert.equal(answered?.from, '{"from":"new"}', 'the new copy serves as soon as the refresh completed');
  assert.ok(answered.cache === 'hit' || answered.cache === 'miss', `cache ${String(answered.cache)}`);
  assert.deepEqual(pagesRead(h.ssm.pageCalls), [...everyPage(50), ...everyPage(50)], 'the second pass read each page once');
  assert.equal(h.ssm.calls.length, 101, 'two passes of 50 pages, and the page that hung asked again once');
});

/** Calls from `from` on, as `start:status`. */
const callsFrom = (h: Harness, from: number) => h.ssm.pageCalls.slice(from).map(({ start, status }) => `${start}:${status}`);

/** The handler's SSM client retries once (maxAttempts 2): throttles `attempts` calls from the `n`th GetParametersByPath after this. */
function throttleCall(h: Harness, hook: { onCall?: () => void }, n: number, attempts: number): void {
  let seen = 0;
  hook.onCall = () => {
    if (++seen === n) h.ssm.setFault({ kind: 'throttle' }, attempts);
  };
}

async function throttledHarness(t: { after: (fn: () => unknown) => void }, ttlSeconds: string) {
  const before = await startModelServer(answerJson('{"from":"old"}'));
  t.after(() => before.close());
  const hook: { onCall?: () => void } = {};
  const parameters = prefixOf(200, before);
  const h = await startHarness(parameters, { PARAMETER_CACHE_TTL_SECONDS: ttlSeconds }, { ssm: { onCall: () => hook.onCall?.() } });
  t.after(() => h.close());
  return { h, hook, parameters };
}

test('H60 a page throttled once mid-pagination is asked again by the SDK, after its back-off: that page, not the read', async (t) => {
  const { h, hook } = await throttledHarness(t, '30');
  throttleCall(h, hook, 6, 1);
  expectSuccess(await ask(h), TAG);
  assert.deepEqual(callsFrom(h, 0).slice(4, 8), ['40:200', '50:400', '50:200', '60:200']);
  assert.deepEqual(pagesRead(h.ssm.pageCalls), everyPage(20));
});

test('H60 a page throttled on both attempts fails the refresh, which keeps its pages: the next attempt resumes at that page', async (t) => {
  const { h, hook } = await throttledHarness(t, '30');
  throttleCall(h, hook, 6, 2);
  expectError(await ask(h), 503, 'CONFIG_UNAVAILABLE', TAG);
  assert.deepEqual(callsFrom(h, 0), ['0:200', '10:200', '20:200', '30:200', '40:200', '50:400', '50:400']);
  // Nothing cached: the next attempt comes after the short back-off (1 s), not before.
  expectError(await ask(h), 503, 'CONFIG_UNAVAILABLE', TAG);
  assert.equal(h.ssm.pageCalls.length, 7);
  await sleep(1_050);
  expectSuccess(await ask(h), TAG);
  assert.equal(callsFrom(h, 7)[0], '50:200', 'resumed at the page that failed');
  assert.deepEqual(pagesRead(h.ssm.pageCalls), everyPage(20), 'every page read once');
});

test('H60 with a good copy, a refresh throttled mid-pagination serves the copy, and one TTL later resumes at the page that failed', async (t) => {
  const { h, hook, parameters } = await throttledHarness(t, '1');
  const after = await startModelServer(answerJson('{"from":"new"}'));
  t.after(() => after.close());
  assert.equal(expectSuccess(await ask(h), TAG), '{"from":"old"}');
  await sleep(1_050);
  parameters[endpointParameter('zzz-last')] = `${after.url}/last`;
  throttleCall(h, hook, 6, 2);
  const logs = captureLogs();
  assert.equal(expectSuccess(await ask(h), TAG), '{"from":"old"}');
  assert.equal(requestLines(parseLines(logs.text()))[0]?.cache, 'stale');
  const failed = parseLines(logs.text()).find((record) => record.message === 'configuration refresh failed');
  assert.equal(failed?.pagesKept, 5);
  assert.equal(failed?.errorClass, 'ThrottlingException');
  const from = h.ssm.pageCalls.length;
  await sleep(1_050);
  assert.equal(expectSuccess(await ask(h), TAG), '{"from":"new"}');
  assert.equal(callsFrom(h, from)[0], '50:200', 'resumed at the page that failed');
  assert.deepEqual(pagesRead(h.ssm.pageCalls), [...everyPage(20), ...everyPage(20)]);
});

test('H62 a page in flight when Lambda freezes the container completes, or is asked again, after the thaw; the read does not start over', async (t) => {
  const model = await startModelServer(answerJson('{"page":"last"}'));
  t.after(() => model.close());
  const h = await startHarness(prefixOf(600, model), { PARAMETER_CACHE_TTL_SECONDS: '30' }, { ssm: { latencyMs: 20 } });
  t.after(() => h.close());
  // 800 ms left, less the 500 ms margin: the request waits 300 ms, and the read goes on.
  expectError(await ask(h, lambdaContext(800)), 503, 'CONFIG_UNAVAILABLE', TAG);
  // Freeze while a page is at the endpoint, not yet answered: its request timeout is running.
  while (h.ssm.pageCalls.at(-1)?.status !== 0) await new Promise((resolve) => setImmediate(resolve));
  const inFlight = h.ssm.pageCalls.length;
  assert.ok(inFlight > 1 && inFlight < 60, `${inFlight} pages asked for so far`);
  // The freeze between invocations: nothing in the process runs for 2 s, longer than the SSM
  // client's 1.5 s request timeout; the loopback endpoint freezes too. At the thaw the page's
  // answer is either read (the endpoint answered before the timeout was looked at) or the
  // timeout fires and the SDK asks for that page again: which one depends on the order the
  // event loop takes them in, and both are fine. What must not happen is a read from page 1.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2_000);
  await loadCold(h);
  const starts = h.ssm.pageCalls.map((call) => call.start);
  const repeated = starts.filter((start, i) => starts.indexOf(start) !== i);
  const inFlightPage = (inFlight - 1) * PAGE;
  assert.ok(
    repeated.length === 0 || (repeated.length === 1 && repeated[0] === inFlightPage),
    `only the page in flight during the freeze (${inFlightPage}) may be asked again: ${JSON.stringify(h.ssm.pageCalls.slice(inFlight - 3, inFlight + 3))}`,
  );
  assert.deepEqual([...new Set(starts)], everyPage(60), 'in order, never back to page 1');
  assert.equal(h.ssm.calls.length, 60 + repeated.length);
});
