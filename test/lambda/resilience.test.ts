// Resilience (the hardening issue, item 4, and the edge-guarantees issue, item 6), through the
// real handler, undici agent and SDK: one retry on a pooled keep-alive socket that failed
// before any byte of the answer (the stale socket a Lambda finds after a freeze), never on a
// connection opened for the request (the model may have read it), never more, never after
// the headers, always inside the deadline; and an SSM wait bounded by the Lambda's remaining
// time.
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { after, describe, test } from 'node:test';
import { envelope, lambdaContext, predictPath, restEvent } from '../support/events.ts';
import { answerJson, startModelServer, type Behaviour } from '../support/model-server.ts';
import { endpointParameter } from '../support/harness.ts';
import { watchConnections } from '../support/sockets.ts';
import { fakeDns, type FakeAnswer } from '../support/fake-dns.ts';
import { captureLogs, closedPort, expectError, expectSuccess, setup } from '../support/catalogue.ts';

const TIMEOUT_MS = 300;
const TAG = 'tag-r';
const s = await setup({ env: { UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS) } });
after(() => s.close());
captureLogs();

const ask = (model = 'iris', context = lambdaContext()) =>
  s.invoke(restEvent({ path: predictPath(model), body: envelope(TAG, { x: 1 }) }), context);

/** The request line the adapter wrote for the last request. */
function lastLine(logs: ReturnType<typeof captureLogs>): Record<string, unknown> {
  const lines = logs.lines().filter((line) => line.includes('"message":"request"'));
  assert.ok(lines.length > 0, 'a request line');
  return JSON.parse(lines.at(-1)!) as Record<string, unknown>;
}

/**
 * A model whose idle keep-alive sockets are dead without the client knowing, as after a
 * Lambda freeze: the first request on a socket is answered; the next one on the same socket
 * finds it closed (FIN after reading the request, or RST).
 */
function staleAfterFirst(kill: (socket: Socket) => void): Behaviour {
  const served = new WeakSet<Socket>();
  return (req: IncomingMessage, res: ServerResponse) => {
    if (served.has(req.socket)) {
      kill(req.socket);
      return;
    }
    served.add(req.socket);
    answerJson('{"ok":true}', 200, { 'keep-alive': 'timeout=60' })(req, res, '');
  };
}

describe('a stale pooled socket after a freeze: retried once on a new connection, 200', () => {
  for (const [name, kill] of [
    ['closed (FIN) when the next request arrives', (socket: Socket) => socket.destroy()],
    ['reset (RST) when the next request arrives', (socket: Socket) => socket.resetAndDestroy()],
  ] as const) {
    test(`the pooled socket is ${name}`, async (t) => {
      // A model of its own, so that the pool holds exactly the one socket the first call opens.
      const model = await startModelServer(staleAfterFirst(kill));
      const h = await setup({ parameters: { [endpointParameter('stale')]: `${model.url}/predict` } });
      t.after(() => h.close());
      t.after(() => model.close());
      const askStale = () => h.invoke(restEvent({ path: predictPath('stale'), body: envelope(TAG, { x: 1 }) }));
      assert.equal(expectSuccess(await askStale(), TAG), '{"ok":true}');
      assert.equal(model.connections, 1);
      // undici puts the socket back in the pool on the tick after the body ends.
      await new Promise((resolve) => setTimeout(resolve, 50));

      const logs = captureLogs();
      assert.equal(expectSuccess(await askStale(), TAG), '{"ok":true}', 'the retry turned the dead socket into a 200');
      assert.equal(model.received.length, 3, 'the first request, the one on the dead socket, its retry');
      assert.equal(model.connections, 2, 'the retry went on a new connection');
      const line = lastLine(logs);
      assert.equal(line.modelAttempts, 2);
      assert.equal(line.outcome, 'OK');
    });
  }
});

