// The configuration cache of one Lambda container (docs/contract.md, "Configuration in SSM"):
// - fresh for the TTL less a random jitter of up to 20%, so containers do not refresh in step;
// - one refresh in flight at a time, which every request that finds the copy too old awaits,
//   each for no longer than its own budget; the refresh is never abandoned when a request stops
//   waiting: it runs to its end (each SSM call has its own timeouts) and its value swaps in at
//   once, so a prefix too big to read within one request's budget loads over several requests;
// - a container whose last refresh took longer than the budget (a big prefix) no longer makes
//   anyone wait: a request that finds the copy too old is served it (stale) while the refresh
//   runs, until the copy is a whole TTL overdue; then requests wait again, within their budget,
//   because Lambda freezes the process between invocations and a refresh only moves on while
//   some invocation is running;
// - a failed refresh keeps the last good copy serving (stale) and is retried one jittered TTL
//   later; with no good copy yet, after a short back-off, and meanwhile requests get 503. The
//   loader may keep what a failed refresh read (ssm-parameters.ts keeps its pages), so that
//   the retry resumes where it stopped.
import { AdapterError } from '../contract/errors.ts';

export type CacheState = 'hit' | 'miss' | 'stale';

export interface Lookup<T> {
  value: T;
  cache: CacheState;
}

export interface RefreshOutcome {
  ok: boolean;
  error?: unknown;
  /** How long this attempt took, freezes between invocations included. */
  ms: number;
  /** Whether requests are served the old copy without waiting while the next refresh runs. */
  slow: boolean;
}

export interface RegistryOptions<T> {
  /**
   * Reads the whole configuration, however long that takes. `previous` is the last good value,
   * so that parts that did not change can be reused and refused parts fall back. A load that
   * fails may keep what it read for the next call to resume from.
   */
  load: (previous: T | undefined) => Promise<T>;
  ttlMs: number;
  /**
   * The SSM budget: the most any request waits for a refresh. A refresh that outlasts a wait of
   * this length marks the container slow; one that completes within it, not slow.
   */
  refreshBudgetMs: number;
  /** Told about each refresh, for logs and metrics; never given parameter values. */
  onRefresh?: (outcome: RefreshOutcome) => void;
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
  #slow = false;
  /** A request waited the whole budget for the refresh in flight, which was still running. */
  #outwaited = false;

  constructor(options: RegistryOptions<T>) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
  }

  /** The configuration, waiting at most `waitMs` for a refresh; CONFIG_UNAVAILABLE when none is good. */
  async get(waitMs: number): Promise<Lookup<T>> {
    const now = this.#now();
    const value = this.#value;
    if (value !== undefined && now < this.#freshUntil) return { value, cache: 'hit' };
    if (!this.#inflight && now < this.#retryAt) return this.#stale();
    const refresh = (this.#inflight ??= this.#refresh());
    if (value !== undefined && this.#slow && now < this.#freshUntil + this.#options.ttlMs) return { value, cache: 'stale' };
    const fresh = await settleWithin(refresh, waitMs);
    if (fresh !== undefined) return { value: fresh, cache: 'miss' };
    // Only a wait of the whole budget, during which this invocation ran (Lambda does not freeze
    // a running invocation), says that the refresh is slow; a freeze lengthens `ms` alone.
    if (waitMs >= this.#options.refreshBudgetMs && this.#inflight === refresh) this.#outwaited = true;
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
    this.#outwaited = false;
    try {
      const value = await this.#options.load(this.#value);
      const ms = this.#now() - started;
      if (this.#outwaited) this.#slow = true;
      else if (ms <= this.#options.refreshBudgetMs) this.#slow = false;
      this.#value = value;
      this.#freshUntil = this.#now() + this.#jitteredTtl();
      this.#retryAt = 0;
      this.#options.onRefresh?.({ ok: true, ms, slow: this.#slow });
      return value;
    } catch (error) {
      this.#retryAt = this.#now() + (this.#value === undefined ? Math.min(COLD_RETRY_MS, this.#options.ttlMs) : this.#jitteredTtl());
      this.#options.onRefresh?.({ ok: false, error, ms: this.#now() - started, slow: this.#slow });
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
