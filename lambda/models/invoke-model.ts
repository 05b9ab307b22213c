// One planned model call over the network and its answer turned into B's `result`.
import type { Dispatcher } from 'undici';
import { AdapterError } from '../contract/errors.ts';
import type { ConfigRegistry } from '../config/registry.ts';
import type { ConfigSnapshot } from '../config/snapshot.ts';
import type { TlsMaterial } from '../config/tls-material.ts';
import type { Log } from '../observability/log.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Settings } from '../settings.ts';
import { callModel } from '../upstream/call-model.ts';
import type { ModelPlan } from './model-plan.ts';
import { rejectionDetails, resultText } from './model-result.ts';

/** What the model routes need from the handler's wiring (app.ts, AppDeps). */
export interface ModelDeps {
  settings: Settings;
  registry: ConfigRegistry<ConfigSnapshot>;
  /** For http endpoints and https ones with the public CAs. */
  dispatcher: Dispatcher;
  /** For https endpoints whose config names TLS material: one dispatcher per distinct set. */
  tlsDispatcher?: (material: TlsMaterial) => Dispatcher;
  log: Log;
  metrics: Metrics;
}

export async function invokeModel(deps: ModelDeps, plan: ModelPlan, call: { timeoutMs: number; signal?: AbortSignal }): Promise<string> {
  const { config } = plan;
  let dispatcher = deps.dispatcher;
  if (plan.tls) {
    if (!deps.tlsDispatcher) throw new AdapterError('INTERNAL');
    dispatcher = deps.tlsDispatcher(plan.tls);
  }
  const modelJson = await callModel(dispatcher, {
    endpoint: plan.target.endpoint,
    body: plan.body,
    headers: plan.headers,
    timeoutMs: call.timeoutMs,
    maxResponseBytes: deps.settings.maxResponseBytes,
    signal: call.signal,
    describeRejection: config?.exposeUpstreamErrors ? (body) => rejectionDetails(config, body) : undefined,
  });
  return resultText(config, modelJson, plan.input);
}
