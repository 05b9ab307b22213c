// GET /v1/models: the models B may call, with their variants, and the ensembles
// (contract.md, "Routes": `{"models": [...]}`; the other keys are additions B may ignore).
import { jsonResult, type HttpResult } from './contract/response.ts';
import { callableEnsembles, callableModels, callableVariants, type ConfigSnapshot } from './config/snapshot.ts';

export function listModels(snapshot: ConfigSnapshot): HttpResult {
  return jsonResult(
    200,
    JSON.stringify({ models: callableModels(snapshot), variants: callableVariants(snapshot), ensembles: callableEnsembles(snapshot) }),
  );
}
