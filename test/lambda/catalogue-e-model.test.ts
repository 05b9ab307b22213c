// Failure catalogue, section E: model faults (rows 31-41), through the real handler and undici
// against a scriptable loopback model server. UPSTREAM_TIMEOUT_MS and MAX_RESPONSE_BYTES are
// set small so that deadlines and caps are reached quickly.
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, describe, test } from 'node:test';
import { envelope, httpEvent, predictPath, restEvent } from '../support/events.ts';
import { answerJson, type Behaviour } from '../support/model-server.ts';
import { fakeDns } from '../support/fake-dns.ts';
import { watchConnections } from '../support/sockets.ts';
import { endpointParameter } from '../support/harness.ts';
import {
  JSON_UTF8,
  assertLogsClean,
  assertNoLeak,
  captureLogs,
  closedPort,
  expectError,
  expectSuccess,
  marker,
  setup,
} from '../support/catalogue.ts';
import type { HttpResult } from '../../lambda/contract/response.ts';

const TIMEOUT_MS = 300;
const MAX_RESPONSE_BYTES = 1024;
const TAG = 'tag-e';
const SECRET = marker('B-SECRET');
const MODEL_SECRET = marker('MODEL-SECRET');
const DATA = { k: SECRET, n: 1 };

const s = await setup({ env: { UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS), MAX_RESPONSE_BYTES: String(MAX_RESPONSE_BYTES) } });
after(() => s.close());
const decoy = await s.addModel('decoy');
/** Models of their own for the resets, so that no pooled socket of another test is theirs. */
const resetting = { fin: await s.addModel('reset-fin'), rst: await s.addModel('reset-rst') };
const refusedPort = await closedPort();
s.parameters[endpointParameter('refused')] = `http://127.0.0.1:${refusedPort}/predict`;
s.parameters[endpointParameter('nxdomain')] = `http://model.invalid:${s.model.port}/predict`;
s.parameters[endpointParameter('dnsagain')] = `http://flaky.invalid:${s.model.port}/predict`;
const dns = fakeDns({ 'model.invalid': { error: 'ENOTFOUND' }, 'flaky.invalid': { error: 'EAI_AGAIN' } });
after(() => dns.restore());

const leak = { servers: s.servers, secrets: [SECRET, MODEL_SECRET, 'model.invalid', 'flaky.invalid', String(refusedPort)] };

interface Outcome {
  result: HttpResult;
  elapsed: number;
  logs: string;
}

/** One call to `model` with the model server behaving as given; leak rule checked on body and logs. */
async function call(behaviour: Behaviour | undefined, model = 'iris', event?: unknown): Promise<Outcome> {
  if (behaviour) s.model.behave(behaviour);
  const logs = captureLogs();
  const started = performance.now();
  const result = await s.invoke(event ?? restEvent({ path: predictPath(model), body: envelope(TAG, DATA) }));
  const elapsed = performance.now() - started;
  assertNoLeak(result, leak);
  assertLogsClean(logs.text(), leak);
  return { result, elapsed, logs: logs.text() };
}

/** Resolves when the model server's socket for the request it is handling closes. */
function watchClose(req: IncomingMessage, closed: { at?: number }): void {
  req.socket.once('close', () => {
    closed.at = performance.now();
  });
}

async function waitFor(condition: () => boolean, ms: number): Promise<boolean> {
  const until = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return true;
}

const html = (status: number, text: string): Behaviour => (_req, res) => {
  res.writeHead(status, { 'content-type': 'text/html' });
  res.end(text);
};

