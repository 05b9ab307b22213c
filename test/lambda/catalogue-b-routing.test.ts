// Failure catalogue, section B: content type, method, path, model name (rows 17-22), through
// the real handler with a loopback SSM endpoint and a loopback model server.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { envelope, httpEvent, predictPath, restEvent } from '../support/events.ts';
import { PREFIX } from '../support/harness.ts';
import {
  EVENT_KINDS,
  assertLogsClean,
  assertNoLeak,
  captureLogs,
  expectError,
  expectSuccess,
  marker,
  setup,
} from '../support/catalogue.ts';

const SECRET = marker('B-SECRET');
const TAG = 'tag-b';
const BODY = envelope(TAG, { k: SECRET });

const s = await setup({
  // A config parameter without an endpoint: the model is still unknown (B20).
  parameters: { [`${PREFIX}/models/configonly/config`]: '{"timeoutMs":100}' },
});
after(() => s.close());

async function expectRejected(event: unknown, status: number, code: string, userTag: string | null = null) {
  const logs = captureLogs();
  const before = s.model.received.length;
  const result = await s.invoke(event);
  const body = expectError(result, status, code, userTag);
  assert.equal(s.model.received.length, before, 'the model received nothing');
  assertNoLeak(result, { servers: s.servers, secrets: [SECRET] });
  assertLogsClean(logs.text(), { servers: s.servers, secrets: [SECRET] });
  return { result, body };
}

describe('B17 no Content-Type, text/plain, form, multipart, charset=utf-16: 415', () => {
  const types: Array<[string, Record<string, string>]> = [
    ['no Content-Type', {}],
    ['text/plain', { 'Content-Type': 'text/plain' }],
    ['text/json', { 'Content-Type': 'text/json' }],
    ['form', { 'Content-Type': 'application/x-www-form-urlencoded' }],
    ['multipart', { 'Content-Type': 'multipart/form-data; boundary=xyz' }],
    ['charset=utf-16', { 'Content-Type': 'application/json; charset=utf-16' }],
    ['charset=UTF-16LE', { 'Content-Type': 'application/json; charset=UTF-16LE' }],
    ['charset=iso-8859-1', { 'Content-Type': 'application/json;charset=iso-8859-1' }],
    ['application/jsonx', { 'Content-Type': 'application/jsonx' }],
    ['application/json-patch (no +json)', { 'Content-Type': 'application/json-patch' }],
    ['empty value', { 'Content-Type': '' }],
    ['*/*', { 'Content-Type': '*/*' }],
  ];
  for (const [kind, make] of EVENT_KINDS) {
    for (const [name, headers] of types) {
      test(`B17 ${kind}: ${name}: 415 UNSUPPORTED_MEDIA_TYPE`, async () => {
        await expectRejected(make({ headers, body: BODY }), 415, 'UNSUPPORTED_MEDIA_TYPE');
      });
    }
  }
  const accepted: Array<[string, string]> = [
    ['application/json', 'application/json'],
    ['charset=utf-8', 'application/json; charset=utf-8'],
    ['charset=UTF-8 quoted', 'application/json;charset="UTF-8"'],
    ['application/vnd.b+json', 'application/vnd.b+json'],
    ['upper-case media type', 'Application/JSON'],
  ];
  for (const [name, type] of accepted) {
    test(`B17 (the accepted side) ${name}: 200`, async () => {
      expectSuccess(await s.invoke(restEvent({ headers: { 'Content-Type': type }, body: BODY })), TAG);
    });
  }
});

