// POST /v1/models/{model}/predict (docs/contract.md, "What the model receives" and "Success"):
// B's validated envelope to the model, through its config, and its answer back in B's shape.
import { AdapterError } from '../contract/errors.ts';
import type { Envelope } from '../contract/envelope.ts';
import type { ModelName } from '../contract/model-name.ts';
import { successResult } from '../contract/response.ts';
import type { HttpRequest } from '../http/event.ts';
import { deadlineIn } from '../models/deadline.ts';
import { invokeModel, type ModelDeps } from '../models/invoke-model.ts';
import { planFacts, planModelCall } from '../models/model-plan.ts';
import { startShadow } from '../models/shadow.ts';
import type { RequestFacts } from '../observability/request-summary.ts';
import { answered, currentSnapshot, failed, type CallContext, type RouteAnswer } from './shared.ts';

export interface ModelRequest {
  http: HttpRequest;
  model: ModelName;
  envelope: Envelope;
  /** The variant B named in X-Model-Variant. */
  variant: ModelName | undefined;
}

export async function predict(deps: ModelDeps, request: ModelRequest, call: CallContext): Promise<RouteAnswer> {
  let facts: RequestFacts = {};
  try {
    // With no time left there is nothing to wait for: not even the configuration.
    if (call.timeLeft() <= 0) return failed(new AdapterError('UPSTREAM_TIMEOUT'), facts);
    const { snapshot, cache } = await currentSnapshot(deps, call);
    facts = { cache };
    // The deadline runs from here: time spent on the mapping comes out of the model's share.
    const plannedAt = performance.now();
    const timeLeft = call.timeLeft();
    const planned = planModelCall(snapshot, request.model, request);
    if (!planned.ok) return failed(planned.error, { ...facts, ...planned.facts });
    const { plan } = planned;
    facts = { ...facts, ...planFacts(plan) };
    const deadline = deadlineIn(Math.min(plan.config?.timeoutMs ?? deps.settings.upstreamTimeoutMs, timeLeft), plannedAt);
    if (deadline.remaining() <= 0) return failed(new AdapterError('UPSTREAM_TIMEOUT'), facts);

    const shadow = startShadow(deps, plan, { deadline, signal: call.signal });
    const outcome = await invokeModel(deps, plan, { deadline, signal: call.signal });
    facts = { ...facts, modelMs: outcome.ms, modelAttempts: outcome.attempts };
    if (!outcome.ok) {
      shadow?.abandon();
      return failed(outcome.error, facts);
    }
    await shadow?.compare(outcome.value);
    return answered(successResult(request.envelope.userTag, outcome.value), facts);
  } catch (error) {
    return failed(error, facts);
  }
}
