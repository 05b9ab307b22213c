// auth=jwt end to end in local mode (the production-operations issue, item 5): the real
// authorizer (lambda/authorizer/authorizer.ts, aws-jwt-verify) in front of the real handler,
// real RS256 tokens signed here, their keys served by a loopback HTTPS JWKS endpoint. Every
// refusal comes back in B's error shape, as the stack's gateway responses shape it; the keys
// are fetched once and cached. Consumers ride along: the API key names the request's consumer.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gatewayErrorsFor } from '../../infra/gateway-responses.ts';
import { LOCAL_GATEWAY_ERRORS } from '../../local/api-server.ts';
import { EPHEMERAL_DEMO_PORTS } from '../../local/demo-models.ts';
import { startLocal, type LocalMode } from '../../local/start.ts';
import { captureLogs } from '../support/catalogue.ts';
import { signToken, signingKey, startJwksServer, type JwksServer } from '../support/jwks-server.ts';
import { parseLines, requestLines } from '../support/log-lines.ts';
import { send } from './http.ts';

const AUDIENCE = 'contract-adapter';
const SCOPE = 'predict';
const KEY_A = 'local-key-of-team-a';
const current = signingKey('key-2026-12');
const foreign = signingKey('key-elsewhere');
const now = () => Math.floor(Date.now() / 1000);

interface ErrorBody {
  userTag: null;
  error: { code: string; message: string; requestId: string; retryable: boolean };
}

