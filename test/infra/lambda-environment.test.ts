// The Lambda's environment, round trip: what the stack writes (lambdaEnvironment, from parsed
// context) is what the Lambda reads (readSettings), and both refuse the same edges of the
// ranges they share (lambda/environment.ts).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isAddressAllowed } from '../../lambda/config/allowlist.ts';
import {
  LAMBDA_ENVIRONMENT,
  MAX_JSON_DEPTH,
  MAX_REQUEST_BYTES,
  MAX_RESPONSE_BYTES,
  PARAMETER_CACHE_TTL_SECONDS,
  UPSTREAM_TIMEOUT_MS,
} from '../../lambda/environment.ts';
import type { IntegerVariable } from '../../lambda/environment.ts';
import { readSettings, readTelemetrySettings, SettingsError as LambdaSettingsError } from '../../lambda/settings.ts';
import { contextRange } from '../../infra/settings/function.ts';
import { ENVIRONMENT_CONTEXT, lambdaEnvironment, parseSettings, SettingsError } from '../../infra/settings/index.ts';
import type { LambdaEnvironmentSettings, SettingsContext } from '../../infra/settings/index.ts';
import { documentedFullContext, projectFile } from './synth.ts';

type ContextKey = keyof typeof ENVIRONMENT_CONTEXT;
const CONTEXT_KEYS = Object.keys(ENVIRONMENT_CONTEXT) as ContextKey[];

/** The Lambda's longest timeout the context allows, and the longest model deadline under it. */
const LONGEST = { timeoutSeconds: 28, upstreamTimeoutMs: 28_000 - 1000 };

/** readSettings(lambdaEnvironment(settings)) gives back every value of `settings`. */
function assertRoundTrip(settings: LambdaEnvironmentSettings, label: string): void {
  const env = lambdaEnvironment(settings);
  const read = readSettings(env);
  assert.equal(read.parameterPrefix, settings.parameterPrefix, label);
  assert.equal(read.cacheTtlMs, settings.parameterCacheTtlSeconds * 1000, label);
  assert.equal(read.upstreamTimeoutMs, settings.upstreamTimeoutMs, label);
  assert.equal(read.maxRequestBytes, settings.maxRequestBytes, label);
  assert.equal(read.maxResponseBytes, settings.maxResponseBytes, label);
  assert.equal(read.maxJsonDepth, settings.maxJsonDepth, label);
  const hosts = settings.upstreamAllowlist.filter((entry) => !entry.includes('/'));
  const cidrs = settings.upstreamAllowlist.filter((entry) => entry.includes('/'));
  assert.equal(read.upstreamAllowlist.restricted, settings.upstreamAllowlist.length > 0, label);
  assert.deepEqual([...read.upstreamAllowlist.hostnames], hosts, label);
  assert.equal(read.upstreamAllowlist.hasAddresses, cidrs.length > 0, label);
  for (const cidr of cidrs) {
    const [address = '', bits = ''] = cidr.split('/');
    const first = address.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
    const last = first + 2 ** (32 - Number(bits)) - 1;
    const dotted = (n: number) => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
    assert.ok(isAddressAllowed(read.upstreamAllowlist, dotted(first)), `${label}: ${cidr} first address`);
    assert.ok(isAddressAllowed(read.upstreamAllowlist, dotted(last)), `${label}: ${cidr} last address`);
  }
  assert.deepEqual(readTelemetrySettings(env), { serviceName: 'contract-adapter', metricsNamespace: 'ContractAdapter' }, label);
}

function refuses(context: SettingsContext, key: string): boolean {
  try {
    parseSettings(context);
    return false;
  } catch (error) {
    assert.ok(error instanceof SettingsError);
    return error.problems.some((problem) => problem.startsWith(`${key}: `));
  }
}

/** The Lambda variable behind each context key. */
const VARIABLE: Record<ContextKey, IntegerVariable> = {
  parameterCacheTtlSeconds: PARAMETER_CACHE_TTL_SECONDS,
  upstreamTimeoutMs: UPSTREAM_TIMEOUT_MS,
  maxRequestBytes: MAX_REQUEST_BYTES,
  maxResponseBytes: MAX_RESPONSE_BYTES,
  maxJsonDepth: MAX_JSON_DEPTH,
};

