import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import {
  API_GATEWAY_MAX_BODY_BYTES,
  LOCAL_GATEWAY_ERRORS,
  startApiServer,
  type ApiServer,
  type RestApiHandler,
} from '../../local/api-server.ts';
import { postJson, send } from './http.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Invocation {
  event: APIGatewayProxyEvent;
  context: Context;
  remainingAtStart: number;
}

/** A stub handler that records what it was given and answers what the test says. */
function recorder() {
  const calls: Invocation[] = [];
  let answer: (event: APIGatewayProxyEvent, context: Context) => Promise<unknown> = async () => ({
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: '{"ok":true}',
  });
  const handler: RestApiHandler = (event, context) => {
    calls.push({ event, context, remainingAtStart: context.getRemainingTimeInMillis() });
    return answer(event, context);
  };
  return {
    handler,
    calls,
    answer(next: typeof answer) {
      answer = next;
    },
    last(): Invocation {
      const call = calls.at(-1);
      assert.ok(call, 'the handler was invoked');
      return call;
    },
  };
}

describe('local API server: HTTP request to REST API v1 event', () => {
  const stub = recorder();
  let api: ApiServer;
  before(async () => {
    api = await startApiServer({ handler: stub.handler, port: 0, maxBodyBytes: 1000 });
  });
  after(() => api.close());
  beforeEach(() => {
    stub.calls.length = 0;
  });

  it('listens on 127.0.0.1 only', () => {
    assert.match(api.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('maps a predict request onto its resource, with path parameters, query and stage', async () => {
    const res = await postJson(`${api.url}/v1/models/iris/predict?debug=1&debug=2`, { userTag: 'b-42', data: {} });
    assert.equal(res.status, 200);
    const { event } = stub.last();
    assert.equal(event.httpMethod, 'POST');
    assert.equal(event.resource, '/v1/models/{model}/predict');
    assert.equal(event.path, '/v1/models/iris/predict');
    assert.deepEqual(event.pathParameters, { model: 'iris' });
    assert.deepEqual(event.queryStringParameters, { debug: '2' });
    assert.deepEqual(event.multiValueQueryStringParameters, { debug: ['1', '2'] });
    assert.equal(event.requestContext.stage, 'local');
    assert.equal(event.requestContext.resourcePath, '/v1/models/{model}/predict');
    assert.equal(event.body, '{"userTag":"b-42","data":{}}');
    assert.equal(event.isBase64Encoded, false);
  });

  it('maps unknown paths and any method to /{proxy+} and lets the handler answer', async () => {
    stub.answer(async () => ({ statusCode: 404, body: 'nope' }));
    const res = await send(`${api.url}/no/such%20thing`, { method: 'DELETE' });
    assert.equal(res.status, 404);
    assert.equal(res.text, 'nope');
    const { event } = stub.last();
    assert.equal(event.httpMethod, 'DELETE');
    assert.equal(event.resource, '/{proxy+}');
    assert.deepEqual(event.pathParameters, { proxy: 'no/such thing' });
    assert.equal(event.body, null);
  });

  it('passes headers in the case sent, the last value in headers and all in multiValueHeaders', async () => {
    await send(`${api.url}/v1/models`, {
      headers: { 'X-Custom': ['one', 'two'], Accept: 'application/json', traceparent: '00-abc-def-01' },
    });
    const { event } = stub.last();
    assert.equal(event.headers['X-Custom'], 'two');
    assert.deepEqual(event.multiValueHeaders['X-Custom'], ['one', 'two']);
    assert.equal(event.headers.Accept, 'application/json');
    assert.deepEqual(event.multiValueHeaders.Accept, ['application/json']);
    assert.equal(event.headers.traceparent, '00-abc-def-01');
    assert.equal(event.headers.Host, api.url.slice('http://'.length));
  });

  it('H57 a query or header named __proto__, constructor or toString is a key like any other, and the request is answered', async () => {
    // H57: these names once reached Object.prototype's members and dropped the connection.
    stub.answer(async () => ({ statusCode: 200, body: '{}' }));
    // JSON.parse makes `__proto__` an own key, as a header name is (an object literal would set the prototype).
    const headers = JSON.parse('{"__proto__":"x","constructor":"y","toString":"z","hasOwnProperty":"w"}') as Record<string, string>;
    const res = await send(`${api.url}/v1/models?__proto__=a&constructor=b&toString=c&__proto__=d`, { headers });
    assert.equal(res.status, 200);
    const { event } = stub.last();
    assert.deepEqual(Object.getPrototypeOf(event.queryStringParameters), Object.prototype);
    assert.equal(Object.hasOwn(event.queryStringParameters!, '__proto__'), true);
    assert.equal(event.queryStringParameters!['__proto__'], 'd');
    assert.deepEqual(event.multiValueQueryStringParameters!['__proto__'], ['a', 'd']);
    assert.equal(event.queryStringParameters!.constructor as unknown, 'b');
    assert.deepEqual(event.multiValueQueryStringParameters!.toString as unknown, ['c']);
    for (const [name, value] of [['__proto__', 'x'], ['constructor', 'y'], ['toString', 'z'], ['hasOwnProperty', 'w']] as const) {
      const key = Object.keys(event.headers).find((k) => k.toLowerCase() === name.toLowerCase());
      assert.ok(key, `header ${name} present`);
      assert.equal(event.headers[key], value);
      assert.deepEqual(event.multiValueHeaders[key], [value]);
    }
    assert.equal(({} as { polluted?: unknown }).polluted, undefined);
  });

  it('takes sourceIp from the socket, not from a client X-Forwarded-For', async () => {
    await send(`${api.url}/v1/models`, { headers: { 'X-Forwarded-For': '203.0.113.9' } });
    const { event } = stub.last();
    assert.equal(event.requestContext.identity.sourceIp, '127.0.0.1');
    assert.equal(event.headers['X-Forwarded-For'], '203.0.113.9', 'the header itself still reaches the handler');
  });

  it('gives every request a fresh requestId (uuid), echoed in x-amzn-RequestId, and a distinct awsRequestId', async () => {
    const a = await send(`${api.url}/v1/models`);
    const first = stub.last();
    const b = await send(`${api.url}/v1/models`);
    const second = stub.last();
    assert.match(first.event.requestContext.requestId, UUID);
    assert.match(second.event.requestContext.requestId, UUID);
    assert.notEqual(first.event.requestContext.requestId, second.event.requestContext.requestId);
    assert.equal(a.headers['x-amzn-requestid'], first.event.requestContext.requestId);
    assert.equal(b.headers['x-amzn-requestid'], second.event.requestContext.requestId);
    assert.match(first.context.awsRequestId, UUID);
    assert.notEqual(first.context.awsRequestId, second.context.awsRequestId);
    assert.notEqual(first.context.awsRequestId, first.event.requestContext.requestId);
  });

  it('stamps requestTimeEpoch with the arrival time', async () => {
    const before = Date.now();
    await send(`${api.url}/v1/models`);
    const after = Date.now();
    const { requestTimeEpoch } = stub.last().event.requestContext;
    assert.ok(requestTimeEpoch >= before && requestTimeEpoch <= after, `${requestTimeEpoch} in [${before}, ${after}]`);
  });

  it('sends a UTF-8 body as text, untouched, a leading BOM included', async () => {
    const text = '\uFEFF{"userTag":"e\u0301 😀","data":{"x":1}}';
    await send(`${api.url}/v1/models/iris/predict`, { method: 'POST', body: Buffer.from(text, 'utf8') });
    const { event } = stub.last();
    assert.equal(event.isBase64Encoded, false);
    assert.equal(event.body, text);
  });

  it('sends bytes that are not valid UTF-8 as base64 with isBase64Encoded', async () => {
    const bytes = Buffer.concat([Buffer.from('{"userTag":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]);
    await send(`${api.url}/v1/models/iris/predict`, { method: 'POST', body: bytes });
    const { event } = stub.last();
    assert.equal(event.isBase64Encoded, true);
    assert.deepEqual(Buffer.from(event.body ?? '', 'base64'), bytes);
  });

  it('gives the handler a Lambda context whose remaining time counts down from 29 s', async () => {
    stub.answer(async (_event, context) => {
      await sleep(120);
      return { statusCode: 200, body: String(context.getRemainingTimeInMillis()) };
    });
    const res = await send(`${api.url}/v1/models`);
    const { context, remainingAtStart } = stub.last();
    assert.ok(remainingAtStart <= 29_000 && remainingAtStart > 28_500, `at start: ${remainingAtStart}`);
    const atEnd = Number(res.text);
    assert.ok(atEnd <= remainingAtStart - 100, `after 120 ms: ${atEnd} (was ${remainingAtStart})`);
    assert.equal(context.functionName, 'contract-adapter-local');
    assert.match(context.invokedFunctionArn, /^arn:aws:lambda:[a-z0-9-]+:\d{12}:function:contract-adapter-local$/);
  });

  it('gives each request its own 29 s budget', async () => {
    await send(`${api.url}/v1/models`);
    await sleep(150);
    await send(`${api.url}/v1/models`);
    assert.ok(stub.last().remainingAtStart > 28_500);
  });

  it('answers with the handler status, headers (multi-value too) and body', async () => {
    stub.answer(async () => ({
      statusCode: 201,
      headers: { 'Content-Type': 'application/json; charset=utf-8', 'X-One': 'a' },
      multiValueHeaders: { 'X-Many': ['b', 'c'] },
      body: '{"userTag":"é","result":{}}',
    }));
    const res = await send(`${api.url}/v1/models`);
    assert.equal(res.status, 201);
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(res.headers['x-one'], 'a');
    const many = res.rawHeaders.flatMap((v, i) => (i % 2 === 0 && v.toLowerCase() === 'x-many' ? [res.rawHeaders[i + 1]] : []));
    assert.deepEqual(many, ['b', 'c']);
    assert.equal(res.text, '{"userTag":"é","result":{}}');
    assert.equal(res.headers['content-length'], String(Buffer.byteLength('{"userTag":"é","result":{}}')));
  });

  it('decodes a base64 result body', async () => {
    stub.answer(async () => ({ statusCode: 200, isBase64Encoded: true, body: Buffer.from([1, 2, 250]).toString('base64') }));
    const res = await send(`${api.url}/v1/models`);
    assert.deepEqual([...res.body], [1, 2, 250]);
  });

  it('answers 502 in the contract shape when the handler throws, without leaking the error', async () => {
    stub.answer(async () => {
      throw new Error('secret stack detail');
    });
    const res = await send(`${api.url}/v1/models`);
    assert.equal(res.status, 502);
    const body = res.json() as { userTag: unknown; error: Record<string, unknown> };
    assert.equal(body.userTag, null);
    assert.equal(body.error.code, 'INTERNAL');
    assert.equal(body.error.requestId, stub.last().event.requestContext.requestId);
    assert.doesNotMatch(res.text, /secret/);
  });

  it('answers 502 when the handler returns something API Gateway would refuse', async () => {
    stub.answer(async () => ({ body: 'no status' }));
    const res = await send(`${api.url}/v1/models`);
    assert.equal(res.status, 502);
    assert.equal((res.json() as { error: { code: string } }).error.code, 'INTERNAL');
  });
});

describe('local API server: the 10 MB body cap', () => {
  const tooLargeShape = (res: { status: number; headers: Record<string, unknown>; json(): unknown }): void => {
    assert.equal(res.status, 413);
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
    const body = res.json() as Record<string, unknown>;
    assert.deepEqual(Object.keys(body), ['userTag', 'error']);
    assert.equal(body.userTag, null);
    const error = body.error as Record<string, unknown>;
    assert.equal(error.code, 'PAYLOAD_TOO_LARGE');
    assert.equal(typeof error.message, 'string');
    assert.match(String(error.requestId), UUID);
    assert.equal(error.requestId, res.headers['x-amzn-requestid']);
    assert.equal(error.retryable, false);
  };

  describe('with a small cap', () => {
    const stub = recorder();
    let api: ApiServer;
    before(async () => {
      api = await startApiServer({ handler: stub.handler, port: 0, maxBodyBytes: 100 });
    });
    after(() => api.close());
    beforeEach(() => {
      stub.calls.length = 0;
    });

    it('passes a body of exactly the cap', async () => {
      const res = await send(`${api.url}/v1/models/iris/predict`, { method: 'POST', body: 'x'.repeat(100) });
      assert.equal(res.status, 200);
      assert.equal(stub.last().event.body, 'x'.repeat(100));
    });

    it('answers 413 one byte over, without invoking the handler', async () => {
      const res = await send(`${api.url}/v1/models/iris/predict`, { method: 'POST', body: 'x'.repeat(101) });
      tooLargeShape(res);
      assert.equal(stub.calls.length, 0);
    });

    it('answers 413 to a chunked body that grows past the cap', async () => {
      const res = await new Promise<{ status: number; headers: Record<string, unknown>; json(): unknown }>((resolve, reject) => {
        const req = httpRequest(`${api.url}/v1/models/iris/predict`, { method: 'POST', agent: false }, (r) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () =>
            resolve({ status: r.statusCode ?? 0, headers: r.headers, json: () => JSON.parse(Buffer.concat(chunks).toString()) }),
          );
        });
        req.on('error', reject);
        for (let i = 0; i < 5; i++) req.write('y'.repeat(30));
        req.end();
      });
      tooLargeShape(res);
      assert.equal(stub.calls.length, 0);
    });

    it('refuses an over-cap Expect: 100-continue request before the body is sent', async () => {
      const { status, continued } = await new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
        let continued = false;
        const req = httpRequest(`${api.url}/v1/models/iris/predict`, {
          method: 'POST',
          agent: false,
          headers: { expect: '100-continue', 'content-length': '5000' },
        });
        req.on('continue', () => {
          continued = true;
          req.end('z'.repeat(5000));
        });
        req.on('response', (r) => {
          r.resume();
          r.on('end', () => {
            resolve({ status: r.statusCode ?? 0, continued });
            req.destroy();
          });
        });
        req.on('error', reject);
        req.flushHeaders();
      });
      assert.equal(status, 413);
      assert.equal(continued, false);
    });
  });

  describe('with the default cap', () => {
    const stub = recorder();
    let api: ApiServer;
    before(async () => {
      api = await startApiServer({ handler: stub.handler, port: 0 });
    });
    after(() => api.close());

    it('is API Gateway’s 10 MB', () => {
      assert.equal(API_GATEWAY_MAX_BODY_BYTES, 10 * 1024 * 1024);
    });

    it('passes 10 MB and answers 413 to 10 MB + 1 byte', async () => {
      const ok = await send(`${api.url}/v1/models/iris/predict`, { method: 'POST', body: Buffer.alloc(API_GATEWAY_MAX_BODY_BYTES, 0x61) });
      assert.equal(ok.status, 200);
      assert.equal(stub.last().event.body?.length, API_GATEWAY_MAX_BODY_BYTES);
      stub.calls.length = 0;
      const over = await send(`${api.url}/v1/models/iris/predict`, {
        method: 'POST',
        body: Buffer.alloc(API_GATEWAY_MAX_BODY_BYTES + 1, 0x61),
      });
      tooLargeShape(over);
      assert.equal(stub.calls.length, 0);
    });
  });
});

describe('local API server: the 29 s integration timeout', () => {
  it('answers 504 in the contract shape when the handler outlives its budget', async () => {
    const api = await startApiServer({
      handler: () => new Promise((resolve) => setTimeout(() => resolve({ statusCode: 200, body: 'late' }), 500)),
      port: 0,
      budgetMs: 50,
    });
    try {
      const started = Date.now();
      const res = await send(`${api.url}/v1/models`);
      assert.equal(res.status, 504);
      assert.ok(Date.now() - started < 450, 'did not wait for the handler');
      const body = res.json() as { userTag: unknown; error: { code: string; retryable: boolean } };
      assert.equal(body.userTag, null);
      assert.equal(body.error.code, 'UPSTREAM_TIMEOUT');
      assert.equal(body.error.retryable, true);
    } finally {
      await api.close();
    }
  });
});

describe('local API server: lifecycle', () => {
  it('frees its port on close', async () => {
    const api = await startApiServer({ handler: async () => ({ statusCode: 204 }), port: 0 });
    const res = await send(`${api.url}/`);
    assert.equal(res.status, 204);
    await api.close();
    await assert.rejects(send(`${api.url}/`), { code: 'ECONNREFUSED' });
  });

  it('logs one line per request when asked', async () => {
    const lines: string[] = [];
    const api = await startApiServer({ handler: async () => ({ statusCode: 204 }), port: 0, log: (l) => lines.push(l) });
    try {
      await send(`${api.url}/v1/models`);
      assert.equal(lines.length, 1);
      assert.match(lines[0] ?? '', /^GET \/v1\/models -> 204 /);
    } finally {
      await api.close();
    }
  });
});

describe('local API server: its own errors match the stack’s gateway responses', () => {
  it('words 413, 504 and 502 as infra/gateway-responses.ts does', async () => {
    const { GATEWAY_ERRORS } = await import('../../infra/gateway-responses.ts');
    const { ResponseType } = await import('aws-cdk-lib/aws-apigateway');
    const infra = (type: { responseType: string }) => {
      const found = GATEWAY_ERRORS.find((e) => e.type.responseType === type.responseType);
      assert.ok(found, type.responseType);
      return { code: found.code, message: found.message, retryable: found.retryable, status: found.statusCode };
    };
    const local = (spec: { status: number; code: string; message: string; retryable: boolean }, status?: string) => ({
      code: spec.code,
      message: spec.message,
      retryable: spec.retryable,
      status,
    });
    assert.deepEqual(local(LOCAL_GATEWAY_ERRORS.tooLarge, '413'), infra(ResponseType.REQUEST_TOO_LARGE));
    assert.deepEqual(local(LOCAL_GATEWAY_ERRORS.timedOut, '504'), infra(ResponseType.INTEGRATION_TIMEOUT));
    // DEFAULT_5XX keeps API Gateway's own status, which is 502 for a failed Lambda proxy call.
    assert.deepEqual(local(LOCAL_GATEWAY_ERRORS.functionFailed), infra(ResponseType.DEFAULT_5XX));
    assert.equal(LOCAL_GATEWAY_ERRORS.functionFailed.status, 502);
  });
});
