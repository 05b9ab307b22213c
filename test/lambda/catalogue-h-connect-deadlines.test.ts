// Failure catalogue, section H (edge guarantees): one deadline covers the whole model call,
// from the lookup to the last byte of the body (upstream/connector.ts, call-model.ts), for a
// model, an ensemble member and a shadow alike. Against loopback peers that stall each phase:
// the answer comes by the deadline plus a small margin, the socket is destroyed, no timer is
// left behind, and the request line names the phase the deadline cut.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { PREFIX, endpointParameter } from '../support/harness.ts';
import { envelope, predictPath, restEvent } from '../support/events.ts';
import { answerJson, startModelServer } from '../support/model-server.ts';
import { fakeDns } from '../support/fake-dns.ts';
import { watchConnections } from '../support/sockets.ts';
import { dripping, neverAccepting, silentTcp } from '../support/stalled-servers.ts';
import { captureLogs, expectError, expectSuccess, setup } from '../support/catalogue.ts';
import { parseLines, requestLines } from '../support/log-lines.ts';

const DEADLINE_MS = 250;
/** How late an answer may be past its deadline on this shared machine. */
const MARGIN_MS = 100;
const TAG = 'tag-h';
const configParameter = (model: string): string => `${PREFIX}/models/${model}/config`;

const syn = await neverAccepting();
const handshake = await silentTcp();
const headers = await dripping('headers');
const body = await dripping('body');
const dns = fakeDns({ 'stalled.internal': { hang: true } });
after(async () => {
  dns.restore();
  await Promise.all([syn, handshake, headers, body].map((peer) => peer.close()));
});

const stalled = {
  dns: { url: `http://stalled.internal:${headers.port}/predict`, port: headers.port },
  connect: { url: `http://127.0.0.1:${syn.port}/predict`, port: syn.port },
  tls: { url: `https://127.0.0.1:${handshake.port}/predict`, port: handshake.port },
  headers: { url: `http://127.0.0.1:${headers.port}/predict`, port: headers.port },
  body: { url: `http://127.0.0.1:${body.port}/predict`, port: body.port },
} as const;
type Phase = keyof typeof stalled;

// UPSTREAM_TIMEOUT_MS is 10 s: each model's own timeoutMs of 250 ms must be what bites.
const parameters: Record<string, string> = {};
for (const [phase, { url }] of Object.entries(stalled)) {
  parameters[endpointParameter(`stall-${phase}`)] = url;
  parameters[configParameter(`stall-${phase}`)] = JSON.stringify({ timeoutMs: DEADLINE_MS });
  // The same endpoint with no config: only an ensemble's deadline bounds it.
  parameters[endpointParameter(`bare-${phase}`)] = url;
}
parameters[`${PREFIX}/ensembles/with-stalled`] = JSON.stringify({ members: ['iris', 'bare-connect', 'bare-tls'], policy: 'any', deadlineMs: DEADLINE_MS });
// A model that answers at once, shadowed by a variant whose connect never completes.
const shadowedMain = await startModelServer(answerJson('{"label":"fast"}'));
after(() => shadowedMain.close());
parameters[endpointParameter('shadowed')] = `${shadowedMain.url}/predict`;
parameters[`${PREFIX}/models/shadowed/variants/stuck/endpoint`] = stalled.connect.url;
parameters[configParameter('shadowed')] = JSON.stringify({ timeoutMs: DEADLINE_MS, variants: { shadow: { variant: 'stuck' } } });
const s = await setup({ behaviour: answerJson('{"label":"fast"}'), env: { UPSTREAM_TIMEOUT_MS: '10000' }, parameters });
after(() => s.close());

const timers = (): number => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

// Warm: the configuration is cached and the handler's one-time work is done.
expectSuccess(await s.invoke(restEvent({ path: predictPath('iris'), body: envelope(TAG, {}) })), TAG);

async function timed(path: string) {
  await settle();
  const timersBefore = timers();
  const watch = watchConnections();
  const logs = captureLogs();
  const started = performance.now();
  const result = await s.invoke(restEvent({ path, body: envelope(TAG, { x: 1 }) }));
  const elapsed = performance.now() - started;
  watch.stop();
  await settle();
  return { result, elapsed, watch, logs: parseLines(logs.text()), timersLeft: timers() - timersBefore };
}