describe('B18 CONTENT-TYPE or Content-type casing, in v1 and v2 events: accepted', () => {
  for (const name of ['CONTENT-TYPE', 'Content-type', 'content-type', 'Content-Type', 'cOnTeNt-TyPe']) {
    test(`B18 REST v1: ${name}`, async () => {
      const event = restEvent({ headers: { [name]: 'application/json' }, body: BODY });
      assert.deepEqual(Object.keys(event.headers), [name]);
      expectSuccess(await s.invoke(event), TAG);
    });
    test(`B18 HTTP v2: ${name}`, async () => {
      // HTTP APIs lower-case names themselves; a function URL or a test tool may not.
      const event = httpEvent({ headers: {}, body: BODY });
      delete event.headers['content-type'];
      event.headers[name] = 'application/json';
      expectSuccess(await s.invoke(event), TAG);
    });
  }
  test('B18 REST v1: CONTENT-ENCODING in capitals is still refused', async () => {
    await expectRejected(
      restEvent({ headers: { 'CONTENT-TYPE': 'application/json', 'CONTENT-ENCODING': 'gzip' }, body: BODY }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
  });
});

describe('B19 GET, PUT or DELETE on the predict route: 405; an unknown path: 404 NOT_FOUND', () => {
  for (const [kind, make] of EVENT_KINDS) {
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']) {
      test(`B19 ${kind}: ${method} ${predictPath('iris')}: 405 METHOD_NOT_ALLOWED`, async () => {
        const { result } = await expectRejected(make({ method, body: BODY }), 405, 'METHOD_NOT_ALLOWED');
        assert.equal(result.headers.allow, 'POST');
      });
    }
    test(`B19 ${kind}: lower-case post is the same POST`, async () => {
      expectSuccess(await s.invoke(make({ method: 'post', body: BODY })), TAG);
    });
    test(`B19 ${kind}: POST /v1/models: 405`, async () => {
      const { result } = await expectRejected(make({ method: 'POST', path: '/v1/models', body: BODY }), 405, 'METHOD_NOT_ALLOWED');
      assert.equal(result.headers.allow, 'GET');
    });
    for (const path of ['/', '/v1', '/v1/models/iris', '/v1/models/iris/predict/extra', '/v2/models/iris/predict', '/V1/MODELS/iris/predict', '/v1/models//predict', `/${SECRET}`]) {
      test(`B19 ${kind}: POST ${path}: 404 NOT_FOUND`, async () => {
        await expectRejected(make({ path, body: BODY }), 404, 'NOT_FOUND');
      });
    }
    test(`B19 ${kind}: GET /v1/models lists the callable models`, async () => {
      const result = await s.invoke(make({ method: 'GET', path: '/v1/models', headers: {} }));
      assert.equal(result.statusCode, 200);
      assert.deepEqual(JSON.parse(result.body), { models: ['iris'], variants: {}, ensembles: [] });
    });
  }
});

describe('B20 an unknown model: 404 UNKNOWN_MODEL, the same body for every unknown name', () => {
  test('B20 unknown, differently cased, config-only and malformed names give identical answers', async () => {
    const names = ['nosuch', 'Iris', 'IRIS', 'iris2', 'iri', 'configonly', 'x'.repeat(64), 'a_b.c-d', '-leading-dash', 'a%2Fb'];
    const answers = new Set<string>();
    for (const [, make] of EVENT_KINDS) {
      for (const name of names) {
        const { result } = await expectRejected(make({ path: predictPath(name), body: BODY, requestId: 'same-id' }), 404, 'UNKNOWN_MODEL', TAG);
        assert.ok(!result.body.includes(name), 'the name is not echoed');
        answers.add(JSON.stringify([result.statusCode, result.headers, result.body]));
      }
    }
    assert.equal(answers.size, 1, 'no oracle: one answer for every unknown name');
  });
});

describe('B21 names like ../admin, a%2Fb, a/b, x%00, 200 characters, homoglyphs: 404 UNKNOWN_MODEL, no SSM call', () => {
  test('B21 no SSM call and no model call for any malformed name', async (t) => {
    // A fresh handler: its configuration has never been read, so any SSM call would show.
    const fresh = await setup();
    t.after(() => fresh.close());
    const names = [
      '../admin',
      '..%2Fadmin',
      '%2E%2E%2Fadmin',
      'a%2Fb',
      'a/b',
      'iris/../iris',
      'x%00',
      'x\u0000',
      'iris\n',
      'x'.repeat(200),
      'x'.repeat(65),
      '\u0456ris', // Cyrillic i
      '\u0440\u0435\u0441', // Cyrillic "рес"
      'ｉｒｉｓ', // full-width
      'iris ',
      ' iris',
      '.hidden',
      '_private',
      '-dash',
      '',
      '*',
      'iris;drop',
      'iris%20',
    ];
    const answers = new Set<string>();
    for (const [, make] of EVENT_KINDS) {
      for (const name of names) {
        const path = `/v1/models/${name}/predict`;
        const logs = captureLogs();
        const result = await fresh.invoke(make({ path, body: BODY, requestId: 'same-id' }));
        if (name === '') {
          // `/v1/models//predict` has no name at all: not a model route.
          expectError(result, 404, 'NOT_FOUND', null);
          continue;
        }
        // The body was valid, so the userTag is echoed (the echo rule); the name never is.
        expectError(result, 404, 'UNKNOWN_MODEL', TAG);
        assertNoLeak(result, { servers: fresh.servers, secrets: [SECRET] });
        assertLogsClean(logs.text(), { servers: fresh.servers, secrets: [SECRET] });
        answers.add(result.body);
      }
    }
    assert.deepEqual(fresh.harness.ssm.calls, [], 'no SSM call');
    assert.equal(fresh.model.connections, 0, 'no model call');
    assert.equal(answers.size, 1, 'the same body for every name');
    // The handler is healthy: a good name reads SSM and reaches the model.
    expectSuccess(await fresh.invoke(restEvent({ body: BODY })), TAG);
    assert.equal(fresh.harness.ssm.calls.length > 0, true);
  });
});

describe('B22 names __proto__, constructor, toString: 404', () => {
  for (const [kind, make] of EVENT_KINDS) {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', '__defineGetter__', 'isPrototypeOf']) {
      test(`B22 ${kind}: ${name}: 404 UNKNOWN_MODEL`, async () => {
        await expectRejected(make({ path: predictPath(name), body: BODY }), 404, 'UNKNOWN_MODEL', TAG);
      });
    }
  }
});
