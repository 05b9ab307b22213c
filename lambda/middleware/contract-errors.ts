// Every failure becomes the contract's error body. This replaces Middy's http-error-handler,
// whose default logger prints `cause.data`: B's raw body. What failed is logged once, in the
// request's line (observe-request.ts), by code and class.
import type { MiddlewareObj } from '@middy/core';
import { AdapterError } from '../contract/errors.ts';
import { errorResult, type HttpResult } from '../contract/response.ts';
import type { GatewayEvent } from '../http/event.ts';
import type { AdapterContext } from './state.ts';

/** Anything that is not already an AdapterError: Middy's early timeout, or a bug. */
export function toAdapterError(error: unknown): AdapterError {
  if (error instanceof AdapterError) return error;
  if (error instanceof Error && error.name === 'TimeoutError') return new AdapterError('UPSTREAM_TIMEOUT', { cause: error });
  return new AdapterError('INTERNAL', { cause: error });
}

export function contractErrors(): MiddlewareObj<GatewayEvent, HttpResult, Error, AdapterContext> {
  return {
    name: 'contractErrors',
    onError(request) {
      const error = toAdapterError(request.error);
      const state = request.context.adapter;
      request.response = errorResult(error, state?.userTag ?? null, state?.http.requestId ?? '');
      // The middlewares that run after this one (the request line, the tracer's error
      // metadata) see the contract error, whose message is only its code, with the original
      // as its cause, rather than a bug's message that may quote the input.
      request.error = error;
    },
  };
}
