// The adapter as a Middy handler over injected parts, so tests can build it with their own
// settings, registry and HTTP dispatcher. handler.ts wires the real ones.
import middy from '@middy/core';
import { AdapterError } from './contract/errors.ts';
import type { HttpResult } from './contract/response.ts';
import { predictEnsemble } from './ensembles/predict-ensemble.ts';
import { explain } from './explain.ts';
import type { GatewayEvent } from './http/event.ts';
import { listModels } from './list-models.ts';
import { contractErrors } from './middleware/contract-errors.ts';
import { requestBody } from './middleware/request-body.ts';
import { routeRequest } from './middleware/route-request.ts';
import type { AdapterContext } from './middleware/state.ts';
import type { ModelDeps } from './models/invoke-model.ts';
import { noMetrics } from './observability/metrics.ts';
import { predict } from './predict.ts';

/** `metrics` defaults to none: the ops branch plugs Powertools Metrics in (observability/metrics.ts). */
export type AppDeps = Omit<ModelDeps, 'metrics'> & Partial<Pick<ModelDeps, 'metrics'>>;

export function createHandler(appDeps: AppDeps) {
  const deps: ModelDeps = { ...appDeps, metrics: appDeps.metrics ?? noMetrics };
  const { settings } = deps;
  return middy<GatewayEvent, HttpResult, Error, AdapterContext>()
    .use(contractErrors(deps.log))
    .use(routeRequest())
    .use(requestBody(settings))
    .handler(async (_event, context, { signal }) => {
      const state = context.adapter;
      if (!state?.route) throw new AdapterError('INTERNAL');
      // Without a Lambda context (a direct call), the model's own deadline is the only bound.
      const timeLeft = () =>
        typeof context.getRemainingTimeInMillis === 'function'
          ? context.getRemainingTimeInMillis() - settings.deadlineMarginMs
          : Number.POSITIVE_INFINITY;
      const { route } = state;

      if (route.name === 'listModels') {
        const { value } = await deps.registry.get(Math.min(settings.ssmBudgetMs, timeLeft()));
        return listModels(value);
      }
      if (!state.envelope) throw new AdapterError('INTERNAL');
      const request = { http: state.http, envelope: state.envelope, timeLeft, signal, logFields: state.logFields };
      if (route.name === 'predictEnsemble') return predictEnsemble(deps, { ...request, ensemble: route.ensemble });
      if (route.name === 'explain') return explain(deps, { ...request, model: route.model });
      return predict(deps, { ...request, model: route.model });
    });
}
