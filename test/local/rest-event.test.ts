import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  encodeBody,
  formatRequestTime,
  fromLambdaResult,
  groupHeaders,
  InvalidLambdaResultError,
  matchResource,
  parseQuery,
  toRestApiEvent,
  type HttpRequestParts,
} from '../../local/rest-event.ts';

const sample = JSON.parse(readFileSync('/work/shared/events/apigw-rest-v1.json', 'utf8')) as Record<string, unknown>;

const parts = (over: Partial<HttpRequestParts> = {}): HttpRequestParts => ({
  method: 'POST',
  target: '/v1/models/iris/predict',
  rawHeaders: ['Host', '127.0.0.1:3000', 'Content-Type', 'application/json'],
  body: Buffer.from('{"userTag":"b-42","data":{}}'),
  sourceIp: '127.0.0.1',
  requestId: '11111111-2222-4333-8444-555555555555',
  receivedAt: Date.UTC(2020, 4, 15, 6, 1, 9, 693),
  stage: 'local',
  ...over,
});

describe('matchResource', () => {
  it('matches the contract routes and names their parameters', () => {
    assert.deepEqual(matchResource('/v1/models/iris/predict'), {
      resource: '/v1/models/{model}/predict',
      pathParameters: { model: 'iris' },
    });
    assert.deepEqual(matchResource('/v1/ensembles/all-in/predict'), {
      resource: '/v1/ensembles/{ensemble}/predict',
      pathParameters: { ensemble: 'all-in' },
    });
    assert.deepEqual(matchResource('/v1/models'), { resource: '/v1/models', pathParameters: null });
  });

  it('decodes path parameters one segment at a time, so %2F stays inside its segment', () => {
    assert.deepEqual(matchResource('/v1/models/a%2Fb%20c/predict').pathParameters, { model: 'a/b c' });
  });

  it('keeps undecodable text as it came rather than failing', () => {
    assert.deepEqual(matchResource('/v1/models/%zz/predict').pathParameters, { model: '%zz' });
  });

  it('sends every other path to /{proxy+} with the rest of the path as proxy', () => {
    assert.deepEqual(matchResource('/hello/world'), { resource: '/{proxy+}', pathParameters: { proxy: 'hello/world' } });
    assert.deepEqual(matchResource('/v1/models/'), { resource: '/{proxy+}', pathParameters: { proxy: 'v1/models/' } });
    assert.deepEqual(matchResource('/v1/models//predict'), {
      resource: '/{proxy+}',
      pathParameters: { proxy: 'v1/models//predict' },
    });
    assert.deepEqual(matchResource('/'), { resource: '/', pathParameters: null });
  });
});

describe('groupHeaders', () => {
  it('keeps the last value in headers and every value in multiValueHeaders, in the case sent', () => {
    const { headers, multiValueHeaders } = groupHeaders(['X-Trace', 'a', 'Accept', '*/*', 'x-trace', 'b', 'X-TRACE', 'c']);
    assert.deepEqual(headers, { 'X-Trace': 'c', Accept: '*/*' });
    assert.deepEqual(multiValueHeaders, { 'X-Trace': ['a', 'b', 'c'], Accept: ['*/*'] });
  });

  it('gives empty objects, not null, when there are no headers (as API Gateway does)', () => {
    assert.deepEqual(groupHeaders([]), { headers: {}, multiValueHeaders: {} });
  });
});

describe('parseQuery', () => {
  it('decodes names and values and keeps every repeated value', () => {
    assert.deepEqual(parseQuery('a=1&b=x%20y&a=2&c='), {
      queryStringParameters: { a: '2', b: 'x y', c: '' },
      multiValueQueryStringParameters: { a: ['1', '2'], b: ['x y'], c: [''] },
    });
  });

  it('is null when there is no query', () => {
    assert.deepEqual(parseQuery(''), { queryStringParameters: null, multiValueQueryStringParameters: null });
  });
});

describe('encodeBody', () => {
  it('passes valid UTF-8 as text', () => {
    assert.deepEqual(encodeBody(Buffer.from('{"userTag":"é😀"}')), { body: '{"userTag":"é😀"}', isBase64Encoded: false });
  });

  it('keeps a leading byte-order mark, so the handler can reject it', () => {
    const encoded = encodeBody(Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]));
    assert.equal(encoded.body, '\uFEFF{}');
    assert.equal(encoded.isBase64Encoded, false);
  });

  for (const [what, bytes] of [
    ['a lone continuation byte', [0x7b, 0x80, 0x7d]],
    ['an overlong encoding', [0xc0, 0xaf]],
    ['a UTF-16 surrogate encoded as UTF-8', [0xed, 0xa0, 0x80]],
    ['a truncated sequence', [0x22, 0xe2, 0x82]],
    ['Latin-1 text', [0x22, 0xe9, 0x22]],
  ] as const) {
    it(`sends ${what} as base64 with isBase64Encoded, byte for byte`, () => {
      const encoded = encodeBody(Buffer.from(bytes));
      assert.equal(encoded.isBase64Encoded, true);
      assert.deepEqual([...Buffer.from(encoded.body ?? '', 'base64')], [...bytes]);
    });
  }

  it('is null with no body', () => {
    assert.deepEqual(encodeBody(null), { body: null, isBase64Encoded: false });
    assert.deepEqual(encodeBody(Buffer.alloc(0)), { body: null, isBase64Encoded: false });
  });
});