describe('a pool of stale sockets (earlier concurrent calls left several): the retry goes on a new connection', () => {
  test('4 dead sockets in the pool, then 4 requests one after another: each 200 after at most one retry', async (t) => {
    const model = await startModelServer(staleAfterFirst((socket) => socket.resetAndDestroy()));
    const h = await setup({ parameters: { [endpointParameter('stale')]: `${model.url}/predict` } });
    t.after(() => h.close());
    t.after(() => model.close());
    const askStale = () => h.invoke(restEvent({ path: predictPath('stale'), body: envelope(TAG, {}) }));
    // Concurrent calls: the pool opens one connection for each.
    await Promise.all(Array.from({ length: 4 }, askStale));
    assert.equal(model.connections, 4);
    await new Promise((resolve) => setTimeout(resolve, 50));

    // Had the retry gone back to the pool, it could have drawn another dead socket.
    for (let i = 0; i < 4; i++) {
      const logs = captureLogs();
      assert.equal(expectSuccess(await askStale(), TAG), '{"ok":true}', `request ${i + 1}`);
      assert.ok((lastLine(logs).modelAttempts as number) <= 2);
    }
  });
});

describe('the retry\'s new connection passes the same checks', () => {
  test('the name is rebound to the metadata address between the attempts: 503 CONFIG_UNAVAILABLE, no connection attempt to it', async (t) => {
    const answers: Record<string, FakeAnswer> = { 'rebind.internal': { address: '127.0.0.1' } };
    const dns = fakeDns(answers);
    t.after(() => dns.restore());
    // The first request is answered and leaves its socket in the pool; on the second, the model
    // drops the pooled socket and the name now points at the metadata address.
    const model = await startModelServer(staleAfterFirst((socket) => {
      answers['rebind.internal'] = { address: '169.254.169.254' };
      socket.destroy();
    }));
    t.after(() => model.close());
    const h = await setup({ parameters: { [endpointParameter('rebind')]: `http://rebind.internal:${model.port}/predict` } });
    t.after(() => h.close());
    const askRebind = () => h.invoke(restEvent({ path: predictPath('rebind'), body: envelope(TAG, {}) }));
    expectSuccess(await askRebind(), TAG);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const watch = watchConnections();
    t.after(() => watch.stop());
    expectError(await askRebind(), 503, 'CONFIG_UNAVAILABLE', TAG);
    assert.equal(model.received.length, 2);
    assert.deepEqual(dns.asked, ['rebind.internal', 'rebind.internal'], 'looked up again for the new connection');
    assert.deepEqual(watch.attempts.filter((attempt) => attempt.port === model.port), [], 'the retry connected nowhere');
  });
});

describe('H58 a model that always resets', () => {
  for (const [name, kill] of [
    ['FIN', (socket: Socket) => void socket.destroy()],
    ['RST', (socket: Socket) => void socket.resetAndDestroy()],
  ] as const) {
    test(`${name} on a pooled socket, and on the retry's new connection: exactly 2 attempts, then 503`, async (t) => {
      // Answers the first request on each connection... and then every later one kills it,
      // including the retry's (the served set is per socket, and the retry's is new but is
      // killed below as soon as it asks).
      let killAll = false;
      const model = await startModelServer((req, res) => {
        if (killAll) return kill(req.socket);
        killAll = true;
        answerJson('{"ok":true}', 200, { 'keep-alive': 'timeout=60' })(req, res, '');
      });
      t.after(() => model.close());
      const h = await setup({ parameters: { [endpointParameter('resets')]: `${model.url}/predict` } });
      t.after(() => h.close());
      const askResets = () => h.invoke(restEvent({ path: predictPath('resets'), body: envelope(TAG, {}) }));
      expectSuccess(await askResets(), TAG);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const logs = captureLogs();
      expectError(await askResets(), 503, 'UPSTREAM_UNAVAILABLE', TAG);
      assert.equal(model.received.length, 3, 'the first request, the one on the pooled socket, its one retry');
      assert.equal(model.connections, 2);
      const line = lastLine(logs);
      assert.equal(line.modelAttempts, 2);
      assert.equal(line.outcome, 'UPSTREAM_UNAVAILABLE');
    });

    test(`${name} on a connection opened for the request: 1 attempt, no second POST, 503`, async (t) => {
      const model = await startModelServer((req) => kill(req.socket));
      t.after(() => model.close());
      const h = await setup({ parameters: { [endpointParameter('resets')]: `${model.url}/predict` } });
      t.after(() => h.close());
      const logs = captureLogs();
      expectError(await h.invoke(restEvent({ path: predictPath('resets'), body: envelope(TAG, {}) })), 503, 'UPSTREAM_UNAVAILABLE', TAG);
      assert.equal(model.received.length, 1, 'the model read the request once');
      assert.equal(model.connections, 1);
      const line = lastLine(logs);
      assert.equal(line.modelAttempts, 1);
      assert.equal(line.outcome, 'UPSTREAM_UNAVAILABLE');
    });
  }
});