describe('E31 no answer before the deadline: 504, and the model request is aborted', () => {
  const silent: Array<[string, (res: ServerResponse) => void]> = [
    ['no headers at all', () => undefined],
    ['headers, then no body', (res) => res.writeHead(200, { 'content-type': 'application/json' })],
    ['headers and half a body', (res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write(`{"secret":"${MODEL_SECRET}",`);
    }],
  ];
  for (const [name, start] of silent) {
    test(`E31 ${name}: 504 UPSTREAM_TIMEOUT at the deadline, socket closed`, async () => {
      const closed: { at?: number } = {};
      const { result, elapsed } = await call((req, res) => {
        watchClose(req, closed);
        start(res);
        return new Promise<void>((resolve) => res.on('close', resolve));
      });
      expectError(result, 504, 'UPSTREAM_TIMEOUT', TAG);
      assert.ok(elapsed >= TIMEOUT_MS - 20, `not before the deadline: ${Math.round(elapsed)} ms`);
      assert.ok(elapsed < TIMEOUT_MS + 1_000, `at the deadline: ${Math.round(elapsed)} ms`);
      assert.ok(await waitFor(() => closed.at !== undefined, 1_000), 'the model saw its request aborted (socket closed)');
    });
  }
});

describe('E32 headers fast, then one byte per 100 ms: 504 at the overall deadline', () => {
  test('E32 a trickling body: 504 UPSTREAM_TIMEOUT at the overall deadline, not per chunk', async () => {
    const closed: { at?: number } = {};
    let bytes = 0;
    const { result, elapsed } = await call((req, res) => {
      watchClose(req, closed);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"a":"');
      const timer = setInterval(() => {
        bytes++;
        res.write('x');
      }, 100);
      return new Promise<void>((resolve) =>
        res.on('close', () => {
          clearInterval(timer);
          resolve();
        }),
      );
    });
    expectError(result, 504, 'UPSTREAM_TIMEOUT', TAG);
    assert.ok(bytes >= 1, 'the model kept sending bytes');
    assert.ok(elapsed < TIMEOUT_MS + 1_000, `at the overall deadline: ${Math.round(elapsed)} ms`);
    assert.ok(await waitFor(() => closed.at !== undefined, 1_000), 'the model request was aborted');
  });
});

describe('E33 500 with an HTML stack trace: 502 UPSTREAM_ERROR, body not passed on or logged', () => {
  const page = `<html><body><h1>Internal Server Error</h1><pre>TypeError: ${MODEL_SECRET}
    at Object.predict (/srv/model/app.js:42:13)
    at Layer.handle (/srv/model/node_modules/express/lib/router/layer.js:95:5)
    host=10.1.2.3 db=postgres://user:pw@10.1.2.4/models</pre></body></html>`;
  for (const status of [500, 501, 502, 504, 599]) {
    test(`E33 model ${status} with an HTML stack trace: 502 UPSTREAM_ERROR`, async () => {
      const { result, logs } = await call(html(status, page));
      expectError(result, 502, 'UPSTREAM_ERROR', TAG);
      for (const text of [result.body, logs]) {
        assert.ok(!text.includes('app.js') && !text.includes('10.1.2.') && !text.includes('postgres'), 'nothing of the model\'s page');
      }
    });
  }
});

