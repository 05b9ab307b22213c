// The adapter as a Middy handler over injected parts, so tests can build it with their own
// settings, registry and HTTP dispatcher. handler.ts wires the real ones.
import middy from '@middy/core';
import type { Dispatcher } from 'undici';
import { AdapterError } from './contract/errors.ts';
import { jsonResult, type HttpResult } from './contract/response.ts';
import { callableModels, type ConfigSnapshot } from './config/snapshot.ts';
import type { ConfigRegistry } from './config/registry.ts';
import type { GatewayEvent } from './http/event.ts';
import { contractErrors } from './middleware/contract-errors.ts';
import { requestBody } from './middleware/request-body.ts';
import { routeRequest } from './middleware/route-request.ts';
import type { AdapterContext } from './middleware/state.ts';
import type { Log } from './observability/log.ts';
import { predict } from './predict.ts';
import type { Settings } from './settings.ts';

export interface AppDeps {
  settings: Settings;
  registry: ConfigRegistry<ConfigSnapshot>;
  dispatcher: Dispatcher;
  log: Log;
}

export function createHandler(deps: AppDeps) {
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

      if (state.route.name === 'listModels') {
        const { value } = await deps.registry.get(Math.min(settings.ssmBudgetMs, timeLeft()));
        return jsonResult(200, JSON.stringify({ models: callableModels(value) }));
      }
      if (!state.envelope) throw new AdapterError('INTERNAL');
      return predict(deps, { http: state.http, model: state.route.model, envelope: state.envelope, timeLeft, signal });
    });
}
