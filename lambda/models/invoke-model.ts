// One planned model call over the network and its answer turned into B's `result`.
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Dispatcher } from 'undici';
import { AdapterError } from '../contract/errors.ts';
import type { ConfigRegistry } from '../config/registry.ts';
import type { ConfigSnapshot } from '../config/snapshot.ts';
import type { TlsMaterial } from '../config/tls-material.ts';
import type { AdapterMetrics } from '../observability/metrics.ts';
import { observeModelCall } from '../observability/model-call.ts';
import { newRequestRecord, type RequestRecord } from '../observability/request-summary.ts';
import type { Traced } from '../observability/tracing.ts';
import type { Settings } from '../settings.ts';
import { callModel, type ModelCall } from '../upstream/call-model.ts';
import type { ModelPlan } from './model-plan.ts';
import { rejectionDetails, resultText } from './model-result.ts';

/** A keep-alive pool, and a new connection for a retry (upstream/connections.ts). */
export interface Connections {
  pool: Dispatcher;
  newConnection?: ModelCall['newConnection'];
}

/** What the model routes need from the handler's wiring (app.ts builds it from AppDeps). */
export interface ModelDeps {
  settings: Settings;
  registry: ConfigRegistry<ConfigSnapshot>;
  /** For http endpoints and https ones with the public CAs. */
  dispatcher: Dispatcher;
  /** A new connection for a retry (upstream/connections.ts). */
  newConnection?: ModelCall['newConnection'];
  /** For https endpoints whose config names TLS material: one set of connections per distinct material. */
  tlsConnections?: (material: TlsMaterial) => Connections;
  traced: Traced;
  /** For the lines that are not the request's own: shadow comparisons, ensemble members that failed. */
  logger: Pick<Logger, 'info' | 'warn'>;
  metrics: Pick<AdapterMetrics, 'shadowComparison'>;
}

export interface InvokeOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /**
   * The request's record, which the call's duration and attempts go into; calls that are not
   * the request's one model call (a shadow, an ensemble member) leave it out.
   */
  record?: RequestRecord;
}

export async function invokeModel(deps: ModelDeps, plan: ModelPlan, call: InvokeOptions): Promise<string> {
  const { config } = plan;
  let connections: Connections = { pool: deps.dispatcher, newConnection: deps.newConnection };
  if (plan.tls) {
    if (!deps.tlsConnections) throw new AdapterError('INTERNAL');
    connections = deps.tlsConnections(plan.tls);
  }
  const modelJson = await observeModelCall(deps.traced, call.record ?? newRequestRecord(), plan.model, (onAttempt) =>
    callModel(connections.pool, {
      endpoint: plan.target.endpoint,
      body: plan.body,
      headers: plan.headers,
      timeoutMs: call.timeoutMs,
      maxResponseBytes: deps.settings.maxResponseBytes,
      signal: call.signal,
      onAttempt,
      newConnection: connections.newConnection,
      describeRejection: config?.exposeUpstreamErrors ? (body) => rejectionDetails(config, body) : undefined,
    }),
  );
  return resultText(config, modelJson, plan.input, deps.settings.maxJsonDepth);
}
