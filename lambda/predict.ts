// The predict route: B's validated envelope to the model and back (contract.md, "What the
// model receives", "Success" and "Model configuration").
import type { Envelope } from './contract/envelope.ts';
import { AdapterError } from './contract/errors.ts';
import { successResult, type HttpResult } from './contract/response.ts';
import type { ConfigSnapshot } from './config/snapshot.ts';
import type { HttpRequest } from './http/event.ts';
import { MODEL_NAME } from './http/routes.ts';
import { invokeModel, type ModelDeps } from './models/invoke-model.ts';
import { planModelCall } from './models/model-plan.ts';
import { startShadow } from './models/shadow.ts';
import { VARIANT_HEADER } from './models/target.ts';
import type { RequestRecord } from './observability/request-summary.ts';

export type PredictDeps = ModelDeps;

export interface PredictInput {
  http: HttpRequest;
  model: string;
  envelope: Envelope;
  /** Milliseconds this invocation may still use (the Lambda's remaining time less a margin). */
  timeLeft: () => number;
  signal?: AbortSignal;
  /** What this request's log line reports: cache state, model, config hash, variant, model latency (request-summary.ts). */
  record: RequestRecord;
}

/**
 * The configuration for this request: waits for a refresh no longer than the SSM budget or the
 * time left, and notes on the request's record whether it was a hit, a miss or stale.
 */
export async function currentSnapshot(
  deps: Pick<PredictDeps, 'settings' | 'registry'>,
  input: Pick<PredictInput, 'timeLeft' | 'record'>,
): Promise<ConfigSnapshot> {
  const { value, cache } = await deps.registry.get(Math.min(deps.settings.ssmBudgetMs, input.timeLeft()));
  input.record.cache = cache;
  return value;
}

/** X-Model-Variant, when B sent a non-empty one. */
export function requestedVariant(http: HttpRequest): string | undefined {
  const value = http.headers.get(VARIANT_HEADER)?.trim();
  return value ? value : undefined;
}

export async function predict(deps: PredictDeps, input: PredictInput): Promise<HttpResult> {
  const { settings } = deps;
  if (!MODEL_NAME.test(input.model)) throw new AdapterError('UNKNOWN_MODEL');
  if (input.timeLeft() <= 0) throw new AdapterError('UPSTREAM_TIMEOUT');

  const snapshot = await currentSnapshot(deps, input);
  const plan = planModelCall(snapshot, input.model, { http: input.http, envelope: input.envelope, variant: requestedVariant(input.http) }, input.record);

  // Time spent waiting for SSM comes out of the model's share.
  const timeoutMs = Math.min(plan.config?.timeoutMs ?? settings.upstreamTimeoutMs, input.timeLeft());
  if (timeoutMs <= 0) throw new AdapterError('UPSTREAM_TIMEOUT');

  const shadow = startShadow(deps, plan, { timeoutMs, signal: input.signal });
  let result: string;
  try {
    result = await invokeModel(deps, plan, { timeoutMs, signal: input.signal, record: input.record });
  } catch (error) {
    shadow?.abandon();
    throw error;
  }
  await shadow?.compare(result);
  return successResult(input.envelope.userTag, result);
}