describe('lambdaEnvironment, read back by readSettings', () => {
  it('writes every variable of lambda/environment.ts, in its order, and nothing else', () => {
    assert.deepEqual(Object.keys(lambdaEnvironment(parseSettings({}).function)), LAMBDA_ENVIRONMENT.map((variable) => variable.name));
  });

  it("round-trips the consumers' key ids (CONSUMER_API_KEYS), several keys per consumer included", () => {
    const consumerApiKeys = new Map([['k0a1b2c3d4', 'default'], ['k9z8y7x6w5', 'team-a'], ['kq1w2e3r4t', 'team-a']]);
    const read = readSettings(lambdaEnvironment(parseSettings({}).function, { consumerApiKeys }));
    assert.deepEqual([...read.consumerApiKeys], [...consumerApiKeys]);
    assert.equal(readSettings(lambdaEnvironment(parseSettings({}).function)).consumerApiKeys.size, 0);
  });

  it('round-trips the defaults and the documented full context', () => {
    assertRoundTrip(parseSettings({}).function, 'defaults');
    const full = parseSettings(documentedFullContext()).function;
    assert.deepEqual(full.upstreamAllowlist, ['churn.models.internal', '10.40.16.0/20', '10.40.32.0/20']);
    assertRoundTrip(full, 'full context');
  });

  it('round-trips each context range at both ends, one key at a time and all at once', () => {
    for (const key of CONTEXT_KEYS) {
      const { min, max } = ENVIRONMENT_CONTEXT[key];
      const longest = key === 'upstreamTimeoutMs' ? LONGEST : { [key]: max, timeoutSeconds: LONGEST.timeoutSeconds };
      assertRoundTrip(parseSettings({ [key]: min }).function, `${key}=${min}`);
      assertRoundTrip(parseSettings(longest).function, `${key} at its longest`);
    }
    const lows = Object.fromEntries(CONTEXT_KEYS.map((key) => [key, ENVIRONMENT_CONTEXT[key].min]));
    const highs = { ...Object.fromEntries(CONTEXT_KEYS.map((key) => [key, ENVIRONMENT_CONTEXT[key].max])), ...LONGEST };
    assertRoundTrip(parseSettings({ ...lows, timeoutSeconds: 3 }).function, 'every minimum');
    assertRoundTrip(parseSettings(highs).function, 'every maximum');
  });

  it("round-trips the Lambda's own ranges at both ends, past what the context allows", () => {
    const base = parseSettings({}).function;
    const at = (pick: 'min' | 'max'): LambdaEnvironmentSettings => ({
      ...base,
      parameterCacheTtlSeconds: PARAMETER_CACHE_TTL_SECONDS[pick],
      upstreamTimeoutMs: UPSTREAM_TIMEOUT_MS[pick],
      maxRequestBytes: MAX_REQUEST_BYTES[pick],
      maxResponseBytes: MAX_RESPONSE_BYTES[pick],
      maxJsonDepth: MAX_JSON_DEPTH[pick],
    });
    assertRoundTrip(at('min'), "the Lambda's minimums");
    assertRoundTrip(at('max'), "the Lambda's maximums");
  });

  it('never writes what readSettings refuses: any context the parser accepts reads back', () => {
    const stage = fc.stringMatching(/^[a-z][a-z0-9-]{0,19}$/);
    const integerIn = (key: ContextKey) => fc.integer({ min: ENVIRONMENT_CONTEXT[key].min, max: ENVIRONMENT_CONTEXT[key].max });
    const context = fc
      .record({
        stage,
        timeoutSeconds: fc.integer({ min: 3, max: 28 }),
        parameterCacheTtlSeconds: integerIn('parameterCacheTtlSeconds'),
        maxRequestBytes: integerIn('maxRequestBytes'),
        maxResponseBytes: integerIn('maxResponseBytes'),
        maxJsonDepth: integerIn('maxJsonDepth'),
        deadlineShare: fc.double({ min: 0, max: 1, noNaN: true }),
        modelHosts: fc.uniqueArray(fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?(\.[a-z0-9]{1,8}){0,2}$/), { maxLength: 3 }),
      })
      .map(({ deadlineShare, modelHosts, ...rest }) => {
        const { min } = ENVIRONMENT_CONTEXT.upstreamTimeoutMs;
        const upstreamTimeoutMs = min + Math.floor(deadlineShare * (rest.timeoutSeconds * 1000 - 1000 - min));
        return { ...rest, upstreamTimeoutMs, ...(modelHosts.length > 0 ? { modelHosts } : {}) };
      });
    fc.assert(
      fc.property(context, (ctx) => {
        assertRoundTrip(parseSettings(ctx).function, JSON.stringify(ctx));
      }),
      { numRuns: 300 },
    );
  });
});

