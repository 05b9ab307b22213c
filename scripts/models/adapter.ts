// The adapter's own handler (lambda/app.ts, as lambda/handler.ts wires it) for the models CLI:
// the same snapshot, allowlist (UPSTREAM_ALLOWLIST), connector, TLS agents, mappings, data
// schema and error rules as in Lambda, over parameters the CLI reads (SSM, a parameters file,
// or a config onboard has just built). Quiet: no request lines or metrics; the configs it
// refuses are kept for the CLI to print.
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { createHandler } from '../../lambda/app.ts';
import { ConfigRegistry } from '../../lambda/config/registry.ts';
import { buildSnapshot, newRejections, type ConfigSnapshot, type Rejection } from '../../lambda/config/snapshot.ts';
import type { HttpResult } from '../../lambda/contract/response.ts';
import { AdapterMetrics } from '../../lambda/observability/metrics.ts';
import { RequestLines } from '../../lambda/observability/request-line.ts';
import type { Telemetry } from '../../lambda/observability/telemetry.ts';
import { noConsumers } from '../../lambda/observability/consumer.ts';
import { untraced } from '../../lambda/observability/tracing.ts';
import { userTagHasher } from '../../lambda/observability/user-tag-hash.ts';
import { readSettings, type Settings } from '../../lambda/settings.ts';
import { modelConnections } from '../../lambda/upstream/connections.ts';
import { tlsAgents } from '../../lambda/upstream/tls-agents.ts';

export interface CliAdapter {
  settings: Settings;
  /** POST `path` with B's envelope text, as API Gateway would; the Lambda context has 29 s. */
  post(path: string, body: string): Promise<HttpResult>;
  /** GET /v1/models: reads the configuration (rejections() then says what it refused). */
  list(): Promise<HttpResult>;
  /** Configs the last read refused, with their reasons. */
  rejections(): Rejection[];
  /** Closes the model connections (those of the shared pool; TLS agents close with the process). */
  close(): Promise<void>;
}

const REST_CONTEXT = { functionName: 'contract-adapter-cli', awsRequestId: 'cli', getRemainingTimeInMillis: () => 29_000 } as unknown as Context;

let counter = 0;

function restEvent(path: string, body: string | null, method = 'POST') {
  return {
    resource: path,
    path,
    httpMethod: method,
    headers: { 'content-type': 'application/json' },
    multiValueHeaders: { 'content-type': ['application/json'] },
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body,
    isBase64Encoded: false,
    requestContext: { requestId: `cli-${process.pid}-${++counter}`, httpMethod: method, path, identity: { sourceIp: '127.0.0.1' } },
  };
}

/**
 * A handler over `read` (all parameters under `prefix`). `env` supplies the adapter's variables
 * (UPSTREAM_ALLOWLIST, UPSTREAM_TIMEOUT_MS, the caps) as in Lambda.
 */
export function cliAdapter(read: () => Promise<ReadonlyMap<string, string>>, prefix: string, env: Record<string, string | undefined> = process.env): CliAdapter {
  const settings = readSettings({ ...env, PARAMETER_PREFIX: prefix });
  let refused: Rejection[] = [];
  const registry = new ConfigRegistry<ConfigSnapshot>({
    load: async (previous) => {
      const snapshot = buildSnapshot(await read(), settings.parameterPrefix, settings.upstreamAllowlist, previous);
      refused = [...snapshot.rejections];
      newRejections(snapshot, previous);
      return snapshot;
    },
    ttlMs: settings.cacheTtlMs,
    refreshBudgetMs: 10_000,
  });
  const logger = new Logger({ serviceName: 'contract-adapter-cli', logLevel: 'SILENT' });
  const metrics = new AdapterMetrics({ namespace: 'contract-adapter-cli', service: 'contract-adapter-cli', enabled: false, write: () => {} });
  const telemetry: Telemetry = {
    logger,
    metrics,
    requestLines: new RequestLines({ service: 'contract-adapter-cli', logger, metrics, indent: false, write: () => {} }),
    tracer: undefined,
    traced: untraced,
    hashUserTag: userTagHasher(),
    consumerOf: noConsumers,
  };
  // As lambda/handler.ts connects: each call's deadline bounds its connect; the allowlist is checked on the resolved address.
  const connect = { connectTimeoutMs: 900_000, allowlist: settings.upstreamAllowlist };
  const shared = modelConnections(connect);
  const withTls = tlsAgents((tls) => modelConnections({ ...connect, tls }));
  const handler = createHandler({ settings, registry, connections: (tls) => (tls ? withTls(tls) : shared), telemetry });
  return {
    settings,
    post: (path, body) => handler(restEvent(path, body) as never, REST_CONTEXT) as Promise<HttpResult>,
    list: () => handler(restEvent('/v1/models', null, 'GET') as never, REST_CONTEXT) as Promise<HttpResult>,
    rejections: () => refused,
    close: () => shared.pool.close(),
  };
}
