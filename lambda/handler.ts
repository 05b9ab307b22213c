// The Lambda entry point: the real SSM client, the keep-alive HTTP agent and the settings,
// created once per container and shared by every invocation.
import { SSMClient } from '@aws-sdk/client-ssm';
import { createHandler } from './app.ts';
import { ConfigRegistry } from './config/registry.ts';
import { readParametersByPath } from './config/ssm-parameters.ts';
import { buildSnapshot, type ConfigSnapshot } from './config/snapshot.ts';
import { AdapterError } from './contract/errors.ts';
import { errorResult, type HttpResult } from './contract/response.ts';
import { readHttpRequest, type GatewayEvent } from './http/event.ts';
import { errorFields, jsonLog } from './observability/log.ts';
import { allowlistLookup } from './upstream/lookup.ts';
import { Agent } from './upstream/undici.ts';
import { readSettings, type Settings } from './settings.ts';

const log = jsonLog();

function build(settings: Settings) {
  // Default client configuration, so AWS_REGION and AWS_ENDPOINT_URL_SSM apply; the timeouts
  // keep two attempts inside the refresh budget (without throwOnRequestTimeout the SDK only
  // warns when a request is slow).
  const ssm = new SSMClient({ maxAttempts: 2, requestHandler: { connectionTimeout: 1_000, requestTimeout: 1_500, throwOnRequestTimeout: true } });
  const registry = new ConfigRegistry<ConfigSnapshot>({
    load: async (signal) =>
      buildSnapshot(await readParametersByPath(ssm, settings.parameterPrefix, signal), settings.parameterPrefix, settings.upstreamAllowlist),
    ttlMs: settings.cacheTtlMs,
    refreshBudgetMs: settings.ssmBudgetMs,
    onRefresh: ({ ok, error, ms }) =>
      ok ? log.info('configuration refreshed', { ms }) : log.warn('configuration refresh failed', { ms, ...errorFields(error) }),
  });
  // Short idle timeouts: after a Lambda freeze, pooled sockets may have been closed by the model.
  const dispatcher = new Agent({
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: 15_000,
    connect: { timeout: settings.upstreamTimeoutMs, lookup: allowlistLookup(settings.upstreamAllowlist) },
  });
  return createHandler({ settings, registry, dispatcher, log });
}

/** A broken deployment answers every request in the contract's shape and says why in the log, once. */
function misconfigured(reason: string) {
  log.error('invalid configuration', { reason });
  return async (event: GatewayEvent): Promise<HttpResult> =>
    errorResult(new AdapterError('INTERNAL'), null, readHttpRequest(event ?? {}).requestId);
}

let built: ReturnType<typeof build> | ReturnType<typeof misconfigured>;
try {
  built = build(readSettings());
} catch (error) {
  built = misconfigured((error as Error).message);
}

export const handler = built;
