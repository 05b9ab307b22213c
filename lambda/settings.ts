// Every environment variable the adapter reads, read once into a typed object. A bad value is
// a deployment mistake: it is reported by name, never silently replaced by a default.
// Names, defaults and ranges are lambda/environment.ts's, which the CDK stack checks against too.
import { parseAllowlist, type Allowlist } from './config/allowlist.ts';
import {
  CONSUMER_API_KEYS,
  MAX_JSON_DEPTH,
  MAX_JSON_DEPTH_LIMIT,
  MAX_REQUEST_BYTES,
  MAX_RESPONSE_BYTES,
  PARAMETER_CACHE_TTL_SECONDS,
  PARAMETER_PREFIX,
  POWERTOOLS_METRICS_NAMESPACE,
  POWERTOOLS_SERVICE_NAME,
  UPSTREAM_ALLOWLIST,
  UPSTREAM_TIMEOUT_MS,
  type IntegerVariable,
} from './environment.ts';
import { parseConsumerApiKeys } from './observability/consumer.ts';

export { MAX_JSON_DEPTH_LIMIT };

export interface Settings {
  /** Where the configuration lives in SSM, without a trailing slash (`/contract-adapter/prod`). */
  parameterPrefix: string;
  cacheTtlMs: number;
  upstreamTimeoutMs: number;
  maxRequestBytes: number;
  maxResponseBytes: number;
  maxJsonDepth: number;
  upstreamAllowlist: Allowlist;
  /** CONSUMER_API_KEYS: API key id -> consumer name (observability/consumer.ts). */
  consumerApiKeys: ReadonlyMap<string, string>;
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

function integer(env: Env, { name, default: fallback, min, max }: IntegerVariable): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new SettingsError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function prefix(env: Env): string {
  const { name } = PARAMETER_PREFIX;
  const raw = env[name]?.trim();
  if (!raw) throw new SettingsError(`${name} is required (for example /contract-adapter/prod)`);
  const trimmed = raw.replace(/\/+$/, '');
  if (!/^(\/[A-Za-z0-9_.-]+)+$/.test(trimmed)) {
    throw new SettingsError(`${name} must be an SSM path such as /contract-adapter/prod, got ${JSON.stringify(raw)}`);
  }
  return trimmed;
}

export function readSettings(env: Env = process.env): Settings {
  let upstreamAllowlist: Allowlist;
  try {
    upstreamAllowlist = parseAllowlist(env[UPSTREAM_ALLOWLIST.name] ?? UPSTREAM_ALLOWLIST.default);
  } catch (error) {
    throw new SettingsError(`${UPSTREAM_ALLOWLIST.name}: ${(error as Error).message}`);
  }
  let consumerApiKeys: ReadonlyMap<string, string>;
  try {
    consumerApiKeys = parseConsumerApiKeys(env[CONSUMER_API_KEYS.name]);
  } catch (error) {
    throw new SettingsError(`${CONSUMER_API_KEYS.name} ${(error as Error).message}`);
  }
  return {
    parameterPrefix: prefix(env),
    cacheTtlMs: integer(env, PARAMETER_CACHE_TTL_SECONDS) * 1000,
    upstreamTimeoutMs: integer(env, UPSTREAM_TIMEOUT_MS),
    maxRequestBytes: integer(env, MAX_REQUEST_BYTES),
    maxResponseBytes: integer(env, MAX_RESPONSE_BYTES),
    maxJsonDepth: integer(env, MAX_JSON_DEPTH),
    upstreamAllowlist,
    consumerApiKeys,
    deadlineMarginMs: 500,
    ssmBudgetMs: 3_000,
  };
}

/** POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE as the CDK stack sets them, with the same defaults locally. */
export function readTelemetrySettings(env: Env = process.env): TelemetrySettings {
  return {
    serviceName: env[POWERTOOLS_SERVICE_NAME.name]?.trim() || POWERTOOLS_SERVICE_NAME.default,
    metricsNamespace: env[POWERTOOLS_METRICS_NAMESPACE.name]?.trim() || POWERTOOLS_METRICS_NAMESPACE.default,
  };
}
