// The configuration cache of one Lambda container (contract.md, "Configuration in SSM"):
// - fresh for the TTL less a random jitter of up to 20%, so containers do not refresh in step;
// - one refresh in flight at a time, which every request that finds the copy too old awaits,
//   each for no longer than its own budget;
// - a failed refresh keeps the last good copy serving (stale) and is retried one jittered TTL
//   later; with no good copy yet, after a short back-off, and meanwhile requests get 503.
import { AdapterError } from '../contract/errors.ts';

export type CacheState = 'hit' | 'miss' | 'stale';

export interface Lookup<T> {
  value: T;
  cache: CacheState;
}

export interface RegistryOptions<T> {
  /**
   * Reads the whole configuration; must give up when `signal` aborts. `previous` is the last
   * good value, so that parts that did not change can be reused and refused parts fall back.
   */
  load: (signal: AbortSignal, previous: T | undefined) => Promise<T>;
  ttlMs: number;
  /** How long one refresh may take before it is abandoned. */
  refreshBudgetMs: number;
  /** Told about each refresh, for logs and metrics; never given parameter values. */
  onRefresh?: (outcome: { ok: boolean; error?: unknown; ms: number }) => void;
  now?: () => number;
  random?: () => number;
}

/** Back-off after a failed refresh when there is nothing cached to serve meanwhile. */
const COLD_RETRY_MS = 1_000;
const JITTER = 0.2;

export class ConfigRegistry<T> {
  readonly #options: RegistryOptions<T>;
  readonly #now: () => number;
  readonly #random: () => number;
  #value: T | undefined;
  #freshUntil = 0;
  #retryAt = 0;
  #inflight: Promise<T | undefined> | undefined;

  constructor(options: RegistryOptions<T>) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
  }

  /** The configuration, waiting at most `waitMs` for a refresh; CONFIG_UNAVAILABLE when none is good. */
  async get(waitMs: number): Promise<Lookup<T>> {
    const now = this.#now();
    if (this.#value !== undefined && now < this.#freshUntil) return { value: this.#value, cache: 'hit' };
    if (!this.#inflight && now < this.#retryAt) return this.#stale();
    const refresh = (this.#inflight ??= this.#refresh());
    const fresh = await settleWithin(refresh, waitMs);
    if (fresh !== undefined) return { value: fresh, cache: 'miss' };
    return this.#stale();
  }

  #stale(): Lookup<T> {
    if (this.#value === undefined) throw new AdapterError('CONFIG_UNAVAILABLE');
    return { value: this.#value, cache: 'stale' };
  }

  #jitteredTtl(): number {
    return this.#options.ttlMs * (1 - JITTER * this.#random());
  }

  /** Resolves to the new value, or undefined when the refresh failed (it never rejects). */
  async #refresh(): Promise<T | undefined> {
    const started = this.#now();
    try {
      const value = await this.#options.load(AbortSignal.timeout(this.#options.refreshBudgetMs), this.#value);
      this.#value = value;
      this.#freshUntil = this.#now() + this.#jitteredTtl();
      this.#retryAt = 0;
      this.#options.onRefresh?.({ ok: true, ms: this.#now() - started });
      return value;
    } catch (error) {
      this.#retryAt = this.#now() + (this.#value === undefined ? Math.min(COLD_RETRY_MS, this.#options.ttlMs) : this.#jitteredTtl());
      this.#options.onRefresh?.({ ok: false, error, ms: this.#now() - started });
      return undefined;
    } finally {
      this.#inflight = undefined;
    }
  }
}

/** The promise's value if it settles within `ms`, else undefined. */
async function settleWithin<T>(promise: Promise<T | undefined>, ms: number): Promise<T | undefined> {
  if (ms <= 0) return undefined;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, ms, undefined);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