describe('toRestApiEvent', () => {
  it('has the same keys as a real REST API event, at the top and in requestContext', () => {
    const event = toRestApiEvent(parts()) as unknown as Record<string, unknown>;
    assert.deepEqual(Object.keys(event).sort(), Object.keys(sample).concat('isBase64Encoded').sort());
    const context = event.requestContext as Record<string, unknown>;
    const sampleContext = sample.requestContext as Record<string, unknown>;
    for (const key of Object.keys(sampleContext).filter((k) => k !== 'authorizer')) {
      assert.ok(key in context, `requestContext.${key}`);
    }
    for (const key of Object.keys(sampleContext.identity as object)) {
      assert.ok(key in (context.identity as object), `requestContext.identity.${key}`);
    }
  });

  it('fills method, path, resource, stage, request id, source IP and times', () => {
    const event = toRestApiEvent(parts({ target: '/v1/models/ir%69s/predict?x=1&x=2' }));
    assert.equal(event.httpMethod, 'POST');
    assert.equal(event.path, '/v1/models/ir%69s/predict', 'path keeps its encoding');
    assert.equal(event.resource, '/v1/models/{model}/predict');
    assert.deepEqual(event.pathParameters, { model: 'iris' });
    assert.deepEqual(event.queryStringParameters, { x: '2' });
    assert.deepEqual(event.multiValueQueryStringParameters, { x: ['1', '2'] });
    assert.equal(event.stageVariables, null);
    assert.equal(event.requestContext.stage, 'local');
    assert.equal(event.requestContext.path, '/local/v1/models/ir%69s/predict');
    assert.equal(event.requestContext.resourcePath, '/v1/models/{model}/predict');
    assert.equal(event.requestContext.httpMethod, 'POST');
    assert.equal(event.requestContext.requestId, '11111111-2222-4333-8444-555555555555');
    assert.equal(event.requestContext.identity.sourceIp, '127.0.0.1');
    assert.equal(event.requestContext.requestTimeEpoch, Date.UTC(2020, 4, 15, 6, 1, 9, 693));
    assert.equal(event.requestContext.requestTime, '15/May/2020:06:01:09 +0000');
    assert.equal(event.requestContext.domainName, '127.0.0.1:3000');
    assert.equal(event.body, '{"userTag":"b-42","data":{}}');
    assert.equal(event.isBase64Encoded, false);
  });

  it('takes the user agent from the headers, whatever their case', () => {
    const event = toRestApiEvent(parts({ rawHeaders: ['USER-AGENT', 'curl/8.5.0'] }));
    assert.equal(event.requestContext.identity.userAgent, 'curl/8.5.0');
  });
});

describe('formatRequestTime', () => {
  it('pads day and time like API Gateway', () => {
    assert.equal(formatRequestTime(Date.UTC(2024, 0, 2, 3, 4, 5)), '02/Jan/2024:03:04:05 +0000');
  });
});

describe('fromLambdaResult', () => {
  it('takes status, headers and a text body', () => {
    const r = fromLambdaResult({ statusCode: 201, headers: { 'Content-Type': 'application/json', 'X-N': 3 }, body: '{"a":"é"}' });
    assert.equal(r.statusCode, 201);
    assert.deepEqual(r.headers, { 'Content-Type': ['application/json'], 'X-N': ['3'] });
    assert.equal(r.body.toString('utf8'), '{"a":"é"}');
  });

  it('merges multiValueHeaders over headers: where both name a header, the list wins', () => {
    const r = fromLambdaResult({
      statusCode: 200,
      headers: { 'set-cookie': 'ignored=1', vary: 'origin' },
      multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'] },
      body: '',
    });
    assert.deepEqual(r.headers, { 'Set-Cookie': ['a=1', 'b=2'], vary: ['origin'] });
  });

  it('decodes a base64 body', () => {
    const r = fromLambdaResult({ statusCode: 200, body: Buffer.from([0, 255, 1]).toString('base64'), isBase64Encoded: true });
    assert.deepEqual([...r.body], [0, 255, 1]);
  });

  it('drops hop-by-hop headers that would contradict the real body', () => {
    const r = fromLambdaResult({ statusCode: 200, headers: { 'Content-Length': '999', Connection: 'close' }, body: 'x' });
    assert.deepEqual(r.headers, {});
  });

  it('treats a missing body as empty', () => {
    assert.equal(fromLambdaResult({ statusCode: 204 }).body.length, 0);
  });

  for (const [what, result] of [
    ['undefined', undefined],
    ['a string', 'hello'],
    ['no statusCode', { body: '' }],
    ['a string statusCode', { statusCode: '200', body: '' }],
    ['an impossible status', { statusCode: 42, body: '' }],
    ['an object body', { statusCode: 200, body: { a: 1 } }],
    ['an object header value', { statusCode: 200, headers: { a: { b: 1 } }, body: '' }],
    ['a non-list multi-value header', { statusCode: 200, multiValueHeaders: { a: 'b' }, body: '' }],
    ['broken base64', { statusCode: 200, body: 'not base64!', isBase64Encoded: true }],
  ] as const) {
    it(`refuses ${what}`, () => {
      assert.throws(() => fromLambdaResult(result), InvalidLambdaResultError);
    });
  }
});
