// Every failure becomes the contract's error body, and one log line that says what failed
// without what was sent. This replaces Middy's http-error-handler, whose default logger
// prints `cause.data`: B's raw body.
import type { MiddlewareObj } from '@middy/core';
import { AdapterError, ERRORS } from '../contract/errors.ts';
import { errorResult, type HttpResult } from '../contract/response.ts';
import type { GatewayEvent } from '../http/event.ts';
import { errorFields, type Log } from '../observability/log.ts';
import type { AdapterContext } from './state.ts';

/** Anything that is not already an AdapterError: Middy's early timeout, or a bug. */
export function toAdapterError(error: unknown): AdapterError {
  if (error instanceof AdapterError) return error;
  if (error instanceof Error && error.name === 'TimeoutError') return new AdapterError('UPSTREAM_TIMEOUT', { cause: error });
  return new AdapterError('INTERNAL', { cause: error });
}

export function contractErrors(log: Log): MiddlewareObj<GatewayEvent, HttpResult, Error, AdapterContext> {
  return {
    name: 'contractErrors',
    onError(request) {
      const error = toAdapterError(request.error);
      const state = request.context.adapter;
      const requestId = state?.http.requestId ?? '';
      const status = ERRORS[error.code].status;
      const cause = error.cause ?? (error === request.error ? undefined : request.error);
      (status >= 500 ? log.error : log.warn)('request failed', {
        requestId,
        code: error.code,
        status,
        route: state?.route?.name,
        ...state?.logFields,
        upstreamStatus: error.upstreamStatus,
        ...(cause === undefined ? {} : errorFields(cause)),
      });
      request.response = errorResult(error, state?.userTag ?? null, requestId);
    },
  };
}
