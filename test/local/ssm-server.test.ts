// The loopback SSM endpoint's options for scale and fault tests, through the real SDK client:
// per-call latency, throttling every Nth call, a fault for a number of calls, the page log and
// tokens that expire.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { startSsmServer, type SsmServerOptions } from '../../local/ssm-server.ts';

const parameters: Record<string, string> = {};
for (let i = 0; i < 25; i++) parameters[`/p/models/m${String(i).padStart(2, '0')}/endpoint`] = `http://10.0.0.${i}/`;

async function start(options: Omit<SsmServerOptions, 'parameters'> = {}) {
  const ssm = await startSsmServer({ ...options, parameters: () => parameters });
  const client = new SSMClient({ region: 'us-east-1', endpoint: ssm.url, credentials: { accessKeyId: 't', secretAccessKey: 't' }, maxAttempts: 1 });
  const page = (NextToken?: string) => client.send(new GetParametersByPathCommand({ Path: '/p', Recursive: true, MaxResults: 10, NextToken }));
  return {
    ssm,
    page,
    close: async () => {
      client.destroy();
      await ssm.close();
    },
  };
}

test('latencyMs delays every answer; pageCalls logs the page each call asked for and its status', async (t) => {
  const s = await start({ latencyMs: 40 });
  t.after(() => s.close());
  const started = performance.now();
  const first = await s.page();
  assert.ok(performance.now() - started >= 35, 'answered after the latency');
  const second = await s.page(first.NextToken);
  await s.page(second.NextToken);
  assert.deepEqual(s.ssm.pageCalls, [
    { start: 0, status: 200 },
    { start: 10, status: 200 },
    { start: 20, status: 200 },
  ]);
});

test('throttleEvery answers every Nth call ThrottlingException', async (t) => {
  const s = await start({ throttleEvery: 3 });
  t.after(() => s.close());
  const outcomes: string[] = [];
  for (let i = 0; i < 6; i++) outcomes.push(await s.page().then(() => 'ok', (error: Error) => error.name));
  assert.deepEqual(outcomes, ['ok', 'ok', 'ThrottlingException', 'ok', 'ok', 'ThrottlingException']);
  assert.deepEqual(s.ssm.pageCalls.map((call) => call.status), [200, 200, 400, 200, 200, 400]);
});

test('setFault with a count lasts that many calls; onCall sees each call before it is answered', async (t) => {
  const seen: number[] = [];
  const s = await start({ onCall: (_action, call) => seen.push(call) });
  t.after(() => s.close());
  s.ssm.setFault({ kind: 'throttle' }, 2);
  const outcomes: string[] = [];
  for (let i = 0; i < 3; i++) outcomes.push(await s.page().then(() => 'ok', (error: Error) => error.name));
  assert.deepEqual(outcomes, ['ThrottlingException', 'ThrottlingException', 'ok']);
  assert.deepEqual(seen, [1, 2, 3]);
});

test('invalidateTokens: a token handed out before is refused with InvalidNextToken', async (t) => {
  const s = await start();
  t.after(() => s.close());
  const first = await s.page();
  s.ssm.invalidateTokens();
  await assert.rejects(s.page(first.NextToken), { name: 'InvalidNextToken' });
  assert.deepEqual(s.ssm.pageCalls.at(-1), { start: -1, status: 400 });
  const again = await s.page();
  assert.equal((await s.page(again.NextToken)).Parameters?.[0]?.Name, '/p/models/m10/endpoint');
});

test('quotaTps: calls past the quota within one second are throttled', async (t) => {
  const s = await start({ quotaTps: 3 });
  t.after(() => s.close());
  const outcomes = await Promise.all(Array.from({ length: 5 }, () => s.page().then(() => 'ok', (error: Error) => error.name)));
  assert.deepEqual(outcomes.sort(), ['ThrottlingException', 'ThrottlingException', 'ok', 'ok', 'ok']);
});
