// What the routes share: what each is given (the call's time and abort signal), what each
// answers (the response with the facts its request line reports, or the contract error with
// the facts known when it failed), and the configuration for a request.
import { toAdapterError, type AdapterError } from '../contract/errors.ts';
import type { HttpResult } from '../contract/response.ts';
import type { CacheState } from '../config/registry.ts';
import type { ConfigSnapshot } from '../config/snapshot.ts';
import type { ModelDeps } from '../models/invoke-model.ts';
import type { RequestFacts } from '../observability/request-summary.ts';

/** What a route may spend: the Lambda's remaining time less a margin, and the invocation's abort signal. */
export interface CallContext {
  timeLeft: () => number;
  signal?: AbortSignal;
}

export type RouteAnswer = { facts: RequestFacts } & ({ ok: true; response: HttpResult } | { ok: false; error: AdapterError });

export const answered = (response: HttpResult, facts: RequestFacts): RouteAnswer => ({ ok: true, response, facts });

export const failed = (error: unknown, facts: RequestFacts): RouteAnswer => ({ ok: false, error: toAdapterError(error), facts });

/**
 * The configuration for this request: waits for a refresh no longer than the SSM budget or the
 * time left, and says whether it was a hit, a miss or stale. CONFIG_UNAVAILABLE when none is good.
 */
export async function currentSnapshot(deps: Pick<ModelDeps, 'settings' | 'registry'>, call: CallContext): Promise<{ snapshot: ConfigSnapshot; cache: CacheState }> {
  const { value, cache } = await deps.registry.get(Math.min(deps.settings.ssmBudgetMs, call.timeLeft()));
  return { snapshot: value, cache };
}
