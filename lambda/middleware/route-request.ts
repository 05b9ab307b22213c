// First step of every request: the event read into an HttpRequest and matched to a route, so
// that 404 and 405 are answered before a body is looked at.
import type { MiddlewareObj } from '@middy/core';
import { readHttpRequest, type GatewayEvent } from '../http/event.ts';
import { matchRoute } from '../http/routes.ts';
import type { AdapterContext } from './state.ts';
import type { HttpResult } from '../contract/response.ts';

export function routeRequest(): MiddlewareObj<GatewayEvent, HttpResult, Error, AdapterContext> {
  return {
    name: 'routeRequest',
    before(request) {
      const http = readHttpRequest(request.event);
      const state: AdapterContext['adapter'] = { http, userTag: null };
      request.context.adapter = state;
      state.route = matchRoute(http.method, http.path);
    },
  };
}
