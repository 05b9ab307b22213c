// Properties of the whole handler, with fast-check, through the real handler, loopback SSM
// endpoint and loopback model server:
// (a) any valid envelope reaches the model with `data` unchanged (numbers compared by exact
//     decimal value, so rounding shows) and comes back with the userTag byte-exact;
// (b) no event at all, however malformed, makes the handler throw or answer outside the
//     contract's table.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { httpEvent, lambdaContext, restEvent } from '../support/events.ts';
import { CONTRACT_ERRORS, CONTRACT_STATUSES, JSON_UTF8, captureLogs, setup } from '../support/catalogue.ts';
import { parseExact } from '../support/json-numbers.ts';
import type { HttpResult } from '../../lambda/contract/response.ts';

const NUM_RUNS = 150;

const s = await setup();
after(() => s.close());
// The adapter logs every refused request; keep the test output readable.
captureLogs();

// ---------------------------------------------------------------------------------------------
// (a) valid envelopes

/** A code point allowed in a userTag: no C0 controls, no DEL, no surrogate halves. */
const tagCodePoint = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
  { weight: 2, arbitrary: fc.integer({ min: 0x80, max: 0xd7ff }) },
  { weight: 1, arbitrary: fc.integer({ min: 0xe000, max: 0xffff }) },
  { weight: 2, arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      0x200d, // zero-width joiner
      0x200e, // left-to-right mark
      0x200f, // right-to-left mark
      0x202e, // right-to-left override
      0x061c, // Arabic letter mark
      0x0301, // combining acute accent
      0xfe0f, // variation selector
      0x1f469, // woman
      0x1f3fd, // skin tone
      0x1f1eb, // regional indicator
      0x05d0, // Hebrew alef
      0x2028, // line separator (not a control character in the contract's sense)
      0x0085, // NEL, a C1 control: the contract only forbids U+0000-U+001F and U+007F
      0x22, // quote
      0x5c, // backslash
    ),
  },
);
const userTag = fc.array(tagCodePoint, { minLength: 1, maxLength: 256 }).map((points) => String.fromCodePoint(...points));

const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });

/** JSON number texts, including ones a double cannot carry. */
const numberText = fc.oneof(
  fc.integer().map(String),
  fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
  fc
    .record({
      sign: fc.constantFrom('', '-'),
      whole: fc.oneof(fc.constant('0'), digits(1, 25).map((d) => `1${d}`)),
      fraction: fc.option(digits(1, 25), { nil: undefined }),
      exponent: fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.integer({ min: 0, max: 450 })), { nil: undefined }),
    })
    .map(({ sign, whole, fraction, exponent }) =>
      `${sign}${whole}${fraction === undefined ? '' : `.${fraction}`}${exponent === undefined ? '' : `${exponent[0]}${exponent[1]}${exponent[2]}`}`,
    ),
  fc.constantFrom('-0', '-0.0', '0.0', '1e400', '-1E+400', '1e-400', '9007199254740993', '-9007199254740993', '1.10', '100e-2', '5e-324'),
);

const stringText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
  fc.string({ maxLength: 10 }),
).map((text) => JSON.stringify(text));

/** Object keys Middy's parser refuses (`__proto__`, `constructor` holding `prototype`) are left out: see A8. */
const key = fc.oneof(fc.string({ maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 6 })).filter((k) => k !== '__proto__' && k !== 'prototype');

const { objectText } = fc.letrec<{ value: string; objectText: string; arrayText: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    numberText,
    stringText,
    fc.constantFrom('true', 'false', 'null'),
    tie('arrayText'),
    tie('objectText'),
  ),
  arrayText: fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
  objectText: fc
    .uniqueArray(fc.tuple(key, tie('value')), { maxLength: 5, selector: ([k]) => k })
    .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
}));

