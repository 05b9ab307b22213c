// The JWT authorizer on its own (lambda/authorizer/authorizer.ts), against a loopback HTTPS
// JWKS endpoint and real RS256 tokens: the policy it answers with, what it refuses and how, and
// what happens when the issuer's keys cannot be had.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTokenAuthorizer, DENIED_PRINCIPAL, UNAUTHORIZED } from '../../lambda/authorizer/authorizer.ts';
import { signToken, signingKey, startJwksServer, type JwksServer } from '../support/jwks-server.ts';

const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/POST/v1/models/iris/predict';
const key = signingKey('k1');
const now = () => Math.floor(Date.now() / 1000);

describe('the JWT authorizer', () => {
  let jwks: JwksServer;
  before(async () => {
    jwks = await startJwksServer([key]);
  });
  after(() => jwks.close());

  const authorizer = (scopes: string[] = ['predict'], audience = ['adapter', 'adapter-test']) =>
    createTokenAuthorizer({ issuer: jwks.url, audience, scopes, jwksUri: jwks.jwksUri }, { jwksCa: jwks.ca });
  const token = (extra: Record<string, unknown> = {}) => `Bearer ${signToken(key, { iss: jwks.url, aud: 'adapter', sub: 'svc-b', scope: 'predict', exp: now() + 60, ...extra })}`;
  const event = (authorizationToken: string) => ({ authorizationToken, methodArn: METHOD_ARN });

  it("allows a valid token for every route of the stage (API Gateway caches the answer per token), with the subject as principal", async () => {
    const result = await authorizer().authorize(event(token()));
    assert.deepEqual(result, {
      principalId: 'svc-b',
      policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/*/*' }] },
      context: { sub: 'svc-b', scope: 'predict' },
    });
  });

  it('takes any of the audiences, and any scope when none is required', async () => {
    assert.equal((await authorizer().authorize(event(token({ aud: 'adapter-test' })))).policyDocument.Statement[0]!.Effect, 'Allow');
    assert.equal((await authorizer([]).authorize(event(token({ scope: undefined })))).policyDocument.Statement[0]!.Effect, 'Allow');
  });

  it('denies a valid token without the scope (API Gateway: 403 ACCESS_DENIED)', async () => {
    const result = await authorizer(['predict', 'admin']).authorize(event(token({ scope: 'read' })));
    assert.equal(result.principalId, DENIED_PRINCIPAL);
    assert.equal(result.policyDocument.Statement[0]!.Effect, 'Deny');
    assert.equal(result.context, undefined);
  });

  it("throws exactly 'Unauthorized' (API Gateway: 401) for no bearer token, a bad signature, and wrong claims", async () => {
    const valid = token().slice('Bearer '.length);
    const [header, payload, signature] = valid.split('.');
    for (const bad of [
      '',
      valid,
      `Bearer ${header}.${payload}`,
      `Bearer ${header}.${payload}.${signature!.slice(0, -4)}AAAA`,
      token({ exp: now() - 1 }),
      token({ iss: 'https://elsewhere.example.com' }),
      token({ aud: 'other' }),
      `Bearer ${signToken(signingKey('k1'), { iss: jwks.url, aud: 'adapter', exp: now() + 60 })}`,
    ]) {
      await assert.rejects(authorizer().authorize(event(bad)), (error: Error) => error.message === UNAUTHORIZED, bad.slice(0, 40));
    }
  });

  it('fetches the keys once per container (hydrate at cold start), then serves from its cache', async () => {
    const before = jwks.requests();
    const fresh = authorizer();
    await fresh.hydrate();
    assert.equal(jwks.requests(), before + 1);
    for (let i = 0; i < 5; i += 1) await fresh.authorize(event(token()));
    assert.equal(jwks.requests(), before + 1);
  });

  it("fails with another error when the issuer's keys cannot be fetched (API Gateway: AUTHORIZER_FAILURE, 500 in B's shape), never Unauthorized", async () => {
    const down = await startJwksServer([key]);
    down.fail();
    const cold = createTokenAuthorizer({ issuer: jwks.url, audience: ['adapter'], scopes: [], jwksUri: down.jwksUri }, { jwksCa: down.ca });
    await cold.hydrate(); // a failed hydrate is left for the first token to retry
    await assert.rejects(cold.authorize(event(token())), (error: Error) => error.message !== UNAUTHORIZED && /JWKS could not be fetched/.test(error.message));
    await down.close();
  });

  it('refuses a JWKS endpoint whose certificate it cannot verify: fetched over TLS, verified', async () => {
    const untrusted = createTokenAuthorizer({ issuer: jwks.url, audience: ['adapter'], scopes: [], jwksUri: jwks.jwksUri });
    await assert.rejects(untrusted.authorize(event(token())), (error: Error) => error.message !== UNAUTHORIZED);
  });
});
