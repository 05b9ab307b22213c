// POST /v1/models/{model}/explain: the request the model would receive for B's envelope, built
// exactly as predict builds it, without calling the model (for A and B to debug mappings).
// It names the variant chosen and the config's hash, never the endpoint.
import { successResult } from '../contract/response.ts';
import type { ModelDeps } from '../models/invoke-model.ts';
import { planFacts, planModelCall } from '../models/model-plan.ts';
import type { RequestFacts } from '../observability/request-summary.ts';
import type { ModelRequest } from './predict.ts';
import { answered, currentSnapshot, failed, type CallContext, type RouteAnswer } from './shared.ts';

export async function explain(deps: Pick<ModelDeps, 'settings' | 'registry'>, request: ModelRequest, call: CallContext): Promise<RouteAnswer> {
  let facts: RequestFacts = {};
  try {
    const { snapshot, cache } = await currentSnapshot(deps, call);
    facts = { cache };
    const planned = planModelCall(snapshot, request.model, request);
    if (!planned.ok) return failed(planned.error, { ...facts, ...planned.facts });
    const { plan } = planned;
    const description =
      `{"model":${JSON.stringify(plan.model)},"variant":${JSON.stringify(plan.target.variant ?? null)},` +
      `"configHash":${JSON.stringify(plan.config?.hash ?? null)},"method":"POST",` +
      `"headers":${JSON.stringify(plan.headers)},"body":${plan.body}}`;
    return answered(successResult(request.envelope.userTag, description), { ...facts, ...planFacts(plan) });
  } catch (error) {
    return failed(error, facts);
  }
}
