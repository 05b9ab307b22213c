import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigRegistry, type RefreshOutcome, type RegistryOptions } from '../../../lambda/config/registry.ts';
import { AdapterError } from '../../../lambda/contract/errors.ts';

/** A registry over a scripted loader and a hand-moved clock. */
function setup(overrides: Partial<RegistryOptions<string>> = {}) {
  const clock = { now: 0 };
  const loads: { resolve: (v: string) => void; reject: (e: Error) => void }[] = [];
  const outcomes: RefreshOutcome[] = [];
  const registry = new ConfigRegistry<string>({
    load: () => new Promise((resolve, reject) => loads.push({ resolve, reject })),
    ttlMs: 30_000,
    refreshBudgetMs: 3_000,
    onRefresh: (outcome) => outcomes.push(outcome),
    now: () => clock.now,
    random: () => 0.5,
    ...overrides,
  });
  return { registry, clock, loads, outcomes };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
const isConfigUnavailable = (e: unknown) => e instanceof AdapterError && e.code === 'CONFIG_UNAVAILABLE';

describe('ConfigRegistry', () => {
  test('first load is a miss, then hits until the jittered TTL', async () => {
    const { registry, clock, loads } = setup();
    const first = registry.get(1_000);
    await tick();
    loads[0]?.resolve('v1');
    assert.deepEqual(await first, { value: 'v1', cache: 'miss' });
    clock.now = 26_999; // TTL 30 s less 0.5 * 20% jitter = 27 s
    assert.deepEqual(await registry.get(1_000), { value: 'v1', cache: 'hit' });
    assert.equal(loads.length, 1);
    clock.now = 27_000;
    const second = registry.get(1_000);
    await tick();
    assert.equal(loads.length, 2);
    loads[1]?.resolve('v2');
    assert.deepEqual(await second, { value: 'v2', cache: 'miss' });
  });

  test('one refresh in flight, shared by every waiting request', async () => {
    const { registry, loads } = setup();
    const waiting = [registry.get(1_000), registry.get(1_000), registry.get(1_000)];
    await tick();
    assert.equal(loads.length, 1);
    loads[0]?.resolve('v1');
    for (const result of await Promise.all(waiting)) assert.equal(result.value, 'v1');
  });

  test('a failed refresh keeps serving the last good value, and waits one TTL to retry', async () => {
    const { registry, clock, loads } = setup();
    const first = registry.get(1_000);
    await tick();
    loads[0]?.resolve('good');
    await first;
    clock.now = 40_000;
    const stale = registry.get(1_000);
    await tick();
    loads[1]?.reject(new Error('ThrottlingException'));
    assert.deepEqual(await stale, { value: 'good', cache: 'stale' });
    clock.now = 60_000;
    assert.deepEqual(await registry.get(1_000), { value: 'good', cache: 'stale' });
    assert.equal(loads.length, 2, 'no new SSM call before one jittered TTL has passed');
    clock.now = 67_001;
    registry.get(1_000).catch(() => undefined);
    await tick();
    assert.equal(loads.length, 3);
  });

  test('with nothing cached, a failure is CONFIG_UNAVAILABLE and the retry comes after a short back-off', async () => {
    const { registry, clock, loads } = setup();
    const first = registry.get(1_000);
    await tick();
    loads[0]?.reject(new Error('down'));
    await assert.rejects(first, isConfigUnavailable);
    clock.now = 500;
    await assert.rejects(registry.get(1_000), isConfigUnavailable);
    assert.equal(loads.length, 1);
    clock.now = 1_000;
    const retry = registry.get(1_000);
    await tick();
    loads[1]?.resolve('ok');
    assert.equal((await retry).value, 'ok');
  });

  test('a request waits no longer than its budget; the refresh goes on for the others', async () => {
    const { registry, loads } = setup();
    const started = Date.now();
    await assert.rejects(registry.get(30), isConfigUnavailable);
    assert.ok(Date.now() - started < 1_000);
    const later = registry.get(1_000);
    await tick();
    assert.equal(loads.length, 1, 'still the same refresh');
    loads[0]?.resolve('v1');
    assert.equal((await later).value, 'v1');
  });

  test('a refresh that outlasts the budget is not abandoned: it goes on, and its value swaps in at once', async () => {
    const { registry, loads, outcomes } = setup({ refreshBudgetMs: 20 });
    await assert.rejects(registry.get(20), isConfigUnavailable);
    await new Promise((resolve) => setTimeout(resolve, 60));
    await assert.rejects(registry.get(20), isConfigUnavailable);
    assert.equal(loads.length, 1, 'the same refresh, still running, well past the budget');
    loads[0]?.resolve('v1');
    await tick();
    assert.deepEqual(await registry.get(20), { value: 'v1', cache: 'hit' }, 'in as soon as it completed, no new load');
    assert.equal(loads.length, 1);
    assert.deepEqual(outcomes.map(({ ok, slow }) => ({ ok, slow })), [{ ok: true, slow: true }]);
  });

  /** A registry whose first load outlasted a request's whole budget (20 ms): a slow container. */
  async function slowContainer() {
    const s = setup({ refreshBudgetMs: 20 });
    await assert.rejects(s.registry.get(20), isConfigUnavailable);
    s.loads[0]?.resolve('v1');
    await tick();
    assert.equal(s.outcomes.at(-1)?.slow, true);
    return s;
  }

  test('slow container: a request past the TTL is served the old copy at once while the refresh runs', async () => {
    const { registry, clock, loads } = await slowContainer();
    clock.now = 27_000;
    const started = Date.now();
    assert.deepEqual(await registry.get(1_000), { value: 'v1', cache: 'stale' });
    assert.ok(Date.now() - started < 500, 'no wait for the refresh');
    assert.equal(loads.length, 2, 'the refresh was started');
    assert.deepEqual(await registry.get(1_000), { value: 'v1', cache: 'stale' });
    assert.equal(loads.length, 2, 'still one refresh in flight');
    loads[1]?.resolve('v2');
    await tick();
    assert.deepEqual(await registry.get(1_000), { value: 'v2', cache: 'hit' });
  });

  test('slow container: once the copy is a whole TTL overdue, requests wait again, within their budget', async () => {
    const { registry, clock, loads } = await slowContainer();
    clock.now = 27_000;
    assert.equal((await registry.get(1_000)).cache, 'stale');
    clock.now = 57_000; // fresh until 27 s, plus the 30 s TTL
    const waiting = registry.get(1_000);
    await tick();
    assert.equal(loads.length, 2, 'the same refresh');
    loads[1]?.resolve('v2');
    assert.deepEqual(await waiting, { value: 'v2', cache: 'miss' });
  });

  test('a wait cut short by the request\'s own time left does not make the container slow', async () => {
    const { registry, clock, loads, outcomes } = setup({ refreshBudgetMs: 1_000 });
    await assert.rejects(registry.get(20), isConfigUnavailable);
    loads[0]?.resolve('v1');
    await tick();
    assert.equal(outcomes[0]?.slow, false);
    clock.now = 27_000;
    const waiting = registry.get(1_000);
    await tick();
    loads[1]?.resolve('v2');
    assert.deepEqual(await waiting, { value: 'v2', cache: 'miss' }, 'waited for the refresh, as for any ordinary prefix');
  });

  test('a slow container whose refresh completes within the budget is slow no more', async () => {
    const { registry, clock, loads, outcomes } = await slowContainer();
    clock.now = 27_000;
    assert.equal((await registry.get(1_000)).cache, 'stale');
    loads[1]?.resolve('v2'); // took no time on the hand-moved clock, and nobody waited for it
    await tick();
    assert.equal(outcomes.at(-1)?.slow, false);
    clock.now = 60_000;
    const waiting = registry.get(1_000);
    await tick();
    loads[2]?.resolve('v3');
    assert.deepEqual(await waiting, { value: 'v3', cache: 'miss' });
  });

  test('a refresh longer than the budget that nobody waited out (a freeze, say) leaves the container as it was', async () => {
    const { registry, clock, loads, outcomes } = setup({ refreshBudgetMs: 1_000 });
    const first = registry.get(1_000);
    await tick();
    clock.now = 5_000; // the clock moved 5 s while the refresh ran, but no request waited 1 s
    loads[0]?.resolve('v1');
    await first;
    assert.deepEqual(outcomes.map(({ ms, slow }) => ({ ms, slow })), [{ ms: 5_000, slow: false }]);
  });
});