describe('E34 200 with HTML, plain text, an empty body, truncated JSON, or JSON followed by garbage: 502 UPSTREAM_BAD_RESPONSE', () => {
  const bodies: Array<[string, string | Buffer, Record<string, string>]> = [
    ['HTML', `<html>${MODEL_SECRET}</html>`, { 'content-type': 'text/html' }],
    ['plain text', `OK ${MODEL_SECRET}`, { 'content-type': 'text/plain' }],
    ['an empty body', '', { 'content-type': 'application/json' }],
    ['whitespace only', ' \n ', { 'content-type': 'application/json' }],
    ['truncated JSON', `{"label":"${MODEL_SECRET}",`, { 'content-type': 'application/json' }],
    ['JSON followed by garbage', `{"label":"setosa"} ${MODEL_SECRET}`, { 'content-type': 'application/json' }],
    ['two JSON values', '{"a":1}{"b":2}', { 'content-type': 'application/json' }],
    ['NaN', '{"p":NaN}', { 'content-type': 'application/json' }],
    ['single quotes', "{'p':1}", { 'content-type': 'application/json' }],
    ['a BOM before JSON', '\uFEFF{"p":1}', { 'content-type': 'application/json' }],
    ['invalid UTF-8', Buffer.concat([Buffer.from('{"p":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]), { 'content-type': 'application/json' }],
  ];
  for (const [name, body, headers] of bodies) {
    test(`E34 200 with ${name}: 502 UPSTREAM_BAD_RESPONSE`, async () => {
      const { result } = await call((_req, res) => {
        res.writeHead(200, { ...headers, 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
      expectError(result, 502, 'UPSTREAM_BAD_RESPONSE', TAG);
    });
  }
  test('E34 204 No Content: 502 UPSTREAM_BAD_RESPONSE', async () => {
    const { result } = await call((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    expectError(result, 502, 'UPSTREAM_BAD_RESPONSE', TAG);
  });
});

describe('E35 connection refused, reset before answering, DNS failure: 503 UPSTREAM_UNAVAILABLE', () => {
  test('E35 connection refused', async () => {
    const { result } = await call(undefined, 'refused');
    expectError(result, 503, 'UPSTREAM_UNAVAILABLE', TAG);
  });
  // A reset before the answer is retried once on a new connection only when the request went
  // out on a pooled keep-alive socket (resilience.test.ts): on a connection opened for it, the
  // model may have read the request, so it is asked once.
  for (const [name, kill] of [
    ['fin', (req: IncomingMessage) => void req.socket.destroy()],
    ['rst', (req: IncomingMessage) => void req.socket.resetAndDestroy()],
  ] as const) {
    test(`E35 H58 reset (${name.toUpperCase()}) before answering, on a connection opened for the request: 1 attempt, no second POST, 503`, async () => {
      const model = resetting[name];
      model.behave((req) => kill(req));
      const { result } = await call(undefined, `reset-${name}`);
      expectError(result, 503, 'UPSTREAM_UNAVAILABLE', TAG);
      assert.equal(model.received.length, 1, 'the model got the request once');
      assert.equal(model.connections, 1);
    });
  }
  for (const [model, name] of [['nxdomain', 'ENOTFOUND'], ['dnsagain', 'EAI_AGAIN']] as const) {
    test(`E35 DNS failure (${name})`, async () => {
      const asked = dns.asked.length;
      const { result } = await call(undefined, model);
      expectError(result, 503, 'UPSTREAM_UNAVAILABLE', TAG);
      assert.ok(dns.asked.length > asked, 'the name was looked up');
    });
  }
});

describe('E36 a redirect (301, 302, 307, 308): 502, not followed', () => {
  for (const status of [301, 302, 303, 307, 308]) {
    test(`E36 ${status}: 502 UPSTREAM_BAD_RESPONSE, the target never called`, async () => {
      const { result } = await call((_req, res) => {
        res.writeHead(status, { location: `${decoy.url}/predict`, 'content-type': 'text/html' });
        res.end(`<a href="${decoy.url}">${MODEL_SECRET}</a>`);
      });
      expectError(result, 502, 'UPSTREAM_BAD_RESPONSE', TAG);
      assert.equal(decoy.connections, 0, 'the redirect was not followed');
      assert.equal(result.headers.location, undefined);
    });
  }
});

describe('E36 a redirect towards a disallowed address opens no socket to it', () => {
  for (const location of ['http://169.254.169.254/latest/meta-data/', 'http://[::ffff:a9fe:a9fe]/', `http://2130706433:${decoy.port}/predict`]) {
    test(`E36 Location ${location}: 502, no connection attempted but the model's`, async (t) => {
      const watch = watchConnections();
      t.after(() => watch.stop());
      const { result } = await call(answerJson('{}', 302, { location }));
      expectError(result, 502, 'UPSTREAM_BAD_RESPONSE', TAG);
      const ssmPort = Number(new URL(s.harness.ssm.url).port);
      assert.ok(watch.except(ssmPort).every((attempt) => attempt.port === s.model.port), JSON.stringify(watch.attempts));
      assert.equal(decoy.connections, 0);
    });
  }
});

describe('E37 429 or 503 with Retry-After: 503 UPSTREAM_UNAVAILABLE with a clamped Retry-After', () => {
  const inAnHour = new Date(Date.now() + 3_600_000).toUTCString();
  const exact: Array<[string | undefined, string]> = [
    ['3600', '30'],
    ['31', '30'],
    ['30', '30'],
    ['2', '2'],
    ['1', '1'],
    ['0', '1'],
    [inAnHour, '30'],
  ];
  for (const status of [429, 503]) {
    for (const [given, expected] of exact) {
      test(`E37 ${status} with Retry-After ${given}: 503, Retry-After ${expected}`, async () => {
        const { result } = await call(answerJson(`{"error":"${MODEL_SECRET}"}`, status, given === undefined ? {} : { 'retry-after': given }));
        expectError(result, 503, 'UPSTREAM_UNAVAILABLE', TAG);
        assert.equal(result.headers['retry-after'], expected);
      });
    }
    for (const given of [undefined, 'soon', '-5', '1e9', '2.5', new Date(Date.now() - 60_000).toUTCString()]) {
      test(`E37 ${status} with Retry-After ${JSON.stringify(given)}: 503, Retry-After within 1 to 30`, async () => {
        const { result } = await call(answerJson('{}', status, given === undefined ? {} : { 'retry-after': given }));
        expectError(result, 503, 'UPSTREAM_UNAVAILABLE', TAG);
        const seconds = Number(result.headers['retry-after']);
        assert.ok(Number.isInteger(seconds) && seconds >= 1 && seconds <= 30, `Retry-After ${result.headers['retry-after']}`);
      });
    }
  }
  test('E37 503 with Retry-After in 5 seconds (HTTP date): 503, Retry-After 5 or 6', async () => {
    const soon = new Date(Math.ceil((Date.now() + 5_000) / 1000) * 1000).toUTCString();
    const { result } = await call(answerJson('{}', 503, { 'retry-after': soon }));
    expectError(result, 503, 'UPSTREAM_UNAVAILABLE', TAG);
    assert.ok(['4', '5', '6'].includes(result.headers['retry-after'] ?? ''), result.headers['retry-after']);
  });
});

describe('E38 400 or 422: 422 MODEL_REJECTED_INPUT with upstreamStatus; 401, 403, 404: 502', () => {
  for (const status of [400, 422, 409, 413, 418]) {
    test(`E38 model ${status}: 422 MODEL_REJECTED_INPUT, upstreamStatus ${status}`, async () => {
      const { result } = await call(answerJson(`{"error":"bad feature ${MODEL_SECRET}"}`, status));
      const body = expectError(result, 422, 'MODEL_REJECTED_INPUT', TAG);
      assert.equal(body.error.upstreamStatus, status);
      assert.equal((body.error as { details?: unknown }).details, undefined, 'no model message without exposeUpstreamErrors');
    });
  }
  for (const status of [401, 403, 404]) {
    test(`E38 model ${status}: 502 UPSTREAM_ERROR`, async () => {
      const { result } = await call(answerJson(`{"error":"${MODEL_SECRET}"}`, status, { 'www-authenticate': `Bearer realm="${MODEL_SECRET}"` }));
      expectError(result, 502, 'UPSTREAM_ERROR', TAG);
      assert.equal(result.headers['www-authenticate'], undefined);
    });
  }
});

describe('E39 an answer over MAX_RESPONSE_BYTES, a gzip bomb, an endless chunked stream: 502 at the cap', () => {
  const jsonOf = (bytes: number): string => `{"p":"${'x'.repeat(bytes - 8)}"}`;
  test('E39 exactly MAX_RESPONSE_BYTES of JSON is passed on', async () => {
    const text = jsonOf(MAX_RESPONSE_BYTES);
    assert.equal(Buffer.byteLength(text), MAX_RESPONSE_BYTES);
    const { result } = await call(answerJson(text));
    assert.equal(expectSuccess(result, TAG), text);
  });
  test('E39 one byte over, with Content-Length: 502 UPSTREAM_BAD_RESPONSE', async () => {
    const { result } = await call(answerJson(jsonOf(MAX_RESPONSE_BYTES + 1)));
    expectError(result, 502, 'UPSTREAM_BAD_RESPONSE', TAG);
  });
  test('E39 one byte over, chunked without Content-Length: 502 UPSTREAM_BAD_RESPONSE', async () => {
    const { result } = await call((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const text = jsonOf(MAX_RESPONSE_BYTES + 1);
      res.write(text.slice(0, 600));
      res.end(text.slice(600));
    });
    expectError(result, 502, 'UPSTREAM_BAD_RESPONSE', TAG);
  });
  test('E39 an endless chunked stream: 502 at the cap, long before the deadline, stream aborted', async () => {
    const closed: { at?: number } = {};
    let sent = 0;
    const { result, elapsed } = await call((req, res) => {
      watchClose(req, closed);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
      const pump = (): void => {
        if (res.destroyed || res.writableEnded) return;
        sent += 256;
        res.write(`${'0,'.repeat(128)}`, () => setImmediate(pump));
      };
      pump();
      return new Promise<void>((resolve) => res.on('close', resolve));
    });
    // 502 and not 504: the cap stopped it, not the deadline.
    expectError(result, 502, 'UPSTREAM_BAD_RESPONSE', TAG);
    assert.ok(elapsed < TIMEOUT_MS + 1_000, `${Math.round(elapsed)} ms`);
    assert.ok(await waitFor(() => closed.at !== undefined, 1_000), 'the stream was aborted');
    assert.ok(sent < 10 * 1024 * 1024, 'stopped early');
  });
  test('E39 a gzip bomb (10 MB of zeros, Content-Encoding gzip): 502, never inflated', async () => {
    const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024));
    assert.ok(bomb.length > MAX_RESPONSE_BYTES);
    const heapBefore = process.memoryUsage().heapUsed;
    const { result } = await call((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': bomb.length });
      res.end(bomb);
    });
    expectError(result, 502, 'UPSTREAM_BAD_RESPONSE', TAG);
    assert.ok(process.memoryUsage().heapUsed - heapBefore < 8 * 1024 * 1024, 'the bomb was not inflated');
  });
  test('E39 a small gzip-encoded JSON answer under the cap: 502, B never gets an encoded body', async () => {
    const small = gzipSync('{"label":"setosa"}');
    assert.ok(small.length < MAX_RESPONSE_BYTES);
    const { result } = await call((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': small.length });
      res.end(small);
    });
    expectError(result, 502, 'UPSTREAM_BAD_RESPONSE', TAG);
    assert.equal(result.headers['content-encoding'], undefined);
  });
});

describe('E40 big integers, -0, __proto__ or duplicate keys in the model\'s JSON: passed to B exactly', () => {
  const answers: Array<[string, string]> = [
    [
      'all of them together',
      '{"big":123456789012345678901234567890,"negzero":-0,"__proto__":{"polluted":true},"dup":1,"dup":2,"float":1.10,"exp":1E400,"tiny":5e-324,"esc":"\\u00e9\\ud83d\\ude00","nested":{"__proto__":[1],"constructor":{"prototype":{"polluted":true}}}}',
    ],
    ['a big integer at the top level', '123456789012345678901234567890'],
    ['-0 at the top level', '-0'],
    ['null', 'null'],
    ['an array with duplicate-key objects', '[{"a":1,"a":2},{"a":-0.0}]'],
    ['a string', '"\\u0000 and \\ud800"'],
  ];
  for (const [name, text] of answers) {
    for (const [kind, make] of [['REST v1', restEvent], ['HTTP v2', httpEvent]] as const) {
      test(`E40 ${kind}: ${name}: byte-exact inside result`, async () => {
        const { result } = await call(answerJson(text), 'iris', make({ body: envelope(TAG, DATA) }));
        assert.equal(result.statusCode, 200, result.body);
        assert.equal(result.body, `{"userTag":${JSON.stringify(TAG)},"result":${text}}`);
        assert.equal(({} as Record<string, unknown>).polluted, undefined);
      });
    }
  }
  test('E40 whitespace around the model\'s JSON is not part of the value; the value is unchanged', async () => {
    const { result } = await call(answerJson('\n  {"big": 12345678901234567890 , "a" : [ 1 ,2 ]}\r\n\t'));
    assert.equal(result.body, `{"userTag":"${TAG}","result":{"big": 12345678901234567890 , "a" : [ 1 ,2 ]}}`);
  });
});

describe('E41 Set-Cookie, Server, CORS or hop-by-hop headers from the model: never passed to B', () => {
  const hostile = {
    'set-cookie': `session=${MODEL_SECRET}; HttpOnly`,
    server: `gunicorn/${MODEL_SECRET}`,
    'x-powered-by': 'Express',
    'access-control-allow-origin': '*',
    'access-control-allow-credentials': 'true',
    'access-control-expose-headers': 'x-secret',
    'access-control-allow-methods': 'GET, POST, DELETE',
    connection: 'keep-alive',
    'keep-alive': 'timeout=5',
    'x-secret': MODEL_SECRET,
    'strict-transport-security': 'max-age=0',
    'content-security-policy': "default-src 'none'",
    'cache-control': 'public, max-age=3600',
    'x-amzn-remapped-authorization': MODEL_SECRET,
    'content-location': `http://127.0.0.1:1/${MODEL_SECRET}`,
  };
  const forbidden = (name: string): boolean =>
    ['set-cookie', 'server', 'connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-authenticate', 'trailer', 'x-powered-by'].includes(name) ||
    name.startsWith('access-control-');
  const check = (result: HttpResult, status: number): void => {
    assert.equal(result.statusCode, status, result.body);
    for (const name of Object.keys(result.headers)) assert.ok(!forbidden(name.toLowerCase()), `B must not receive ${name}`);
    assert.equal(result.headers['content-type'], JSON_UTF8);
    assert.equal(result.headers['cache-control'], 'no-store', 'the adapter\'s own caching policy');
    const extra = result as unknown as Record<string, unknown>;
    assert.equal(extra.multiValueHeaders, undefined);
    assert.equal(extra.cookies, undefined);
    assert.ok(!JSON.stringify(result.headers).includes(MODEL_SECRET));
  };
  for (const [kind, make] of [['REST v1', restEvent], ['HTTP v2', httpEvent]] as const) {
    test(`E41 ${kind}: on a 200`, async () => {
      const { result } = await call(answerJson('{"label":"setosa"}', 200, hostile), 'iris', make({ body: envelope(TAG, DATA) }));
      check(result, 200);
    });
    test(`E41 ${kind}: on a 503 with Retry-After`, async () => {
      const { result } = await call(answerJson('{}', 503, { ...hostile, 'retry-after': '3' }), 'iris', make({ body: envelope(TAG, DATA) }));
      check(result, 503);
      assert.equal(result.headers['retry-after'], '3');
    });
    test(`E41 ${kind}: on a 422`, async () => {
      const { result } = await call(answerJson('{}', 400, hostile), 'iris', make({ body: envelope(TAG, DATA) }));
      check(result, 422);
    });
  }
});
