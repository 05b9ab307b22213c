// The contract's routes. A path that looks like a model route is one, whatever the name in it:
// `/v1/models/a/b/predict` is the predict route for the malformed name `a/b` (404
// UNKNOWN_MODEL, the same answer as any unknown model), not a different route.
import { AdapterError } from '../contract/errors.ts';

export type Route =
  | { name: 'listModels' }
  | { name: 'predict'; model: string }
  | { name: 'explain'; model: string }
  | { name: 'predictEnsemble'; ensemble: string };

interface RouteSpec {
  pattern: RegExp;
  method: string;
  build: (match: RegExpExecArray) => Route;
}

const ROUTES: RouteSpec[] = [
  { pattern: /^\/v1\/models\/?$/, method: 'GET', build: () => ({ name: 'listModels' }) },
  { pattern: /^\/v1\/models\/(.+)\/predict\/?$/s, method: 'POST', build: (m) => ({ name: 'predict', model: m[1] ?? '' }) },
  { pattern: /^\/v1\/models\/(.+)\/explain\/?$/s, method: 'POST', build: (m) => ({ name: 'explain', model: m[1] ?? '' }) },
  { pattern: /^\/v1\/ensembles\/(.+)\/predict\/?$/s, method: 'POST', build: (m) => ({ name: 'predictEnsemble', ensemble: m[1] ?? '' }) },
];

/** Routes that carry B's envelope in the body. */
export const hasBody = (route: Route): boolean => route.name !== 'listModels';

export function matchRoute(method: string, path: string): Route {
  for (const spec of ROUTES) {
    const match = spec.pattern.exec(path);
    if (!match) continue;
    if (method !== spec.method) throw new AdapterError('METHOD_NOT_ALLOWED', { allow: spec.method });
    return spec.build(match);
  }
  throw new AdapterError('NOT_FOUND');
}

/** contract.md: `{model}` matches this; any other name is an unknown model and never reaches SSM. */
export const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
