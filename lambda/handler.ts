// The Lambda entry point: the real SSM client, the keep-alive model connections, the settings
// and the telemetry, created once per container and shared by every invocation.
import { SSMClient } from '@aws-sdk/client-ssm';
import { createHandler } from './app.ts';
import { ConfigRegistry } from './config/registry.ts';
import { ParameterReader } from './config/ssm-parameters.ts';
import { buildSnapshot, newRejections, type ConfigSnapshot } from './config/snapshot.ts';
import { AdapterError } from './contract/errors.ts';
import { errorResult, type HttpResult } from './contract/response.ts';
import { readHttpRequest, type GatewayEvent } from './http/event.ts';
import type { Context } from 'aws-lambda';
import { errorFields } from './observability/log.ts';
import { observeRequest } from './observability/observe-request.ts';
import { createTelemetry, type Telemetry } from './observability/telemetry.ts';
import { modelConnections } from './upstream/connections.ts';
import { tlsAgents } from './upstream/tls-agents.ts';
import { readSettings, readTelemetrySettings, type Settings } from './settings.ts';

/** Lambda's longest timeout: no deadline can be longer. */
const MAX_LAMBDA_MS = 900_000;

const telemetry = await createTelemetry(readTelemetrySettings());
const log = telemetry.logger;

/** The handler for these settings; exported so that tests can scale the SSM budget down. */
export function build(settings: Settings) {
  // Default client configuration, so AWS_REGION and AWS_ENDPOINT_URL_SSM apply. The timeouts
  // bound each page of the read: two attempts of at most 1.5 s each, with the SDK's jittered
  // back-off between them (without throwOnRequestTimeout the SDK only warns when a request is
  // slow). A page that fails fails the refresh, which keeps the pages read and resumes there.
  const ssm = new SSMClient({ maxAttempts: 2, requestHandler: { connectionTimeout: 1_000, requestTimeout: 1_500, throwOnRequestTimeout: true } });
  const reader = new ParameterReader(ssm, settings.parameterPrefix);
  const registry = new ConfigRegistry<ConfigSnapshot>({
    load: (previous) =>
      telemetry.traced('### SSM refresh', async (annotate) => {
        const parameters = await reader.read();
        annotate('parameters', parameters.size);
        const snapshot = buildSnapshot(parameters, settings.parameterPrefix, settings.upstreamAllowlist, previous);
        // Once per version and reason, with what keeps serving meanwhile; never the document itself.
        for (const { kind, name, hash, reason, kept } of newRejections(snapshot, previous)) {
          log.warn(`${kind} config rejected`, { [kind]: name, configHash: hash, reason, servingConfigHash: kept ?? null });
        }
        return snapshot;
      }),
    ttlMs: settings.cacheTtlMs,
    refreshBudgetMs: settings.ssmBudgetMs,
    onRefresh: ({ ok, error, ms, slow }) => {
      if (ok) log.info('configuration refreshed', { ms, pages: reader.lastPassPages, slow });
      else log.warn('configuration refresh failed', { ms, pagesKept: reader.pagesKept, ...errorFields(error) });
      telemetry.metrics.refresh(ok);
    },
  });
  // Each call's deadline bounds its own connect (upstream/connector.ts); undici's cap on
  // connecting is only a safety net, above any deadline a model config can set.
  const connect = { connectTimeoutMs: MAX_LAMBDA_MS, allowlist: settings.upstreamAllowlist };
  const shared = modelConnections(connect);
  const withTls = tlsAgents((tls) => modelConnections({ ...connect, tls }));
  return createHandler({ settings, registry, connections: (tls) => (tls ? withTls(tls) : shared), telemetry });
}

/** A broken deployment answers every request in the contract's shape and says why in the log, once. */
function misconfigured(reason: string, telemetry: Telemetry) {
  telemetry.logger.error('invalid configuration', { reason });
  return async (event: GatewayEvent, context?: Context): Promise<HttpResult> => {
    const startedAt = performance.now();
    const http = readHttpRequest(event ?? {});
    const error = new AdapterError('INTERNAL');
    const response = errorResult(error, null, http.requestId);
    observeRequest(telemetry, { startedAt, http, route: 'none', userTag: null, facts: {}, response, error }, {
      coldStart: telemetry.requestLines.takeColdStart(),
      functionName: context?.functionName,
      awsRequestId: context?.awsRequestId,
    });
    return response;
  };
}

let built: ReturnType<typeof build> | ReturnType<typeof misconfigured>;
try {
  built = build(readSettings());
} catch (error) {
  built = misconfigured((error as Error).message, telemetry);
}

export const handler = built;
