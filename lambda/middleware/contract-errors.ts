// The last resort: every failure the handler does not answer itself becomes the contract's
// error body, with its request line. The handler answers every error of a request it reads
// (app.ts); what reaches here is Middy's own early timeout, when the Lambda is about to run out
// of time, or a bug. This replaces Middy's http-error-handler, whose default logger prints
// `cause.data`: B's raw body.
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { toAdapterError } from '../contract/errors.ts';
import { errorResult, type HttpResult } from '../contract/response.ts';
import { readHttpRequest, type GatewayEvent } from '../http/event.ts';
import { observeRequest } from '../observability/observe-request.ts';
import type { Telemetry } from '../observability/telemetry.ts';

export function contractErrors(telemetry: Telemetry): MiddlewareObj<GatewayEvent, HttpResult, Error, Context, { startedAt: number }> {
  return {
    name: 'contractErrors',
    before(request) {
      // Middy keeps a middleware's own state for one invocation in `internal`.
      request.internal.startedAt = performance.now();
    },
    onError(request) {
      const error = toAdapterError(request.error);
      const http = readHttpRequest(request.event ?? {});
      const response = errorResult(error, null, http.requestId);
      const startedAt = request.internal.startedAt ?? performance.now();
      observeRequest(telemetry, { startedAt, http, route: 'none', userTag: null, facts: {}, response, error }, {
        coldStart: telemetry.requestLines.takeColdStart(),
        functionName: request.context.functionName,
        awsRequestId: request.context.awsRequestId,
      });
      request.response = response;
      // The middlewares that run after this one (the tracer's error metadata) see the contract
      // error, whose message is only its code, with the original as its cause.
      request.error = error;
    },
  };
}
