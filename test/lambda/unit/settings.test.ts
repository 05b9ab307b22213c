import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  LAMBDA_ENVIRONMENT,
  MAX_JSON_DEPTH,
  MAX_REQUEST_BYTES,
  MAX_RESPONSE_BYTES,
  PARAMETER_CACHE_TTL_SECONDS,
  UPSTREAM_TIMEOUT_MS,
  type IntegerVariable,
} from '../../../lambda/environment.ts';
import { readSettings, readTelemetrySettings, SettingsError } from '../../../lambda/settings.ts';

describe('readSettings', () => {
  test('defaults from docs/contract.md', () => {
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

  // Each integer variable, and the Settings field it is read into.
  const integers: [IntegerVariable, (settings: ReturnType<typeof readSettings>) => number][] = [
    [PARAMETER_CACHE_TTL_SECONDS, (settings) => settings.cacheTtlMs / 1000],
    [UPSTREAM_TIMEOUT_MS, (settings) => settings.upstreamTimeoutMs],
    [MAX_REQUEST_BYTES, (settings) => settings.maxRequestBytes],
    [MAX_RESPONSE_BYTES, (settings) => settings.maxResponseBytes],
    [MAX_JSON_DEPTH, (settings) => settings.maxJsonDepth],
  ];

  test("reads every integer variable with lambda/environment.ts's default and range: both edges in, one past each out", () => {
    for (const [variable, field] of integers) {
      assert.equal(field(readSettings({ PARAMETER_PREFIX: '/p' })), variable.default, variable.name);
      assert.equal(field(readSettings({ PARAMETER_PREFIX: '/p', [variable.name]: '  ' })), variable.default, variable.name);
      for (const value of [variable.min, variable.max]) {
        assert.equal(field(readSettings({ PARAMETER_PREFIX: '/p', [variable.name]: String(value) })), value, `${variable.name}=${value}`);
      }
      for (const value of [variable.min - 1, variable.max + 1]) {
        assert.throws(
          () => readSettings({ PARAMETER_PREFIX: '/p', [variable.name]: String(value) }),
          (e: unknown) => e instanceof SettingsError && e.message === `${variable.name} must be an integer from ${variable.min} to ${variable.max}, got "${value}"`,
          `${variable.name}=${value}`,
        );
      }
    }
  });

  test('takes a model deadline from 100 ms, the CDK stack\'s floor too (it took 1 ms before)', () => {
    assert.equal(UPSTREAM_TIMEOUT_MS.min, 100);
    assert.equal(readSettings({ PARAMETER_PREFIX: '/p', UPSTREAM_TIMEOUT_MS: '100' }).upstreamTimeoutMs, 100);
    for (const value of ['1', '99']) {
      assert.throws(() => readSettings({ PARAMETER_PREFIX: '/p', UPSTREAM_TIMEOUT_MS: value }), /UPSTREAM_TIMEOUT_MS must be an integer from 100 to 900000/);
    }
  });
});

describe('readTelemetrySettings', () => {
  test("defaults to lambda/environment.ts's service name and namespace, which the stack sets", () => {
    assert.deepEqual(readTelemetrySettings({}), { serviceName: 'contract-adapter', metricsNamespace: 'ContractAdapter' });
    assert.deepEqual(readTelemetrySettings({ POWERTOOLS_SERVICE_NAME: ' svc ', POWERTOOLS_METRICS_NAMESPACE: 'Ns' }), { serviceName: 'svc', metricsNamespace: 'Ns' });
  });
});

describe("README's environment table", () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  /** `| \`NAME\` | default | what |` rows, by variable name. */
  const rows = new Map(
    [...readme.matchAll(/^\| `([A-Z_]+)`(?:, `[A-Z_]+`)* \| ([^|]*) \|/gm)].map((match) => [match[1]!, match[2]!.trim()]),
  );

  // The table is what an operator sets; the two Powertools names are the stack's own, fixed
  // (infra/settings/function.ts), and README does not list them.
  test('lists every variable of lambda/environment.ts an operator sets, with its default', () => {
    for (const variable of LAMBDA_ENVIRONMENT) {
      if (variable.name.startsWith('POWERTOOLS_')) continue;
      const documented = rows.get(variable.name);
      assert.ok(documented !== undefined, `README.md has no row for ${variable.name}`);
      if (variable.default === undefined) assert.equal(documented, 'required', variable.name);
      else if (variable.default === '') assert.match(documented, /^empty/, variable.name);
      else assert.equal(documented, String(variable.default), variable.name);
    }
  });
});
