// The adapter as a Middy handler over injected parts, so tests can build it with their own
// settings, registry, HTTP dispatcher and telemetry. handler.ts wires the real ones.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import { AdapterError } from './contract/errors.ts';
import type { HttpResult } from './contract/response.ts';
import { withinLambdaLimit } from './contract/result-size.ts';
import { predictEnsemble } from './ensembles/predict-ensemble.ts';
import { explain } from './explain.ts';
import type { GatewayEvent } from './http/event.ts';
import { listModels } from './list-models.ts';
import { contractErrors } from './middleware/contract-errors.ts';
import { observeRequest } from './middleware/observe-request.ts';
import { requestBody } from './middleware/request-body.ts';
import { routeRequest } from './middleware/route-request.ts';
import type { AdapterContext } from './middleware/state.ts';
import type { ModelDeps } from './models/invoke-model.ts';
import { newRequestRecord } from './observability/request-summary.ts';
import type { Telemetry } from './observability/telemetry.ts';
import { currentSnapshot, predict } from './predict.ts';

export interface AppDeps extends Pick<ModelDeps, 'settings' | 'registry' | 'dispatcher' | 'newConnection' | 'tlsConnections'> {
  telemetry: Telemetry;
}

type Middleware = MiddlewareObj<GatewayEvent, HttpResult, Error, AdapterContext>;

export function createHandler(appDeps: AppDeps) {
  const { settings, telemetry } = appDeps;
  const deps: ModelDeps = { ...appDeps, traced: telemetry.traced, logger: telemetry.logger, metrics: telemetry.metrics };
  // Middy runs `after` and `onError` in reverse order: contractErrors turns a failure into the
  // contract's body first, then observeRequest writes the request line with its EMF metrics,
  // then the tracer closes the handler's subsegment. The tracer never records a response
  // (B's result), and the logger never the event (B's body and keys), whatever
  // POWERTOOLS_TRACER_CAPTURE_RESPONSE or POWERTOOLS_LOGGER_LOG_EVENT say.
  const handler = middy<GatewayEvent, HttpResult, Error, AdapterContext>();
  // With tracing off there is no tracer (telemetry.ts) and no middleware to ask it per request.
  if (telemetry.tracer) handler.use(captureLambdaHandler(telemetry.tracer, { captureResponse: false }) as Middleware);
  return handler
    .use(injectLambdaContext(telemetry.logger, { logEvent: false, resetKeys: true }) as Middleware)
    .use(observeRequest(telemetry))
    .use(contractErrors())
    .use(routeRequest())
    .use(requestBody(settings))
    .handler(async (_event, context, { signal }) => withinLambdaLimit(await answer(context, signal)));

  /** The route's answer for a request the middlewares have read (route-request.ts, request-body.ts). */
  async function answer(context: AdapterContext, signal: AbortSignal): Promise<HttpResult> {
    const state = context.adapter;
    if (!state?.route) throw new AdapterError('INTERNAL');
    // Without a Lambda context (a direct call), the model's own deadline is the only bound.
    const timeLeft = () =>
      typeof context.getRemainingTimeInMillis === 'function'
        ? context.getRemainingTimeInMillis() - settings.deadlineMarginMs
        : Number.POSITIVE_INFINITY;
    const { route } = state;
    const record = (context.record ??= newRequestRecord());

    if (route.name === 'listModels') {
      return listModels(await currentSnapshot(deps, { timeLeft, record }));
    }
    if (!state.envelope) throw new AdapterError('INTERNAL');
    const request = { http: state.http, envelope: state.envelope, timeLeft, signal, record };
    if (route.name === 'predictEnsemble') return predictEnsemble(deps, { ...request, ensemble: route.ensemble });
    if (route.name === 'explain') return explain(deps, { ...request, model: route.model });
    return predict(deps, { ...request, model: route.model });
  }
}
