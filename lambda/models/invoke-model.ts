// One planned model call over the network and its answer turned into B's `result`.
import type { Logger } from '@aws-lambda-powertools/logger';
import { AdapterError, toAdapterError } from '../contract/errors.ts';
import type { ConfigRegistry } from '../config/registry.ts';
import type { ConfigSnapshot } from '../config/snapshot.ts';
import type { TlsMaterial } from '../config/tls-material.ts';
import type { AdapterMetrics } from '../observability/metrics.ts';
import { observeModelCall, type CallOutcome } from '../observability/model-call.ts';
import type { Traced } from '../observability/tracing.ts';
import type { Settings } from '../settings.ts';
import { callModel } from '../upstream/call-model.ts';
import type { ModelConnections } from '../upstream/connections.ts';
import type { Deadline } from './deadline.ts';
import type { ModelPlan } from './model-plan.ts';
import { failureBody, resultText } from './model-result.ts';

/** The connections for a model: the shared ones, or those of its TLS material (upstream/tls-agents.ts). */
export type ConnectionsFor = (tls: TlsMaterial | undefined) => ModelConnections;

/** What the routes need from the handler's wiring (app.ts builds it). */
export interface ModelDeps {
  settings: Settings;
  registry: ConfigRegistry<ConfigSnapshot>;
  connections: ConnectionsFor;
  traced: Traced;
  /** For the lines that are not the request's own: shadow comparisons, ensemble members that failed. */
  logger: Pick<Logger, 'info' | 'warn'>;
  metrics: Pick<AdapterMetrics, 'shadowComparison'>;
}

/** The call's answer as B's `result` text, or its contract error, with the call's duration and attempts. */
export async function invokeModel(deps: ModelDeps, plan: ModelPlan, call: { deadline: Deadline; signal?: AbortSignal }): Promise<CallOutcome<string>> {
  const { config } = plan;
  const timeoutMs = call.deadline.remaining();
  if (timeoutMs <= 0) return { ok: false, error: new AdapterError('UPSTREAM_TIMEOUT', { timeoutPhase: 'queued' }), ms: 0, attempts: 0 };
  const connections = deps.connections(plan.tls);
  const outcome = await observeModelCall(deps.traced, plan.model, (onAttempt) =>
    callModel(connections.pool, {
      endpoint: plan.target.endpoint,
      body: plan.body,
      headers: plan.headers,
      timeoutMs,
      maxResponseBytes: deps.settings.maxResponseBytes,
      signal: call.signal,
      onAttempt,
      newConnection: connections.newConnection,
      failureBody: config?.errors || config?.exposeUpstreamErrors ? failureBody(config) : undefined,
    }),
  );
  if (!outcome.ok) return outcome;
  try {
    return { ...outcome, value: resultText(config, outcome.value, plan.input, deps.settings.maxJsonDepth) };
  } catch (error) {
    return { ok: false, error: toAdapterError(error), ms: outcome.ms, attempts: outcome.attempts };
  }
}
