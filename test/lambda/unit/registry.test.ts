import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigRegistry, type RegistryOptions } from '../../../lambda/config/registry.ts';
import { AdapterError } from '../../../lambda/contract/errors.ts';

/** A registry over a scripted loader and a hand-moved clock. */
function setup(overrides: Partial<RegistryOptions<string>> = {}) {
  const clock = { now: 0 };
  const loads: { resolve: (v: string) => void; reject: (e: Error) => void; signal: AbortSignal }[] = [];
  const registry = new ConfigRegistry<string>({
    load: (signal) => new Promise((resolve, reject) => loads.push({ resolve, reject, signal })),
    ttlMs: 30_000,
    refreshBudgetMs: 3_000,
    now: () => clock.now,
    random: () => 0.5,
    ...overrides,
  });
  return { registry, clock, loads };
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

  test('the loader gets a signal that aborts at the refresh budget', async () => {
    const { registry, loads } = setup({ refreshBudgetMs: 20 });
    registry.get(0).catch(() => undefined);
    await tick();
    const signal = loads[0]?.signal;
    assert.equal(signal?.aborted, false);
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(signal?.aborted, true);
  });
});
