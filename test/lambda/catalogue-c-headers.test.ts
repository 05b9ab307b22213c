// Failure catalogue, section C: headers (rows 23-25). What B sends in headers must not reach
// the model or change the adapter's behaviour; the model's header set is built from scratch.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { envelope, httpEvent, restEvent } from '../support/events.ts';
import { EVENT_KINDS, assertLogsClean, assertNoLeak, captureLogs, expectError, expectSuccess, marker, setup } from '../support/catalogue.ts';
import type { Received } from '../support/model-server.ts';

const TAG = 'tag-c';
const DATA = { features: [5.1, 3.5, 1.4, 0.2] };
const BODY = envelope(TAG, DATA);
const SECRET = marker('B-HEADER-SECRET');

const s = await setup();
const decoy = await s.addModel('decoy');
after(() => s.close());

/** What the adapter may send: its own headers plus those undici adds to every request. */
const ALLOWED = new Set([
  'host',
  'connection',
  'content-type',
  'content-length',
  'accept',
  'user-agent',
  'x-request-id',
  'x-forwarded-for',
  'traceparent',
  'tracestate',
]);

async function call(event: unknown): Promise<Received> {
  const before = s.model.received.length;
  const logs = captureLogs();
  const result = await s.invoke(event);
  assert.equal(expectSuccess(result, TAG), `{"echo":${JSON.stringify(DATA)}}`);
  assert.equal(s.model.received.length, before + 1);
  const received = s.model.received.at(-1)!;
  assert.equal(received.body, JSON.stringify(DATA));
  for (const name of Object.keys(received.headers)) assert.ok(ALLOWED.has(name), `the model must not receive ${name}`);
  assert.equal(received.headers.host, `127.0.0.1:${s.model.port}`, 'Host is the endpoint\'s own');
  assert.equal(received.headers['content-type'], 'application/json');
  assert.equal(received.headers['content-length'], String(Buffer.byteLength(received.body)));
  assert.ok(!JSON.stringify(received.headers).includes(SECRET), 'nothing of B\'s header values');
  assertLogsClean(logs.text(), { servers: s.servers, secrets: [SECRET] });
  return received;
}

