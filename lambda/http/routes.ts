// The contract's routes (docs/contract.md, "Routes"). A path that looks like a model route is
// one, whatever the name in it: `/v1/models/a/b/predict` is the predict route for the malformed
// name `a/b` (404 UNKNOWN_MODEL once the body is read, the same answer as any unknown model),
// not a different route.
import { AdapterError } from '../contract/errors.ts';

export type RouteName = 'listModels' | 'predict' | 'explain' | 'predictEnsemble';

/** A matched route, with the name in its path as written (request.ts checks it). */
export type MatchedRoute = { name: 'listModels' } | { name: Exclude<RouteName, 'listModels'>; rawName: string };

interface RouteSpec {
  pattern: RegExp;
  method: string;
  name: RouteName;
}

const ROUTES: RouteSpec[] = [
  { pattern: /^\/v1\/models\/?$/, method: 'GET', name: 'listModels' },
  { pattern: /^\/v1\/models\/(.+)\/predict\/?$/s, method: 'POST', name: 'predict' },
  { pattern: /^\/v1\/models\/(.+)\/explain\/?$/s, method: 'POST', name: 'explain' },
  { pattern: /^\/v1\/ensembles\/(.+)\/predict\/?$/s, method: 'POST', name: 'predictEnsemble' },
];

/** The route of `method` and `path`: 405 for a known path with another method, else 404. */
export function matchRoute(method: string, path: string): MatchedRoute {
  for (const spec of ROUTES) {
    const match = spec.pattern.exec(path);
    if (!match) continue;
    if (method !== spec.method) throw new AdapterError('METHOD_NOT_ALLOWED', { allow: spec.method });
    return spec.name === 'listModels' ? { name: 'listModels' } : { name: spec.name, rawName: match[1] ?? '' };
  }
  throw new AdapterError('NOT_FOUND');
}
