import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readSettings, SettingsError } from '../../../lambda/settings.ts';

describe('readSettings', () => {
  test('defaults from contract.md', () => {
    const settings = readSettings({ PARAMETER_PREFIX: '/contract-adapter/prod/' });
    assert.equal(settings.parameterPrefix, '/contract-adapter/prod');
    assert.equal(settings.cacheTtlMs, 30_000);
    assert.equal(settings.upstreamTimeoutMs, 10_000);
    assert.equal(settings.maxRequestBytes, 1_048_576);
    assert.equal(settings.maxResponseBytes, 5_242_880);
    assert.equal(settings.maxJsonDepth, 64);
    assert.equal(settings.upstreamAllowlist.restricted, false);
  });
  test('a bad value is an error naming the variable, never a silent default', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{}, /PARAMETER_PREFIX is required/],
      [{ PARAMETER_PREFIX: 'no-slash' }, /PARAMETER_PREFIX/],
      [{ PARAMETER_PREFIX: '/p', UPSTREAM_TIMEOUT_MS: 'soon' }, /UPSTREAM_TIMEOUT_MS/],
      [{ PARAMETER_PREFIX: '/p', MAX_JSON_DEPTH: '0' }, /MAX_JSON_DEPTH/],
      [{ PARAMETER_PREFIX: '/p', UPSTREAM_ALLOWLIST: '10.0.0.0/99' }, /UPSTREAM_ALLOWLIST/],
    ];
    for (const [env, message] of cases) assert.throws(() => readSettings(env), (e: unknown) => e instanceof SettingsError && message.test(e.message));
  });
});
