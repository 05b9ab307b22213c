// The local API server's API keys and authorizer (local/api-server.ts), with stand-in
// authorizers: API Gateway's order (authorizer, then key, then the function), each refusal in
// B's error shape, and what the function's event then carries.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { LOCAL_GATEWAY_ERRORS, startApiServer, type TokenAuthorizerHandler } from '../../local/api-server.ts';
import { send } from './http.ts';

const TOKEN = 'Bearer aaa.bbb.ccc';

async function withServer(options: { authorizer?: TokenAuthorizerHandler; apiKeys?: ReadonlyMap<string, string> }, run: (url: string, events: APIGatewayProxyEvent[]) => Promise<void>) {
  const events: APIGatewayProxyEvent[] = [];
  const api = await startApiServer({
    ...options,
    handler: async (event) => {
      events.push(event);
      return { statusCode: 200, body: '{}' };
    },
  });
  try {
    await run(api.url, events);
  } finally {
    await api.close();
  }
}

const allow = (context: Record<string, string> = {}): TokenAuthorizerHandler => async () => ({
  principalId: 'svc-b',
  policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: '*' }] },
  context,
});

const errorOf = async (response: Awaited<ReturnType<typeof send>>) => {
  const body = response.json() as { userTag: null; error: { code: string; message: string; requestId: string; retryable: boolean } };
  return { status: response.status, code: body.error.code, message: body.error.message, retryable: body.error.retryable, userTag: body.userTag };
};
const expected = (spec: { status: number; code: string; message: string; retryable: boolean }) => ({ ...spec, userTag: null });

describe('the local API server, with an authorizer', () => {
  it('hands the authorizer a TOKEN event for the method, and the function its principal and context', async () => {
    const seen: { type: string; authorizationToken: string; methodArn: string }[] = [];
    const authorizer: TokenAuthorizerHandler = async (event) => {
      seen.push(event);
      return allow({ sub: 'svc-b' })(event);
    };
    await withServer({ authorizer }, async (url, events) => {
      const response = await send(`${url}/v1/models?x=1`, { headers: { authorization: TOKEN } });
      assert.equal(response.status, 200);
      assert.deepEqual(seen, [{ type: 'TOKEN', authorizationToken: TOKEN, methodArn: 'arn:aws:execute-api:us-east-1:000000000000:local/local/GET/v1/models' }]);
      assert.deepEqual(events[0]?.requestContext.authorizer, { principalId: 'svc-b', sub: 'svc-b' });
    });
  });

  it('401 without a bearer token (the authorizer is not called), or when it throws Unauthorized; 403 on a Deny; 500 when it fails', async () => {
    let calls = 0;
    const verdicts: Record<string, TokenAuthorizerHandler> = {
      unauthorized: async () => {
        calls += 1;
        throw new Error('Unauthorized');
      },
      deny: async () => ({ principalId: 'x', policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: '*' }] } }),
      broken: async () => {
        throw new TypeError('no keys');
      },
      malformed: async () => ({}) as never,
    };
    await withServer({ authorizer: verdicts.unauthorized }, async (url, events) => {
      for (const token of [undefined, 'Bearer', 'Bearer a.b', 'Basic abc']) {
        assert.deepEqual(await errorOf(await send(`${url}/v1/models`, { headers: token === undefined ? {} : { authorization: token } })), expected(LOCAL_GATEWAY_ERRORS.unauthorized));
      }
      assert.equal(calls, 0, 'API Gateway refuses what does not match the validation expression itself');
      assert.deepEqual(await errorOf(await send(`${url}/v1/models`, { headers: { authorization: TOKEN } })), expected(LOCAL_GATEWAY_ERRORS.unauthorized));
      assert.equal(calls, 1);
      assert.equal(events.length, 0);
    });
    await withServer({ authorizer: verdicts.deny }, async (url) => {
      assert.deepEqual(await errorOf(await send(`${url}/v1/models`, { headers: { authorization: TOKEN } })), expected(LOCAL_GATEWAY_ERRORS.forbidden));
    });
    for (const name of ['broken', 'malformed']) {
      await withServer({ authorizer: verdicts[name] }, async (url) => {
        assert.deepEqual(await errorOf(await send(`${url}/v1/models`, { headers: { authorization: TOKEN } })), expected(LOCAL_GATEWAY_ERRORS.authorizerFailed), name);
      });
    }
  });
});

describe('the local API server, with API keys', () => {
  it("puts the key's id (never the key) in the event, and refuses a missing or unknown key with 403", async () => {
    await withServer({ apiKeys: new Map([['secret-key-a', 'local-team-a']]) }, async (url, events) => {
      assert.equal((await send(`${url}/v1/models`, { headers: { 'x-api-key': 'secret-key-a' } })).status, 200);
      assert.equal(events[0]?.requestContext.identity.apiKeyId, 'local-team-a');
      assert.equal(events[0]?.requestContext.identity.apiKey, null);
      for (const headers of [{}, { 'x-api-key': 'other' }]) {
        assert.deepEqual(await errorOf(await send(`${url}/v1/models`, { headers })), expected(LOCAL_GATEWAY_ERRORS.invalidApiKey));
      }
      assert.equal(events.length, 1);
    });
  });

  it('without keys configured: any key or none, and no key id', async () => {
    await withServer({}, async (url, events) => {
      assert.equal((await send(`${url}/v1/models`, { headers: { 'x-api-key': 'anything' } })).status, 200);
      assert.equal(events[0]?.requestContext.identity.apiKeyId, null);
    });
  });

  it('checks the token before the key, as API Gateway does', async () => {
    await withServer({ apiKeys: new Map([['k', 'id']]), authorizer: allow() }, async (url) => {
      assert.equal((await send(`${url}/v1/models`)).status, 401);
      assert.equal((await send(`${url}/v1/models`, { headers: { authorization: TOKEN } })).status, 403);
      assert.equal((await send(`${url}/v1/models`, { headers: { authorization: TOKEN, 'x-api-key': 'k' } })).status, 200);
    });
  });
});
