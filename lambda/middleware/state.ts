// What the middlewares learn about a request, kept on the Lambda context (as Middy's own
// middlewares do) so that the handler and the error middleware can read it.
import type { Context } from 'aws-lambda';
import type { Envelope } from '../contract/envelope.ts';
import type { GatewayEvent, HttpRequest } from '../http/event.ts';
import type { Route } from '../http/routes.ts';
import type { HttpResult } from '../contract/response.ts';
import type { RequestRecord } from '../observability/request-summary.ts';

export interface RequestState {
  http: HttpRequest;
  route?: Route;
  /** The userTag once it passed validation: what an error may echo. */
  userTag: string | null;
  envelope?: Envelope;
}

export interface AdapterContext extends Context {
  adapter?: RequestState;
  /** Filled as the request goes, for its log line, metrics and trace (observe-request.ts). */
  record?: RequestRecord;
}

export type AdapterRequest = import('@middy/core').Request<GatewayEvent, HttpResult, Error, AdapterContext>;
