// POST /v1/models/{model}/explain: the request the model would receive for B's envelope, built
// exactly as predict builds it, without calling the model (for A and B to debug mappings).
// It names the variant chosen and the config's hash, never the endpoint.
import { AdapterError } from './contract/errors.ts';
import { successResult, type HttpResult } from './contract/response.ts';
import { MODEL_NAME } from './http/routes.ts';
import { planModelCall } from './models/model-plan.ts';
import type { PredictDeps, PredictInput } from './predict.ts';
import { currentSnapshot, requestedVariant } from './predict.ts';

export async function explain(deps: Pick<PredictDeps, 'settings' | 'registry'>, input: PredictInput): Promise<HttpResult> {
  if (!MODEL_NAME.test(input.model)) throw new AdapterError('UNKNOWN_MODEL');
  const snapshot = await currentSnapshot(deps, input);
  const plan = planModelCall(snapshot, input.model, { http: input.http, envelope: input.envelope, variant: requestedVariant(input.http) }, input.record);
  const description =
    `{"model":${JSON.stringify(plan.model)},"variant":${JSON.stringify(plan.target.variant ?? null)},` +
    `"configHash":${JSON.stringify(plan.config?.hash ?? null)},"method":"POST",` +
    `"headers":${JSON.stringify(plan.headers)},"body":${plan.body}}`;
  return successResult(input.envelope.userTag, description);
}
