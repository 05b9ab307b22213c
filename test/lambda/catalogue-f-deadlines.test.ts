// Failure catalogue, section F: deadlines (row 44) through the real handler. Rows 42 and 43
// are ensembles: catalogue-f-ensembles.test.ts pins them (and row 44 for an ensemble).
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { envelope, lambdaContext, predictPath } from '../support/events.ts';
import { EVENT_KINDS, assertLogsClean, assertNoLeak, captureLogs, expectError, expectSuccess, marker, setup } from '../support/catalogue.ts';
import { parseLines, requestLines } from '../support/log-lines.ts';

const TAG = 'tag-f';
const SECRET = marker('B-SECRET');
const BODY = envelope(TAG, { k: SECRET });
/** settings.ts: the part of the Lambda's remaining time kept back to answer B. */
const MARGIN_MS = 500;

const s = await setup();
after(() => s.close());

describe('F44 little Lambda time left: fail fast, no model call', () => {
  for (const [kind, make] of EVENT_KINDS) {
    for (const remaining of [300, 0, 1, MARGIN_MS]) {
      test(`F44 ${kind}: ${remaining} ms left: 504 UPSTREAM_TIMEOUT at once, no SSM call, no model call`, async (t) => {
        // A fresh container: nothing cached, so even the configuration read is skipped.
        const cold = await setup();
        t.after(() => cold.close());
        const logs = captureLogs();
        const started = performance.now();
        const result = await cold.invoke(make({ path: predictPath('iris'), body: BODY }), lambdaContext(remaining));
        const elapsed = performance.now() - started;
        expectError(result, 504, 'UPSTREAM_TIMEOUT', TAG);
        assert.ok(elapsed < 100, `answered in ${Math.round(elapsed)} ms`);
        assert.equal(cold.harness.ssm.calls.length, 0, 'no SSM call');
        assert.equal(cold.model.connections, 0, 'no model call');
        assertNoLeak(result, { servers: cold.servers, secrets: [SECRET] });
        assertLogsClean(logs.text(), { servers: cold.servers, secrets: [SECRET] });
        const [line] = requestLines(parseLines(logs.text()));
        assert.equal(line?.outcome, 'UPSTREAM_TIMEOUT');
        assert.equal(line?.modelAttempts, undefined);
      });
    }
  }

  test('F44 with the configuration cached and 300 ms left: still no model call', async () => {
    expectSuccess(await s.invoke(EVENT_KINDS[0]![1]({ path: predictPath('iris'), body: BODY })), TAG);
    const before = s.model.received.length;
    const connections = s.model.connections;
    const result = await s.invoke(EVENT_KINDS[0]![1]({ path: predictPath('iris'), body: BODY }), lambdaContext(300));
    expectError(result, 504, 'UPSTREAM_TIMEOUT', TAG);
    assert.equal(s.model.received.length, before);
    assert.equal(s.model.connections, connections);
  });

  test('F44 (the other side) 900 ms left: the model is called, with a deadline of what remains less the margin', async () => {
    s.model.behave(() => new Promise(() => {}));
    const before = s.model.received.length;
    const started = performance.now();
    const result = await s.invoke(EVENT_KINDS[0]![1]({ path: predictPath('iris'), body: BODY }), lambdaContext(900));
    const elapsed = performance.now() - started;
    expectError(result, 504, 'UPSTREAM_TIMEOUT', TAG);
    assert.equal(s.model.received.length, before + 1, 'called');
    // UPSTREAM_TIMEOUT_MS is 10 s here: the Lambda's 900 ms less 500 decided.
    assert.ok(elapsed >= 390 && elapsed < 700, `answered in ${Math.round(elapsed)} ms`);
  });
});
