// From the HTTP request to a typed request for one route (docs/contract.md, "Routes" and "B's
// request"): the route matched first, so that 404 and 405 come before a body is looked at;
// then B's body on the routes that take one; then the name in the path, checked once, here.
// What comes out is a value discriminated by route, with the envelope on the routes that have
// one, or the contract error with the userTag it may echo.
import type { Envelope } from '../contract/envelope.ts';
import { AdapterError, toAdapterError } from '../contract/errors.ts';
import { modelName, type ModelName } from '../contract/model-name.ts';
import type { HttpRequest } from './event.ts';
import { readBody, type RequestBodyOptions } from './request-body.ts';
import { matchRoute, type RouteName } from './routes.ts';

export type ParsedRequest =
  | { route: 'listModels'; http: HttpRequest }
  | { route: 'predict' | 'explain'; http: HttpRequest; model: ModelName; envelope: Envelope; variant: ModelName | undefined }
  | { route: 'predictEnsemble'; http: HttpRequest; ensemble: ModelName; envelope: Envelope };

/** A request B may not make, as far as it got: the route it matched, and its userTag once valid. */
export interface RefusedRequest {
  error: AdapterError;
  route: RouteName | 'none';
  userTag: string | null;
}

/** B names a variant of the model with this header; it is never passed on. */
export const VARIANT_HEADER = 'x-model-variant';

export type RequestOutcome = { ok: true; request: ParsedRequest } | ({ ok: false } & RefusedRequest);

export function readRequest(http: HttpRequest, options: RequestBodyOptions): RequestOutcome {
  let route;
  try {
    route = matchRoute(http.method, http.path);
  } catch (error) {
    return { ok: false, error: toAdapterError(error), route: 'none', userTag: null };
  }
  if (route.name === 'listModels') return { ok: true, request: { route: 'listModels', http } };
  const body = readBody(http, options);
  if (!body.ok) return { ok: false, error: body.error, route: route.name, userTag: body.userTag };
  const { envelope } = body;
  // A malformed name is an unknown one, answered once the userTag is known: the same body as
  // for any name that is not configured.
  const name = modelName(route.rawName);
  if (name === undefined) return { ok: false, error: new AdapterError('UNKNOWN_MODEL'), route: route.name, userTag: envelope.userTag };
  if (route.name === 'predictEnsemble') return { ok: true, request: { route: route.name, http, ensemble: name, envelope } };
  // X-Model-Variant, when B sent a non-empty one: a malformed name is an unknown variant.
  const header = http.headers.get(VARIANT_HEADER)?.trim();
  const variant = header ? modelName(header) : undefined;
  if (header && variant === undefined) return { ok: false, error: new AdapterError('UNKNOWN_MODEL'), route: route.name, userTag: envelope.userTag };
  return { ok: true, request: { route: route.name, http, model: name, envelope, variant } };
}