describe('H47-H51 a model stalled in each phase: 504 by its own timeoutMs, whatever UPSTREAM_TIMEOUT_MS says', () => {
  const rows = { dns: 'H47', connect: 'H48', tls: 'H49', headers: 'H50', body: 'H51' } as const;
  for (const phase of ['dns', 'connect', 'tls', 'headers', 'body'] as const satisfies readonly Phase[]) {
    test(`${rows[phase]} stalled in ${phase}: 504 UPSTREAM_TIMEOUT within ${DEADLINE_MS} + ${MARGIN_MS} ms, timeoutPhase ${phase}, socket destroyed, no timer left`, async () => {
      const { result, elapsed, watch, logs, timersLeft } = await timed(predictPath(`stall-${phase}`));
      expectError(result, 504, 'UPSTREAM_TIMEOUT', TAG);
      assert.ok(elapsed >= DEADLINE_MS - 5 && elapsed <= DEADLINE_MS + MARGIN_MS, `answered in ${Math.round(elapsed)} ms`);
      const [line] = requestLines(logs);
      assert.equal(line?.outcome, 'UPSTREAM_TIMEOUT');
      assert.equal(line?.timeoutPhase, phase);
      // The lookup never answers, so that phase makes a socket that never attempts a connection.
      assert.equal(watch.sockets.length, 1, 'one socket for the call');
      assert.deepEqual(watch.attempts.map((attempt) => attempt.port), phase === 'dns' ? [] : [stalled[phase].port]);
      assert.ok(watch.sockets.every((socket) => socket.destroyed), 'the socket is destroyed');
      assert.equal(timersLeft, 0, 'no timer left behind');
    });
  }
});

describe('H52 an ensemble member stalled connecting: the ensemble answers by its deadlineMs', () => {
  test(`deadlineMs ${DEADLINE_MS}, members stalled in connect and TLS, no timeoutMs of their own: 200 partial within the margin`, async () => {
    const { result, elapsed, watch, timersLeft } = await timed('/v1/ensembles/with-stalled/predict');
    assert.equal(result.statusCode, 200, result.body);
    const answer = JSON.parse(result.body) as { partial: boolean; result: Record<string, unknown>; errors: Record<string, { code: string }> };
    assert.equal(answer.partial, true);
    assert.deepEqual(Object.keys(answer.result), ['iris']);
    assert.equal(answer.errors['bare-connect']?.code, 'UPSTREAM_TIMEOUT');
    assert.equal(answer.errors['bare-tls']?.code, 'UPSTREAM_TIMEOUT');
    assert.ok(elapsed <= DEADLINE_MS + MARGIN_MS, `answered in ${Math.round(elapsed)} ms`);
    assert.ok(watch.sockets.every((socket) => socket.destroyed), 'the stalled members\' sockets are destroyed');
    assert.equal(timersLeft, 0);
  });
});

describe('H53 a shadow stalled connecting does not hold back B\'s answer', () => {
  test(`the main answer in a few ms, the shadow's connect never completes: 200 within ${DEADLINE_MS} + ${MARGIN_MS} ms, shadow-failed`, async () => {
    const { result, elapsed, watch, logs, timersLeft } = await timed(predictPath('shadowed'));
    assert.equal(expectSuccess(result, TAG), '{"label":"fast"}');
    assert.ok(elapsed <= DEADLINE_MS + MARGIN_MS, `answered in ${Math.round(elapsed)} ms`);
    const shadow = logs.find((line) => line.message === 'shadow compared');
    assert.equal(shadow?.outcome, 'shadow-failed');
    assert.equal(shadow?.shadowCode, 'UPSTREAM_TIMEOUT');
    assert.ok(watch.sockets.length >= 2, 'the main call and the shadow each opened a socket');
    const shadowSocket = watch.sockets.find((_, i) => watch.attempts[i]?.port === syn.port) ?? watch.sockets.at(-1);
    assert.deepEqual(watch.attempts.map((attempt) => attempt.port).sort(), [shadowedMain.port, syn.port].sort());
    assert.equal(shadowSocket?.destroyed, true, 'the shadow\'s socket is destroyed');
    assert.equal(timersLeft, 0);
  });
});
