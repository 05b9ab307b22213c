// The adapter as a Middy handler over injected parts, so tests can build it with their own
// settings, registry, connections and telemetry; handler.ts wires the real ones. One request,
// followed from here: readRequest (http/request.ts) gives a typed request or the contract error;
// its route (routes/) gives the answer with the facts its request line reports; the answer is
// checked against what Lambda can return (contract/result-size.ts); observeRequest writes the
// line. Each step returns a value to the next; nothing is written for a later step to read.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { toAdapterError } from './contract/errors.ts';
import { errorResult, type HttpResult } from './contract/response.ts';
import { withinLambdaLimit } from './contract/result-size.ts';
import { readHttpRequest, type GatewayEvent } from './http/event.ts';
import { readRequest, type ParsedRequest } from './http/request.ts';
import { contractErrors } from './middleware/contract-errors.ts';
import type { ModelDeps } from './models/invoke-model.ts';
import { consumerResolver } from './observability/consumer.ts';
import { observeRequest } from './observability/observe-request.ts';
import type { Telemetry } from './observability/telemetry.ts';
import { predictEnsemble } from './routes/ensemble.ts';
import { explain } from './routes/explain.ts';
import { listModels } from './routes/list-models.ts';
import { predict } from './routes/predict.ts';
import type { CallContext, RouteAnswer } from './routes/shared.ts';

export interface AppDeps extends Pick<ModelDeps, 'settings' | 'registry' | 'connections'> {
  telemetry: Telemetry;
}

type Middleware = MiddlewareObj<GatewayEvent, HttpResult, Error, Context>;

export function createHandler(appDeps: AppDeps) {
  const { settings } = appDeps;
  // The request lines name the consumers CONSUMER_API_KEYS lists (observability/consumer.ts).
  const telemetry: Telemetry = { ...appDeps.telemetry, consumerOf: consumerResolver(settings.consumerApiKeys) };
  const deps: ModelDeps = { ...appDeps, traced: telemetry.traced, logger: telemetry.logger, metrics: telemetry.metrics };

  /** The route for a request that was read. */
  const route = (request: ParsedRequest, call: CallContext): Promise<RouteAnswer> => {
    switch (request.route) {
      case 'listModels':
        return listModels(deps, call);
      case 'predictEnsemble':
        return predictEnsemble(deps, request, call);
      case 'explain':
        return explain(deps, request, call);
      case 'predict':
        return predict(deps, request, call);
    }
  };

  // The tracer never records a response (B's result), and the logger never the event (B's body
  // and keys), whatever POWERTOOLS_TRACER_CAPTURE_RESPONSE or POWERTOOLS_LOGGER_LOG_EVENT say.
  const handler = middy<GatewayEvent, HttpResult, Error, Context>();
  // With tracing off there is no tracer (telemetry.ts) and no middleware to ask it per request.
  if (telemetry.tracer) handler.use(captureLambdaHandler(telemetry.tracer, { captureResponse: false }) as Middleware);
  return handler
    .use(injectLambdaContext(telemetry.logger, { logEvent: false, resetKeys: true }) as Middleware)
    .use(contractErrors(telemetry) as Middleware)
    .handler(async (event, context, { signal }) => {
      const startedAt = performance.now();
      const coldStart = telemetry.requestLines.takeColdStart();
      // Without a Lambda context (a direct call), the model's own deadline is the only bound.
      const timeLeft = () =>
        typeof context.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() - settings.deadlineMarginMs : Number.POSITIVE_INFINITY;

      const http = readHttpRequest(event);
      // Every Powertools line of this request carries its correlation id. The Logger keeps
      // temporary keys per invocation (in the InvokeStore when invocations share a thread, as
      // on LMI and in local mode), and resetKeys drops them when the invocation ends.
      if (http.requestId !== '') telemetry.logger.setCorrelationId(http.requestId);
      const read = readRequest(http, settings);
      let answer: RouteAnswer;
      if (read.ok) answer = await route(read.request, { timeLeft, signal });
      else answer = { ok: false, error: read.error, facts: {} };
      const userTag = read.ok ? ('envelope' in read.request ? read.request.envelope.userTag : null) : read.userTag;

      let response: HttpResult;
      let error = answer.ok ? undefined : answer.error;
      try {
        response = answer.ok ? withinLambdaLimit(answer.response) : errorResult(answer.error, userTag, http.requestId);
      } catch (tooLarge) {
        error = toAdapterError(tooLarge);
        response = errorResult(error, userTag, http.requestId);
      }
      // Middy answered already when its early timeout fired (contract-errors.ts wrote that line).
      if (!signal.aborted) {
        observeRequest(telemetry, { startedAt, http, route: read.ok ? read.request.route : read.route, userTag, facts: answer.facts, response, error }, {
          coldStart,
          functionName: context.functionName,
          awsRequestId: context.awsRequestId,
        });
      }
      return response;
    });
}