describe("the context's ranges and the Lambda's", () => {
  it("lie inside the Lambda's ranges and hold its defaults", () => {
    for (const key of CONTEXT_KEYS) {
      const range = ENVIRONMENT_CONTEXT[key];
      const variable = VARIABLE[key];
      assert.equal(range.variable, variable, key);
      assert.ok(variable.min <= range.min && range.max <= variable.max, `${key}: ${range.min}..${range.max} outside ${variable.min}..${variable.max}`);
      assert.equal(range.default, variable.default, key);
      assert.equal(parseSettings({}).function[key], variable.default, key);
    }
    assert.throws(() => contextRange(MAX_JSON_DEPTH, { max: MAX_JSON_DEPTH.max + 1 }), /MAX_JSON_DEPTH: the context range 1 to 1001 must lie inside the Lambda's 1 to 1000/);
    assert.throws(() => contextRange(MAX_JSON_DEPTH, { max: MAX_JSON_DEPTH.default - 1 }), /hold its default 64/);
  });

  it("are narrowed only where a deployment has a limit of its own: the TTL, and the byte caps under Lambda's 6 MB", () => {
    const narrowed = CONTEXT_KEYS.filter((key) => ENVIRONMENT_CONTEXT[key].min !== VARIABLE[key].min || ENVIRONMENT_CONTEXT[key].max !== VARIABLE[key].max);
    assert.deepEqual(narrowed, ['parameterCacheTtlSeconds', 'maxRequestBytes', 'maxResponseBytes']);
    assert.deepEqual(
      Object.fromEntries(CONTEXT_KEYS.map((key) => [key, [ENVIRONMENT_CONTEXT[key].min, ENVIRONMENT_CONTEXT[key].max]])),
      {
        parameterCacheTtlSeconds: [1, 3600],
        upstreamTimeoutMs: [100, 900_000],
        maxRequestBytes: [1024, 3 * 1024 * 1024],
        maxResponseBytes: [1024, 5.5 * 1024 * 1024],
        maxJsonDepth: [1, 1000],
      },
    );
  });

  it('both refuse one past either end of the range they share', () => {
    for (const key of CONTEXT_KEYS) {
      const variable = VARIABLE[key];
      for (const value of [variable.min - 1, variable.max + 1]) {
        assert.ok(refuses({ [key]: value }, key), `the context took ${key}=${value}`);
        assert.throws(() => readSettings({ PARAMETER_PREFIX: '/p', [variable.name]: String(value) }), LambdaSettingsError, `the Lambda took ${variable.name}=${value}`);
      }
    }
  });

  it('the context refuses one past either end of its own range, narrowed or not', () => {
    for (const key of CONTEXT_KEYS) {
      const { min, max } = ENVIRONMENT_CONTEXT[key];
      for (const value of [min - 1, max + 1]) assert.ok(refuses({ [key]: value }, key), `the context took ${key}=${value}`);
    }
  });

  it('agree on the shortest model deadline, 100 ms (the Lambda took 1 ms)', () => {
    assert.equal(parseSettings({ upstreamTimeoutMs: 100 }).function.upstreamTimeoutMs, 100);
    assert.equal(readSettings({ PARAMETER_PREFIX: '/p', UPSTREAM_TIMEOUT_MS: '100' }).upstreamTimeoutMs, 100);
    assert.ok(refuses({ upstreamTimeoutMs: 99 }, 'upstreamTimeoutMs'));
    assert.throws(() => readSettings({ PARAMETER_PREFIX: '/p', UPSTREAM_TIMEOUT_MS: '99' }), /UPSTREAM_TIMEOUT_MS must be an integer from 100 to 900000/);
  });

  it('agree on the deepest JSON, 1,000 levels', () => {
    assert.equal(parseSettings({ maxJsonDepth: 1000 }).function.maxJsonDepth, 1000);
    assert.equal(readSettings({ PARAMETER_PREFIX: '/p', MAX_JSON_DEPTH: '1000' }).maxJsonDepth, 1000);
    for (const depth of [1001, 10_000]) {
      assert.ok(refuses({ maxJsonDepth: depth }, 'maxJsonDepth'));
      assert.throws(() => readSettings({ PARAMETER_PREFIX: '/p', MAX_JSON_DEPTH: String(depth) }), /MAX_JSON_DEPTH must be an integer from 1 to 1000/);
    }
  });
});

describe("docs/deploy.md's Settings table", () => {
  it("states each Lambda key's variable, default and range as the code has them", () => {
    const doc = readFileSync(projectFile('docs/deploy.md'), 'utf8');
    for (const key of CONTEXT_KEYS) {
      const { variable, min, max } = ENVIRONMENT_CONTEXT[key];
      const row = new RegExp(`^\\| \`${key}\` \\| \`(\\d+)\` \\| \`([A-Z_]+)\`, (\\d+) to (\\d+)\\b`, 'm').exec(doc);
      assert.ok(row, `no row for ${key} in the form "| \`${key}\` | \`default\` | \`NAME\`, min to max"`);
      assert.deepEqual(row.slice(1), [String(variable.default), variable.name, String(min), String(max)], key);
    }
    assert.match(doc, /declared once, in `lambda\/environment.ts`/);
  });
});