describe('auth=jwt in local mode', () => {
  const logs = captureLogs();
  const dir = mkdtempSync(join(tmpdir(), 'jwt-local-'));
  let jwks: JwksServer;
  let local: LocalMode;
  let issuer: string;
  const claims = (extra: Record<string, unknown> = {}) => ({ iss: issuer, aud: AUDIENCE, sub: 'b-service', scope: `${SCOPE} other`, iat: now(), exp: now() + 300, ...extra });

  before(async () => {
    jwks = await startJwksServer([current]);
    issuer = jwks.url;
    local = await startLocal({
      port: 0,
      demoPorts: EPHEMERAL_DEMO_PORTS,
      parametersFile: join(dir, 'parameters.json'),
      // One JSON line per record (not local mode's indented ones), the EMF lines with them.
      env: { POWERTOOLS_DEV: 'false' },
      auth: { issuer, audience: [AUDIENCE], scopes: [SCOPE], jwksUri: jwks.jwksUri, jwksCa: jwks.ca },
      consumers: { 'team-a': KEY_A },
    });
  });
  after(async () => {
    await local?.close();
    await jwks?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = (token: string | undefined, apiKey: string | undefined = KEY_A) =>
    send(`${local.url}/v1/models`, { headers: { ...(token === undefined ? {} : { authorization: token }), ...(apiKey === undefined ? {} : { 'x-api-key': apiKey }) } });

  const assertRefused = async (token: string | undefined, expected: { status: number; code: string; message: string }, apiKey?: string) => {
    const response = await call(token, apiKey);
    assert.equal(response.status, expected.status, response.text);
    assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
    const body = response.json() as ErrorBody;
    assert.deepEqual(Object.keys(body), ['userTag', 'error']);
    assert.equal(body.userTag, null);
    assert.equal(body.error.code, expected.code);
    assert.equal(body.error.message, expected.message);
    assert.equal(body.error.requestId, response.headers['x-amzn-requestid']);
  };

  it('lets a valid token through with the consumer\'s key: the handler answers, and names the consumer', async () => {
    const mark = logs.text().length;
    const response = await call(`Bearer ${signToken(current, claims())}`);
    assert.equal(response.status, 200, response.text);
    assert.ok(Array.isArray((response.json() as { models: unknown[] }).models));
    const records = parseLines(logs.text().slice(mark));
    assert.equal(requestLines(records)[0]?.consumer, 'team-a');
    assert.equal(records.find((record) => 'Requests' in record)?.consumer, 'team-a', 'and its metrics dimension');
  });

  it('picks up a rotated key: a token with a key id it has not seen refetches the JWKS once', async () => {
    const next = signingKey('key-2027-01');
    jwks.publish([current, next]);
    assert.equal(jwks.requests(), 1, 'the keys were fetched once, then cached');
    const response = await call(`Bearer ${signToken(next, claims())}`);
    assert.equal(response.status, 200, response.text);
    assert.equal(jwks.requests(), 2);
    assert.equal((await call(`Bearer ${signToken(current, claims())}`)).status, 200);
    assert.equal((await call(`Bearer ${signToken(next, claims())}`)).status, 200);
    assert.equal(jwks.requests(), 2, 'both keys cached');
  });

  it('refuses no token, a malformed one and one that is not a bearer token with 401 UNAUTHORIZED', async () => {
    for (const token of [undefined, 'Bearer', 'Bearer not-a-jwt', `Basic ${Buffer.from('a:b').toString('base64')}`, signToken(current, claims())]) {
      await assertRefused(token, LOCAL_GATEWAY_ERRORS.unauthorized);
    }
  });

  it('refuses an expired token, a future one, the wrong issuer or audience, a tampered or foreign signature, alg none, with 401', async () => {
    const valid = signToken(current, claims());
    const [header, payload] = valid.split('.');
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims(), sub: 'someone-else' })).toString('base64url')}.${valid.split('.')[2]}`;
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT', kid: current.kid })).toString('base64url')}.${payload}.${Buffer.from('x').toString('base64url')}`;
    const tokens = {
      expired: signToken(current, claims({ exp: now() - 60 })),
      notYet: signToken(current, claims({ nbf: now() + 600 })),
      issuer: signToken(current, claims({ iss: 'https://other.example.com' })),
      audience: signToken(current, claims({ aud: 'someone-else' })),
      tampered,
      foreign: signToken(foreign, claims(), { kid: current.kid }),
      unknownKid: signToken(foreign, claims()),
      algNone: unsigned,
    };
    for (const [name, token] of Object.entries(tokens)) {
      await assertRefused(`Bearer ${token}`, LOCAL_GATEWAY_ERRORS.unauthorized).catch((error: Error) => {
        throw new Error(`${name}: ${error.message}`);
      });
    }
  });

  it('denies a valid token without a required scope: 403 FORBIDDEN', async () => {
    await assertRefused(`Bearer ${signToken(current, claims({ scope: 'other' }))}`, LOCAL_GATEWAY_ERRORS.forbidden);
    await assertRefused(`Bearer ${signToken(current, claims({ scope: undefined }))}`, LOCAL_GATEWAY_ERRORS.forbidden);
  });

  it('still needs the API key after the token: 403 UNAUTHORIZED for a missing or unknown one', async () => {
    const token = `Bearer ${signToken(current, claims())}`;
    await assertRefused(token, LOCAL_GATEWAY_ERRORS.invalidApiKey, '');
    await assertRefused(token, LOCAL_GATEWAY_ERRORS.invalidApiKey, 'not-a-key');
  });

  it('never refetched for the refused tokens but once, for the first unknown key id (then a penalty box holds it off)', () => {
    assert.equal(jwks.requests(), 3);
  });

  it("words its refusals as the stack's gateway responses do under auth=jwt", () => {
    const infra = (type: string) => gatewayErrorsFor('jwt').find((error) => error.type.responseType === type)!;
    for (const [spec, type] of [[LOCAL_GATEWAY_ERRORS.unauthorized, 'UNAUTHORIZED'], [LOCAL_GATEWAY_ERRORS.forbidden, 'ACCESS_DENIED'], [LOCAL_GATEWAY_ERRORS.invalidApiKey, 'INVALID_API_KEY']] as const) {
      const error = infra(type);
      assert.deepEqual({ status: String(spec.status), code: spec.code, message: spec.message, retryable: spec.retryable }, { status: error.statusCode, code: error.code, message: error.message, retryable: error.retryable }, type);
    }
    const fallback = gatewayErrorsFor('jwt').find((error) => error.type.responseType === 'DEFAULT_5XX')!;
    assert.deepEqual([LOCAL_GATEWAY_ERRORS.authorizerFailed.code, LOCAL_GATEWAY_ERRORS.authorizerFailed.message], [fallback.code, fallback.message]);
  });
});