describe('C23 a spoofed X-Forwarded-For from B: the model sees only the adapter\'s own value', () => {
  for (const spoof of ['6.6.6.6', '6.6.6.6, 7.7.7.7', '127.0.0.1', `${SECRET}`, '']) {
    test(`C23 REST v1: X-Forwarded-For ${JSON.stringify(spoof)}: the model sees requestContext.identity.sourceIp`, async () => {
      const event = restEvent({ headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': spoof }, body: BODY, sourceIp: '203.0.113.7' });
      const received = await call(event);
      assert.equal(received.headers['x-forwarded-for'], '203.0.113.7');
    });
    test(`C23 HTTP v2: x-forwarded-for ${JSON.stringify(spoof)}: the model sees requestContext.http.sourceIp`, async () => {
      const event = httpEvent({ headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': spoof }, body: BODY, sourceIp: '198.51.100.9' });
      const received = await call(event);
      assert.equal(received.headers['x-forwarded-for'], '198.51.100.9');
    });
  }
  test('C23 REST v1: a multi-value X-Forwarded-For and odd casing change nothing', async () => {
    const event = restEvent({ headers: { 'Content-Type': 'application/json', 'x-FORWARDED-for': '6.6.6.6' }, body: BODY, sourceIp: '203.0.113.8' });
    event.multiValueHeaders['X-Forwarded-For'] = ['6.6.6.6', '7.7.7.7'];
    assert.equal((await call(event)).headers['x-forwarded-for'], '203.0.113.8');
  });
  test('C23 REST v1: without a source IP in requestContext, no X-Forwarded-For at all (never B\'s)', async () => {
    const event = restEvent({ headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': '6.6.6.6' }, body: BODY });
    delete (event.requestContext.identity as { sourceIp?: string }).sourceIp;
    assert.equal((await call(event)).headers['x-forwarded-for'], undefined);
  });
});

describe('C24 Connection, Transfer-Encoding, Upgrade, Host, Forwarded and knobs never reach the model and change nothing', () => {
  const hostile: Record<string, string> = {
    'Content-Type': 'application/json',
    Connection: 'Upgrade, X-Secret, close',
    'Transfer-Encoding': 'chunked',
    Upgrade: 'websocket',
    'Keep-Alive': 'timeout=1',
    TE: 'trailers',
    Trailer: 'X-Secret',
    'Proxy-Authorization': `Basic ${SECRET}`,
    'Proxy-Connection': 'keep-alive',
    Host: `127.0.0.1:${decoy.port}`,
    Forwarded: `for=6.6.6.6;host=127.0.0.1:${decoy.port};proto=http`,
    'X-Forwarded-Host': `127.0.0.1:${decoy.port}`,
    'X-Forwarded-Proto': 'http',
    'X-Forwarded-Port': String(decoy.port),
    'X-Upstream-Host': `127.0.0.1:${decoy.port}`,
    'X-Upstream-Url': `${decoy.url}/predict`,
    'X-Model-Endpoint': `${decoy.url}/predict`,
    'X-Model': 'decoy',
    'X-Timeout-Ms': '1',
    'X-Amzn-Trace-Id': 'Root=1-00000000-000000000000000000000000',
    'X-Original-URL': '/admin',
    'X-HTTP-Method-Override': 'DELETE',
    'Content-Length': '1',
    Expect: '100-continue',
    Authorization: `Bearer ${SECRET}`,
    'x-api-key': SECRET,
    Cookie: `session=${SECRET}`,
    'X-Secret': SECRET,
  };
  for (const [kind, make] of EVENT_KINDS) {
    test(`C24 ${kind}: none of them reach the model, and the answer is the plain request's`, async () => {
      const plain = await s.invoke(make({ body: BODY, requestId: 'c24' }));
      const plainHeaders = s.model.received.at(-1)!.headers;
      // A slow model: X-Timeout-Ms 1 must not shorten the deadline.
      s.model.behave(async (req, res, body) => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(`{"echo":${body}}`);
        void req;
      });
      try {
        const received = await call(make({ headers: hostile, body: BODY, requestId: 'c24' }));
        for (const name of ['upgrade', 'transfer-encoding', 'keep-alive', 'te', 'trailer', 'forwarded', 'authorization', 'x-api-key', 'cookie', 'expect']) {
          assert.equal(received.headers[name], undefined, name);
        }
        assert.equal(received.headers.connection, plainHeaders.connection, 'Connection is undici\'s own');
        assert.deepEqual(received.headers, plainHeaders, 'the same header set as without B\'s headers');
        assert.equal(received.url, '/predict');
        assert.equal(received.method, 'POST');
      } finally {
        s.model.behave((_req, res, body) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(`{"echo":${body}}`);
        });
      }
      const again = await s.invoke(make({ headers: hostile, body: BODY, requestId: 'c24' }));
      assert.equal(again.statusCode, plain.statusCode);
      assert.equal(again.body, plain.body);
      assert.deepEqual(again.headers, plain.headers);
      assertNoLeak(again, { servers: s.servers, secrets: [SECRET] });
      assert.equal(decoy.connections, 0, 'no knob sent the call elsewhere');
    });
  }
});

describe('C24 X-Model-Variant is looked up among the model\'s own variants, never used to reach anything else', () => {
  // X-Model-Variant routes (docs/models.md): it is no longer an inert knob, so it has its own
  // test. A name that is another model, a URL or a path is not a variant of iris: 404, no call.
  for (const [kind, make] of EVENT_KINDS) {
    test(`C24 ${kind}: another model's name, a URL, a path or a host is 404 UNKNOWN_MODEL and no socket`, async () => {
      const before = s.model.received.length;
      for (const variant of ['decoy', `${decoy.url}/predict`, '../decoy', `127.0.0.1:${decoy.port}`, '__proto__', 'constructor']) {
        const result = await s.invoke(make({ headers: { 'Content-Type': 'application/json', 'X-Model-Variant': variant }, body: BODY }));
        expectError(result, 404, 'UNKNOWN_MODEL', TAG);
        assertNoLeak(result, { servers: s.servers, secrets: [SECRET] });
      }
      assert.equal(s.model.received.length, before, 'the model was not called');
      assert.equal(decoy.connections, 0, 'the decoy was never reached');
    });
  }
});

describe('C25 CR or LF in a header value the adapter would propagate: dropped or 400, never 500', () => {
  const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  test('C25 a well-formed traceparent and tracestate do reach the model (the propagated ones)', async () => {
    const received = await call(restEvent({ headers: { 'Content-Type': 'application/json', traceparent: TRACEPARENT, tracestate: 'vendor=abc' }, body: BODY }));
    assert.equal(received.headers.traceparent, TRACEPARENT);
    assert.equal(received.headers.tracestate, 'vendor=abc');
  });
  const injected: Array<[string, Record<string, string>, (received: Received) => void]> = [
    [
      'traceparent with CRLF and a header after it',
      { traceparent: `${TRACEPARENT}\r\nX-Injected: ${SECRET}` },
      (r) => assert.equal(r.headers.traceparent, undefined),
    ],
    ['traceparent with a bare LF', { traceparent: `${TRACEPARENT}\nx: y` }, (r) => assert.equal(r.headers.traceparent, undefined)],
    ['traceparent with a bare CR', { traceparent: `${TRACEPARENT}\r` }, (r) => assert.ok(r.headers.traceparent === undefined || r.headers.traceparent === TRACEPARENT)],
    [
      'tracestate with CRLF',
      { traceparent: TRACEPARENT, tracestate: `vendor=abc\r\nX-Injected: ${SECRET}` },
      (r) => {
        assert.equal(r.headers.traceparent, TRACEPARENT);
        assert.equal(r.headers.tracestate, undefined);
      },
    ],
    ['tracestate with NUL', { traceparent: TRACEPARENT, tracestate: 'vendor=a\u0000b' }, (r) => assert.equal(r.headers.tracestate, undefined)],
    ['CRLF in a header the adapter never propagates', { 'X-Custom': `a\r\nX-Injected: ${SECRET}` }, () => undefined],
  ];
  for (const [kind, make] of EVENT_KINDS) {
    for (const [name, headers, check] of injected) {
      test(`C25 ${kind}: ${name}: dropped, 200`, async () => {
        const received = await call(make({ headers: { 'Content-Type': 'application/json', ...headers }, body: BODY }));
        assert.equal(received.headers['x-injected'], undefined);
        check(received);
      });
    }
    // The request id and source IP come from requestContext, which API Gateway writes; a
    // value with CR/LF there must still never become a 500 or a header injection.
    test(`C25 ${kind}: CRLF in the request id: never 500, never injected`, async () => {
      const before = s.model.received.length;
      const result = await s.invoke(make({ body: BODY, requestId: `abc\r\nX-Injected: ${SECRET}` }));
      assert.notEqual(result.statusCode, 500, result.body);
      if (result.statusCode === 200) {
        const received = s.model.received.at(-1)!;
        assert.equal(s.model.received.length, before + 1);
        assert.equal(received.headers['x-injected'], undefined);
        assert.ok(!/[\r\n]/.test(String(received.headers['x-request-id'] ?? '')));
      } else {
        assert.equal(result.statusCode, 400, result.body);
        assert.equal(s.model.received.length, before);
      }
    });
    test(`C25 ${kind}: CRLF in the source IP: never 500, never injected`, async () => {
      const before = s.model.received.length;
      const result = await s.invoke(make({ body: BODY, sourceIp: `1.2.3.4\r\nX-Injected: ${SECRET}` }));
      assert.notEqual(result.statusCode, 500, result.body);
      if (result.statusCode === 200) {
        const received = s.model.received.at(-1)!;
        assert.equal(s.model.received.length, before + 1);
        assert.equal(received.headers['x-injected'], undefined);
        assert.ok(!/[\r\n]/.test(String(received.headers['x-forwarded-for'] ?? '')));
      } else {
        assert.equal(result.statusCode, 400, result.body);
        assert.equal(s.model.received.length, before);
      }
    });
  }
});
