// The JWT authorizer's environment, round trip: what the stack writes (authorizerEnvironment,
// from parsed context) is what the authorizer reads (readAuthorizerSettings).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authorizerEnvironment } from '../../infra/settings/auth.ts';
import { parseSettings } from '../../infra/settings/index.ts';
import type { SettingsContext } from '../../infra/settings/index.ts';
import { AUTHORIZER_ENVIRONMENT } from '../../lambda/authorizer/environment.ts';
import { readAuthorizerSettings } from '../../lambda/authorizer/authorizer.ts';

const jwtOf = (context: SettingsContext) => {
  const { auth } = parseSettings({ auth: 'jwt', ...context });
  assert.equal(auth.kind, 'jwt');
  return auth as Extract<typeof auth, { kind: 'jwt' }>;
};

describe('authorizerEnvironment, read back by readAuthorizerSettings', () => {
  it('writes every variable of lambda/authorizer/environment.ts, in its order', () => {
    const auth = jwtOf({ jwtIssuer: 'https://login.example.com', jwtAudience: ['a'] });
    assert.deepEqual(Object.keys(authorizerEnvironment(auth)), AUTHORIZER_ENVIRONMENT.map((variable) => variable.name));
  });

  it('round-trips issuer, audiences, scopes and the JWKS URI, defaulted or given', () => {
    for (const context of [
      { jwtIssuer: 'https://login.example.com', jwtAudience: ['a'] },
      { jwtIssuer: 'https://login.example.com/tenant/', jwtAudience: 'a,b', jwtScopes: 'predict,adapter/read', jwtJwksUri: 'https://keys.example.com/jwks' },
    ]) {
      const auth = jwtOf(context);
      const { kind: _kind, ...expected } = auth;
      assert.deepEqual(readAuthorizerSettings(authorizerEnvironment(auth)), expected, JSON.stringify(context));
    }
  });

  it('refuses to start without an issuer, audiences or a JWKS URI', () => {
    for (const name of ['JWT_ISSUER', 'JWT_AUDIENCE', 'JWT_JWKS_URI']) {
      const env = { JWT_ISSUER: 'https://i.example.com', JWT_AUDIENCE: 'a', JWT_JWKS_URI: 'https://i.example.com/k', [name]: ' ' };
      assert.throws(() => readAuthorizerSettings(env), new RegExp(`^Error: ${name} is required$`));
    }
  });
});