describe('what is never retried', () => {
  test('a reset after the headers arrived (the answer had begun): 1 attempt, 503', async () => {
    s.model.behave((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"partial":');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const before = s.model.received.length;
    expectError(await ask(), 503, 'UPSTREAM_UNAVAILABLE', TAG);
    assert.equal(s.model.received.length - before, 1);
  });

  for (const status of [500, 503, 429]) {
    test(`a ${status} answer: 1 attempt`, async () => {
      s.model.behave(answerJson('{}', status));
      const before = s.model.received.length;
      const result = await ask();
      assert.equal(result.statusCode, status === 500 ? 502 : 503);
      assert.equal(s.model.received.length - before, 1);
    });
  }

  test('a refused connection: 1 connection attempt, 503', async (t) => {
    const port = await closedPort();
    const h = await setup({ parameters: { [endpointParameter('refused')]: `http://127.0.0.1:${port}/predict` } });
    t.after(() => h.close());
    const watch = watchConnections();
    t.after(() => watch.stop());
    const result = await h.invoke(restEvent({ path: predictPath('refused'), body: envelope(TAG, {}) }));
    expectError(result, 503, 'UPSTREAM_UNAVAILABLE', TAG);
    assert.deepEqual(watch.attempts.filter((attempt) => attempt.port === port), [{ address: '127.0.0.1', port }]);
  });
});

describe('the retry stays inside the deadline', () => {
  /** A model whose first request per server is answered; every later one is reset after `ms`. */
  async function warmThenResetAfter(t: { after(fn: () => unknown): void }, ms: number) {
    let answered = false;
    const model = await startModelServer((req, res) => {
      if (!answered) {
        answered = true;
        return answerJson('{"ok":true}', 200, { 'keep-alive': 'timeout=60' })(req, res, '');
      }
      setTimeout(() => req.socket.destroy(), ms);
    });
    t.after(() => model.close());
    const h = await setup({ env: { UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS) }, parameters: { [endpointParameter('late')]: `${model.url}/predict` } });
    t.after(() => h.close());
    const askLate = (context = lambdaContext()) => h.invoke(restEvent({ path: predictPath('late'), body: envelope(TAG, {}) }), context);
    expectSuccess(await askLate(), TAG);
    await new Promise((resolve) => setTimeout(resolve, 50));
    return { model, askLate };
  }

  test('a pooled socket reset after 200 ms, the retry reset after 200 ms too, deadline 300 ms: 504 at the deadline, 2 attempts', async (t) => {
    const { model, askLate } = await warmThenResetAfter(t, 200);
    const started = performance.now();
    expectError(await askLate(), 504, 'UPSTREAM_TIMEOUT', TAG);
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= TIMEOUT_MS - 5 && elapsed < TIMEOUT_MS + 250, `answered in ${Math.round(elapsed)} ms`);
    assert.equal(model.received.length, 3, 'the warm-up, then the retry started at 200 ms and was cut at 300 ms');
  });

  test('a reset when the deadline has already passed is not retried', async (t) => {
    // The Lambda has 700 ms left, less the 500 ms margin: a 200 ms deadline. The model resets at 250 ms.
    const { model, askLate } = await warmThenResetAfter(t, 250);
    expectError(await askLate(lambdaContext(700)), 504, 'UPSTREAM_TIMEOUT', TAG);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(model.received.length, 2, 'the warm-up and the one attempt');
  });
});

describe('the SSM client is bounded by the Lambda\'s remaining time', () => {
  test('SSM hangs with nothing cached and 1.5 s left: 503 CONFIG_UNAVAILABLE within the 1 s that remain, not the 3 s budget', async (t) => {
    const cold = await setup();
    t.after(() => cold.close());
    cold.harness.ssm.setFault({ kind: 'hang' });
    const started = performance.now();
    const result = await cold.invoke(restEvent({ body: envelope(TAG, {}) }), lambdaContext(1_500));
    const elapsed = performance.now() - started;
    expectError(result, 503, 'CONFIG_UNAVAILABLE', TAG);
    assert.ok(elapsed >= 950 && elapsed < 1_400, `answered in ${Math.round(elapsed)} ms`);
    assert.equal(cold.model.connections, 0);
  });
});
