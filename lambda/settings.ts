// Every environment variable the adapter reads, read once into a typed object. A bad value is
// a deployment mistake: it is reported by name, never silently replaced by a default.
import { parseAllowlist, type Allowlist } from './config/allowlist.ts';

export interface Settings {
  /** Where the configuration lives in SSM, without a trailing slash (`/contract-adapter/prod`). */
  parameterPrefix: string;
  cacheTtlMs: number;
  upstreamTimeoutMs: number;
  maxRequestBytes: number;
  maxResponseBytes: number;
  maxJsonDepth: number;
  upstreamAllowlist: Allowlist;
  /** Kept back from the Lambda's remaining time, to answer B after the model's deadline. */
  deadlineMarginMs: number;
  /** The most a request waits for SSM; past it a cached copy serves, or 503. */
  ssmBudgetMs: number;
}

/** Names Powertools puts on every log line, metric and trace; never a reason to refuse to start. */
export interface TelemetrySettings {
  serviceName: string;
  metricsNamespace: string;
}

export class SettingsError extends Error {
  override name = 'SettingsError';
}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new SettingsError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function prefix(env: Env): string {
  const raw = env.PARAMETER_PREFIX?.trim();
  if (!raw) throw new SettingsError('PARAMETER_PREFIX is required (for example /contract-adapter/prod)');
  const trimmed = raw.replace(/\/+$/, '');
  if (!/^(\/[A-Za-z0-9_.-]+)+$/.test(trimmed)) {
    throw new SettingsError(`PARAMETER_PREFIX must be an SSM path such as /contract-adapter/prod, got ${JSON.stringify(raw)}`);
  }
  return trimmed;
}

/** The deepest `data` the adapter handles end to end (test/lambda/catalogue-h-deep-json.test.ts). */
export const MAX_JSON_DEPTH_LIMIT = 1_000;

export function readSettings(env: Env = process.env): Settings {
  let upstreamAllowlist: Allowlist;
  try {
    upstreamAllowlist = parseAllowlist(env.UPSTREAM_ALLOWLIST ?? '');
  } catch (error) {
    throw new SettingsError(`UPSTREAM_ALLOWLIST: ${(error as Error).message}`);
  }
  return {
    parameterPrefix: prefix(env),
    cacheTtlMs: integer(env, 'PARAMETER_CACHE_TTL_SECONDS', 30, 0, 86_400) * 1000,
    upstreamTimeoutMs: integer(env, 'UPSTREAM_TIMEOUT_MS', 10_000, 1, 900_000),
    maxRequestBytes: integer(env, 'MAX_REQUEST_BYTES', 1_048_576, 1, 10_485_760),
    maxResponseBytes: integer(env, 'MAX_RESPONSE_BYTES', 5_242_880, 1, 100_000_000),
    // 1,000 at most: past a few thousand levels the parsers with a reviver (Middy's prototype
    // guard, the lossless one) and JSON.stringify run out of stack, and a valid body would be
    // called invalid JSON or answered 500. The CDK stack has the same cap.
    maxJsonDepth: integer(env, 'MAX_JSON_DEPTH', 64, 1, MAX_JSON_DEPTH_LIMIT),
    upstreamAllowlist,
    deadlineMarginMs: 500,
    ssmBudgetMs: 3_000,
  };
}

/** POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE as the CDK stack sets them, with the same defaults locally. */
export function readTelemetrySettings(env: Env = process.env): TelemetrySettings {
  return {
    serviceName: env.POWERTOOLS_SERVICE_NAME?.trim() || 'contract-adapter',
    metricsNamespace: env.POWERTOOLS_METRICS_NAMESPACE?.trim() || 'ContractAdapter',
  };
}
