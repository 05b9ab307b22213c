// One test per row of docs/contract.md's error table, through the real handler with a loopback
// SSM endpoint and loopback model servers.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { endpointParameter, parseBody, startHarness, type Harness } from '../support/harness.ts';
import { envelope, httpEvent, lambdaContext, predictPath, restEvent } from '../support/events.ts';
import { answerJson, startModelServer, type ModelServer } from '../support/model-server.ts';

const CONTRACT_HEADERS = { 'content-type': 'application/json; charset=utf-8' };

let model: ModelServer;
let harness: Harness;
const parameters: Record<string, string> = {};

before(async () => {
  model = await startModelServer();
  parameters[endpointParameter('iris')] = `${model.url}/v1/models/iris:predict`;
  harness = await startHarness(parameters, { UPSTREAM_TIMEOUT_MS: '400', MAX_REQUEST_BYTES: '2048', MAX_RESPONSE_BYTES: '4096' });
});
after(async () => {
  await harness.close();
  await model.close();
});

const predict = (body: string, model = 'iris') => restEvent({ body, path: predictPath(model) });
const good = envelope('b-42', { x: 1 });

async function expectError(event: unknown, status: number, code: string, userTag: string | null = null, context = lambdaContext()) {
  const result = await harness.invoke(event, context);
  assert.equal(result.statusCode, status, result.body);
  assert.deepEqual({ ...result.headers, 'retry-after': undefined, allow: undefined }, {
    ...CONTRACT_HEADERS,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'retry-after': undefined,
    allow: undefined,
  });
  const body = parseBody(result);
  assert.equal(body.error.code, code);
  assert.equal(body.userTag, userTag);
  assert.equal(typeof body.error.message, 'string');
  assert.equal(typeof body.error.retryable, 'boolean');
  assert.equal(body.error.requestId, (event as { requestContext: { requestId: string } }).requestContext.requestId);
  if (status === 503) assert.match(result.headers['retry-after'] ?? '', /^\d+$/);
  else assert.equal(result.headers['retry-after'], undefined);
  // The leak rule: nothing about where the model lives.
  assert.doesNotMatch(result.body, /127\.0\.0\.1|contract-adapter\/test|stack|at \w+ \(/);
  return body;
}

describe('docs/contract.md error table', () => {
  test('200: the model JSON wrapped with userTag, in both payload formats', async () => {
    model.behave(answerJson('{"predictions":[[0.9,0.1]]}'));
    for (const event of [predict(good), httpEvent({ body: good })]) {
      const result = await harness.invoke(event);
      assert.equal(result.statusCode, 200);
      assert.equal(result.headers['content-type'], CONTRACT_HEADERS['content-type']);
      assert.equal(result.body, '{"userTag":"b-42","result":{"predictions":[[0.9,0.1]]}}');
    }
  });

  test('400 INVALID_JSON: not one JSON value, not UTF-8, broken base64', async () => {
    for (const body of ['{"userTag":"a","data":{}', '{} {}', 'nope', '']) await expectError(predict(body), 400, 'INVALID_JSON');
    const invalidUtf8 = Buffer.concat([Buffer.from('{"userTag":"a","data":{"s":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}}')]);
    await expectError(restEvent({ body: invalidUtf8.toString('base64'), isBase64Encoded: true }), 400, 'INVALID_JSON');
    await expectError(restEvent({ body: '!!!not base64!!!', isBase64Encoded: true }), 400, 'INVALID_JSON');
  });

  test('400 INVALID_REQUEST: the message names the field; userTag echoed once valid', async () => {
    const noTag = await expectError(predict(JSON.stringify({ data: {} })), 400, 'INVALID_REQUEST');
    assert.match(noTag.error.message, /userTag/);
    const noData = await expectError(predict(JSON.stringify({ userTag: 'b-1', data: [1] })), 400, 'INVALID_REQUEST', 'b-1');
    assert.match(noData.error.message, /data/);
  });

  test('404 NOT_FOUND: no such route', async () => {
    await expectError(restEvent({ method: 'GET', path: '/v2/anything', body: null }), 404, 'NOT_FOUND');
    await expectError(httpEvent({ method: 'POST', path: '/', body: good }), 404, 'NOT_FOUND');
  });

  test('404 UNKNOWN_MODEL: malformed or unconfigured, the same body either way', async () => {
    const calls = harness.ssm.calls.length;
    const malformed = await expectError(predict(good, '..%2Fadmin'), 404, 'UNKNOWN_MODEL', 'b-42');
    assert.equal(harness.ssm.calls.length, calls, 'a malformed name never reaches SSM');
    const missing = await expectError(predict(good, 'no-such-model'), 404, 'UNKNOWN_MODEL', 'b-42');
    assert.equal(malformed.error.message, missing.error.message);
  });

  test('405 METHOD_NOT_ALLOWED: a known path with another method, with Allow', async () => {
    const result = await harness.invoke(restEvent({ method: 'GET', body: null }));
    await expectError(restEvent({ method: 'GET', body: null }), 405, 'METHOD_NOT_ALLOWED');
    assert.equal(result.headers.allow, 'POST');
    await expectError(httpEvent({ method: 'DELETE', path: '/v1/models' }), 405, 'METHOD_NOT_ALLOWED');
  });

  test('413 PAYLOAD_TOO_LARGE: over MAX_REQUEST_BYTES, measured after base64 decoding', async () => {
    const big = envelope('b-42', { blob: 'x'.repeat(3000) });
    await expectError(predict(big), 413, 'PAYLOAD_TOO_LARGE');
    await expectError(restEvent({ body: Buffer.from(big).toString('base64'), isBase64Encoded: true }), 413, 'PAYLOAD_TOO_LARGE');
    // 1,500 three-byte characters: 1,500 code units but 4,500 bytes.
    await expectError(predict(envelope('b-42', { s: '€'.repeat(1500) })), 413, 'PAYLOAD_TOO_LARGE');
  });

  test('415 UNSUPPORTED_MEDIA_TYPE: wrong type, charset or encoding', async () => {
    const cases: Record<string, string>[] = [
      {},
      { 'Content-Type': 'text/plain' },
      { 'Content-Type': 'application/json; charset=utf-16' },
      { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
    ];
    for (const headers of cases) {
      await expectError(restEvent({ body: good, headers }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    }
  });

  test('422 MODEL_REJECTED_INPUT: a 400, 422 or other 4xx, with upstreamStatus', async () => {
    for (const status of [400, 422, 409]) {
      model.behave(answerJson('{"error":"bad feature vector at index 3"}', status));
      const body = await expectError(predict(good), 422, 'MODEL_REJECTED_INPUT', 'b-42');
      assert.equal(body.error.upstreamStatus, status);
      assert.doesNotMatch(JSON.stringify(body), /feature vector/);
    }
  });

  test('502 UPSTREAM_ERROR: a 5xx (not 503), 401, 403 or 404, and a TLS failure', async () => {
    for (const status of [500, 502, 401, 403, 404]) {
      model.behave(answerJson('<html>Traceback (most recent call last)</html>', status, { 'content-type': 'text/html' }));
      const body = await expectError(predict(good), 502, 'UPSTREAM_ERROR', 'b-42');
      assert.equal(body.error.upstreamStatus, undefined, 'only the 422 row tells B the model status');
    }
    // TLS to a server that speaks plain HTTP fails the handshake.
    parameters[endpointParameter('tls')] = `https://127.0.0.1:${model.port}/`;
    const tls = await startHarness(parameters, { PARAMETER_CACHE_TTL_SECONDS: '0' });
    try {
      const result = await tls.invoke(predict(good, 'tls'));
      assert.equal(result.statusCode, 502);
      assert.equal(parseBody(result).error.code, 'UPSTREAM_ERROR');
    } finally {
      await tls.close();
    }
  });

  test('502 UPSTREAM_BAD_RESPONSE: a 2xx that is not one JSON value, a redirect, an answer over the cap', async () => {
    for (const text of ['<html></html>', '', '{"a":1', '{"a":1} trailing']) {
      model.behave(answerJson(text, 200));
      await expectError(predict(good), 502, 'UPSTREAM_BAD_RESPONSE', 'b-42');
    }
    model.behave(answerJson('{}', 302, { location: 'http://169.254.169.254/' }));
    await expectError(predict(good), 502, 'UPSTREAM_BAD_RESPONSE', 'b-42');
    model.behave(answerJson(JSON.stringify({ big: 'y'.repeat(5000) })));
    await expectError(predict(good), 502, 'UPSTREAM_BAD_RESPONSE', 'b-42');
  });

  test('503 UPSTREAM_UNAVAILABLE: connection refused or reset, 429 or 503 from the model', async () => {
    for (const status of [429, 503]) {
      model.behave(answerJson('{}', status));
      await expectError(predict(good), 503, 'UPSTREAM_UNAVAILABLE', 'b-42');
    }
    model.behave((_req, res) => {
      res.socket?.destroy();
    });
    await expectError(predict(good), 503, 'UPSTREAM_UNAVAILABLE', 'b-42');

    const closed = await freePort();
    parameters[endpointParameter('gone')] = `http://127.0.0.1:${closed}/`;
    const refused = await startHarness(parameters);
    try {
      const result = await refused.invoke(predict(good, 'gone'));
      assert.equal(parseBody(result).error.code, 'UPSTREAM_UNAVAILABLE');
    } finally {
      await refused.close();
    }
  });

  test('503 CONFIG_UNAVAILABLE: SSM failing with nothing cached, or an invalid endpoint', async () => {
    const cold = await startHarness(parameters);
    const calls = model.received.length;
    try {
      cold.ssm.setFault({ kind: 'throttle' });
      await expectErrorOn(cold, predict(good), 503, 'CONFIG_UNAVAILABLE');
      assert.equal(model.received.length, calls, 'no model call without configuration');
    } finally {
      await cold.close();
    }
    parameters[endpointParameter('broken')] = 'ftp://models.internal/iris';
    const invalid = await startHarness(parameters);
    try {
      await expectErrorOn(invalid, predict(good, 'broken'), 503, 'CONFIG_UNAVAILABLE');
    } finally {
      await invalid.close();
    }
  });

  test('504 UPSTREAM_TIMEOUT: the deadline passes, or the Lambda has no time left for a call', async () => {
    const before = model.received.length;
    model.behave(() => new Promise(() => {}));
    await expectError(predict(good), 504, 'UPSTREAM_TIMEOUT', 'b-42');
    assert.equal(model.received.length, before + 1);
    await expectError(predict(good), 504, 'UPSTREAM_TIMEOUT', 'b-42', lambdaContext(300));
    assert.equal(model.received.length, before + 1, 'no call is made with 300 ms left');
  });

  test('500 INTERNAL: anything else, such as a deployment without PARAMETER_PREFIX', async () => {
    const broken = await startHarness(parameters, { PARAMETER_PREFIX: '' });
    try {
      const result = await broken.invoke(predict(good));
      assert.equal(result.statusCode, 500);
      assert.equal(parseBody(result).error.code, 'INTERNAL');
      assert.equal(result.headers['content-type'], CONTRACT_HEADERS['content-type']);
    } finally {
      await broken.close();
    }
  });
});

async function expectErrorOn(h: Harness, event: unknown, status: number, code: string) {
  const result = await h.invoke(event);
  assert.equal(result.statusCode, status, result.body);
  assert.equal(parseBody(result).error.code, code);
  if (status === 503) assert.match(result.headers['retry-after'] ?? '', /^\d+$/);
}

/** A port with nothing listening: bound, then released. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