describe('properties: valid envelopes', () => {
  test('(a) any valid envelope reaches the model with data unchanged and echoes the userTag byte-exact', async () => {
    await fc.assert(
      fc.asyncProperty(userTag, objectText, fc.boolean(), fc.boolean(), async (tag, data, v2, base64) => {
        const text = `{"userTag":${JSON.stringify(tag)},"data":${data}}`;
        const body = base64 ? Buffer.from(text).toString('base64') : text;
        const event = (v2 ? httpEvent : restEvent)({ body, isBase64Encoded: base64 });
        const before = s.model.received.length;
        const result = await s.invoke(event);
        assert.equal(result.statusCode, 200, result.body);
        assert.equal(result.headers['content-type'], JSON_UTF8);

        assert.equal(s.model.received.length, before + 1);
        const received = s.model.received.at(-1)!.body;
        assert.deepStrictEqual(parseExact(received), parseExact(data), `sent ${data}\nthe model got ${received}`);

        assert.ok(result.body.startsWith(`{"userTag":${JSON.stringify(tag)},`), 'the raw body carries the userTag as sent');
        assert.ok(result.body.includes(JSON.stringify(tag)));
        const echoed = (JSON.parse(result.body) as { userTag: string }).userTag;
        assert.equal(echoed, tag);
        assert.deepEqual([...echoed].map((c) => c.codePointAt(0)), [...tag].map((c) => c.codePointAt(0)));
        // The echo server wraps what it received; the adapter splices it back verbatim.
        assert.equal(result.body, `{"userTag":${JSON.stringify(tag)},"result":{"echo":${received}}}`);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// (b) arbitrary events

const method = fc.oneof(
  { weight: 8, arbitrary: fc.constant('POST') },
  fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'post', 'Get', '', ' POST', 'POST\r\n'),
  fc.string({ maxLength: 8 }),
);

const path = fc.oneof(
  { weight: 10, arbitrary: fc.constant('/v1/models/iris/predict') },
  fc.constantFrom(
    '/v1/models',
    '/v1/models/',
    '/v1/models/iris/predict',
    '/v1/models/iris/predict/',
    '/v1/models/nosuch/predict',
    '/v1/models/../predict',
    '/v1/models/__proto__/predict',
    '/v1/models/constructor/predict',
    '/v1/models/a/b/predict',
    '/v1/models//predict',
    '/v1/ensembles/x/predict',
    '/',
    '',
  ),
  fc.string({ maxLength: 30 }).map((name) => `/v1/models/${name}/predict`),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.webPath(),
);

const headerName = fc.oneof(
  fc.constantFrom('Content-Type', 'content-type', 'CONTENT-TYPE', 'Content-Encoding', 'X-Forwarded-For', 'traceparent', 'tracestate', 'Host', 'Connection', 'Transfer-Encoding', 'Authorization'),
  fc.string({ maxLength: 12 }),
);
const headerValue = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/json; charset=utf-16',
    'application/vnd.x+json',
    'text/plain',
    'gzip',
    'identity',
    '',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    'a\r\nb',
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);
const headers = fc.oneof(
  { weight: 4, arbitrary: fc.dictionary(headerName, headerValue, { maxKeys: 6 }) },
  { weight: 8, arbitrary: fc.dictionary(headerName, headerValue, { maxKeys: 4 }).map((h) => ({ ...h, 'Content-Type': 'application/json' })) },
  { weight: 1, arbitrary: fc.constantFrom(null, undefined, 'x', 42, ['a'], { 'content-type': 7 }, { 'content-type': null }) },
);

const envelopeText = fc
  .record({
    userTag: fc.oneof({ weight: 3, arbitrary: userTag }, fc.constantFrom('', 'a\u0000', 123, null, true, {}, '\ud800'), fc.string()),
    data: fc.oneof({ weight: 3, arbitrary: fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }) }, fc.jsonValue({ maxDepth: 3 })),
    extra: fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }),
  })
  .map(({ userTag: tag, data, extra }) => JSON.stringify({ ...extra, userTag: tag, data }));

const bodyText = fc.oneof(
  { weight: 4, arbitrary: envelopeText },
  { weight: 1, arbitrary: objectText.map((data) => `{"userTag":"t","data":${data}}`) },
  { weight: 2, arbitrary: fc.json({ maxDepth: 3 }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 60 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  { weight: 1, arbitrary: fc.constantFrom('', '{', '[', '{"userTag":', '\uFEFF{}', '[[[[[[[[[[[[[[[[[[[[', 'null', '{"__proto__":{}}', '{"userTag":"t","data":{"a":1e400}}') },
  { weight: 1, arbitrary: fc.nat({ max: 200 }).map((n) => `{"userTag":"t","data":${'['.repeat(n)}${']'.repeat(n)}}`) },
);

/** The body, as text or base64 (sometimes broken), or not a string at all. */
type BodyAndFlag = [unknown, boolean];
const bodyArbitrary = (arbitrary: fc.Arbitrary<BodyAndFlag>, weight: number) => ({ arbitrary, weight });
const body: fc.Arbitrary<BodyAndFlag> = fc.oneof(
  bodyArbitrary(fc.tuple(bodyText, fc.constant(false)), 6),
  bodyArbitrary(fc.tuple(bodyText.map((text) => Buffer.from(text).toString('base64')), fc.constant(true)), 3),
  bodyArbitrary(fc.tuple(fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes).toString('base64')), fc.constant(true)), 1),
  bodyArbitrary(fc.tuple(fc.string({ maxLength: 30 }), fc.constant(true)), 1),
  bodyArbitrary(fc.tuple(fc.constantFrom<unknown>(null, undefined, 42, {}, ['x'], true), fc.boolean()), 1),
);

const isBase64Encoded = fc.oneof(
  { weight: 6, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom('true', 1, null, 'false', 0, {}) },
);

/** Damage applied to an otherwise well-formed event. */
const mutation = fc.oneof({ weight: 10, arbitrary: fc.constant('none') }, fc.constantFrom(
  'no requestContext',
  'requestContext null',
  'requestContext a string',
  'no http in requestContext',
  'no identity in requestContext',
  'version 2.0 on anything',
  'version 1.0',
  'no version',
  'no rawPath',
  'rawPath a number',
  'no path',
  'path null',
  'method a number',
  'stage named',
  'headers null',
  'multiValueHeaders garbage',
  'requestId an object',
  'sourceIp garbage',
));

function mutate(event: Record<string, unknown>, how: string): void {
  const context = event.requestContext as Record<string, unknown> | undefined;
  switch (how) {
    case 'no requestContext':
      delete event.requestContext;
      break;
    case 'requestContext null':
      event.requestContext = null;
      break;
    case 'requestContext a string':
      event.requestContext = 'ctx';
      break;
    case 'no http in requestContext':
      if (context) delete context.http;
      break;
    case 'no identity in requestContext':
      if (context) delete context.identity;
      break;
    case 'version 2.0 on anything':
      event.version = '2.0';
      break;
    case 'version 1.0':
      event.version = '1.0';
      break;
    case 'no version':
      delete event.version;
      break;
    case 'no rawPath':
      delete event.rawPath;
      break;
    case 'rawPath a number':
      event.rawPath = 7;
      break;
    case 'no path':
      delete event.path;
      break;
    case 'path null':
      event.path = null;
      break;
    case 'method a number':
      event.httpMethod = 1;
      if (context?.http) (context.http as Record<string, unknown>).method = 1;
      break;
    case 'stage named':
      if (context) context.stage = 'prod';
      break;
    case 'headers null':
      event.headers = null;
      break;
    case 'multiValueHeaders garbage':
      event.multiValueHeaders = { 'Content-Type': 'not-an-array' };
      break;
    case 'requestId an object':
      if (context) context.requestId = { id: 1 };
      break;
    case 'sourceIp garbage':
      if (context?.http) (context.http as Record<string, unknown>).sourceIp = 'x\r\ny';
      if (context?.identity) (context.identity as Record<string, unknown>).sourceIp = ['1.2.3.4'];
      break;
  }
}

const shapedEvent = fc
  .record({ v2: fc.boolean(), method, path, headers, body, isBase64Encoded, mutation })
  .map(({ v2, method: m, path: p, headers: h, body: [b, b64], isBase64Encoded: flag, mutation: how }) => {
    const event = (v2 ? httpEvent : restEvent)({ method: m, path: p }) as unknown as Record<string, unknown>;
    event.headers = h;
    event.body = b;
    event.isBase64Encoded = flag === undefined ? b64 : flag;
    mutate(event, how);
    return event as unknown;
  });

const anyEvent = fc.oneof(
  { weight: 12, arbitrary: shapedEvent },
  { weight: 1, arbitrary: fc.constantFrom(null, undefined, 42, 'event', [], {}, { version: '2.0' }, { httpMethod: 'POST' }) },
  { weight: 1, arbitrary: fc.object({ maxDepth: 2 }) },
);

function assertWithinContract(result: HttpResult): void {
  assert.ok(result && typeof result === 'object', 'a result object');
  assert.ok(CONTRACT_STATUSES.has(result.statusCode), `status ${result.statusCode} is one of the contract's`);
  assert.equal(result.headers?.['content-type'], JSON_UTF8);
  assert.equal(typeof result.body, 'string');
  const body = JSON.parse(result.body) as Record<string, unknown>;
  if (result.statusCode === 200) {
    const predict = 'result' in body && typeof body.userTag === 'string' && Object.keys(body).length === 2;
    // GET /v1/models: docs/contract.md's `models`, and the variants and ensembles issue 4 added.
    const list = Array.isArray(body.models) && Object.keys(body).join() === 'models,variants,ensembles';
    assert.ok(predict || list, `a 200 is {userTag, result} or the model list: ${result.body.slice(0, 200)}`);
    return;
  }
  const error = body.error as Record<string, unknown> | undefined;
  assert.ok(error && typeof error.code === 'string', `an error body: ${result.body.slice(0, 200)}`);
  assert.equal(CONTRACT_ERRORS[error.code as string], result.statusCode, `${String(error.code)} goes with status ${result.statusCode}`);
  assert.ok(body.userTag === null || typeof body.userTag === 'string');
  assert.deepEqual(Object.keys(body).sort(), ['error', 'userTag']);
  if (result.statusCode === 503) assert.match(result.headers['retry-after'] ?? '', /^[1-9]\d*$/);
}

describe('properties: arbitrary events', () => {
  test('(b) no event makes the handler throw or answer outside the contract', async () => {
    const codes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(anyEvent, async (event) => {
        const result = await s.invoke(structuredClone(event), lambdaContext());
        assertWithinContract(result);
        const code = result.statusCode === 200 ? '200' : (JSON.parse(result.body) as { error: { code: string } }).error.code;
        codes.set(code, (codes.get(code) ?? 0) + 1);
        // A Lambda event is an object; only a non-object (null) may be an internal error.
        if (typeof event === 'object' && event !== null) assert.notEqual(code, 'INTERNAL', JSON.stringify(event).slice(0, 500));
      }),
      { numRuns: NUM_RUNS * 2 },
    );
    // The generator reaches deep into the handler, not only its first checks.
    assert.ok((codes.get('200') ?? 0) > 0, `some events succeed: ${JSON.stringify([...codes])}`);
    assert.ok(codes.size >= 6, `many different outcomes: ${JSON.stringify([...codes])}`);
  });
});
