// GET /v1/models: the models B may call, with the variants it may name, and the ensembles
// (docs/contract.md, "Routes"; the design showed only `models`, the other keys are additions).
import { jsonResult } from '../contract/response.ts';
import { callableEnsembles, callableModels, callableVariants } from '../config/snapshot.ts';
import type { ModelDeps } from '../models/invoke-model.ts';
import { answered, currentSnapshot, failed, type CallContext, type RouteAnswer } from './shared.ts';

export async function listModels(deps: Pick<ModelDeps, 'settings' | 'registry'>, call: CallContext): Promise<RouteAnswer> {
  try {
    const { snapshot, cache } = await currentSnapshot(deps, call);
    const body = { models: callableModels(snapshot), variants: callableVariants(snapshot), ensembles: callableEnsembles(snapshot) };
    return answered(jsonResult(200, JSON.stringify(body)), { cache });
  } catch (error) {
    return failed(error, {});
  }
}
