// Failure catalogue, section H (edge guarantees): interim answers. RFC 9110 §15.2 has a client
// accept any number of 1xx responses before the final one; undici refuses an unsolicited 100
// (upstream/interim-responses.ts drops it), and a model that sent one has read the request, so
// it must be neither an error nor a second POST.
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, describe, test } from 'node:test';
import { envelope, predictPath, restEvent } from '../support/events.ts';
import { expectSuccess, setup } from '../support/catalogue.ts';

const TAG = 'tag-h';
const s = await setup();
after(() => s.close());

/** The final answer; `close` ends the connection after it, so the next request opens a new one. */
const final = (res: ServerResponse, close = false): void => {
  if (close) res.shouldKeepAlive = false;
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('{"label":"setosa"}');
};
const ask = () => s.invoke(restEvent({ path: predictPath('iris'), body: envelope(TAG, { x: 1 }) }));

describe('H54 interim 1xx answers before the final one: answered normally, one POST', () => {
  const cases: Array<[string, (res: ServerResponse) => void]> = [
    ['100 Continue', (res) => res.writeContinue()],
    ['103 Early Hints', (res) => res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' })],
    ['102 Processing', (res) => res.writeProcessing()],
    ['two 100 Continue and a 103', (res) => {
      res.writeContinue();
      res.writeContinue();
      res.writeEarlyHints({ link: '</a.js>; rel=preload; as=script' });
    }],
  ];
  for (const [name, interim] of cases) {
    for (const where of ['a new connection', 'a pooled connection']) {
      test(`${name}, on ${where}: 200 with the model's answer, the model asked once`, async (t) => {
        // A handler and model of their own, so that the pool holds only this test's socket.
        const own = await setup();
        t.after(() => own.close());
        const pooled = where === 'a pooled connection';
        const askOwn = () => own.invoke(restEvent({ path: predictPath('iris'), body: envelope(TAG, { x: 1 }) }));
        if (pooled) {
          own.model.behave((_req, res) => final(res));
          expectSuccess(await askOwn(), TAG);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        own.model.behave(answerAfter(interim));
        assert.equal(expectSuccess(await askOwn(), TAG), '{"label":"setosa"}');
        assert.equal(own.model.received.length, pooled ? 2 : 1, 'the model was asked once');
        assert.equal(own.model.connections, 1, pooled ? 'on the pooled connection' : 'on one new connection');
      });
    }
  }

  test('a 100 Continue split across TCP segments, the final answer 20 ms later: 200, one POST', async () => {
    s.model.behave((req, res) => {
      const socket = req.socket;
      socket.setNoDelay(true);
      socket.write('HTTP/1.1 10');
      setTimeout(() => socket.write('0 Continue\r\n'), 5);
      setTimeout(() => socket.write('\r\n'), 10);
      setTimeout(() => final(res), 20);
    });
    const before = s.model.received.length;
    assert.equal(expectSuccess(await ask(), TAG), '{"label":"setosa"}');
    assert.equal(s.model.received.length - before, 1);
  });

  test('a body that begins like a 100 response is the body: the answer B gets is exactly the model\'s', async () => {
    // Only the head of an answer is looked at: JSON text can never start with "HTTP/".
    s.model.behave((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('"HTTP/1.1 100 Continue\\r\\n\\r\\n"');
    });
    assert.equal(expectSuccess(await ask(), TAG), '"HTTP/1.1 100 Continue\\r\\n\\r\\n"');
  });
});

function answerAfter(interim: (res: ServerResponse) => void) {
  return (_req: unknown, res: ServerResponse) => {
    interim(res);
    setTimeout(() => final(res, true), 10);
  };
}
