// One Lambda container for scripts/ssm-scale.ts: lambda/handler.ts in a process of its own
// (its own module state, SSM client and environment), invoked over IPC. After answering it can
// freeze for as long as the parent says, as Lambda freezes a container between invocations:
// nothing in the process runs meanwhile (Atomics.wait), its sockets and timers included, while
// the SSM endpoint, in the parent, goes on.
//
// parent -> child: { invoke: { model, freezeMs, freezeAfter503Ms } }
// child -> parent: { ready: true }, { answer: { status, ms, cache, retryAfter } }, { refresh: { ok, ms, pages, pagesKept, slow, errorClass } }
import type { Context } from 'aws-lambda';
import type { HttpResult } from '../../lambda/contract/response.ts';
import { envelope, lambdaContext, predictPath, restEvent } from '../../test/support/events.ts';

interface Invoke {
  model: string;
  /** How long to stay frozen after answering: B's gap before its next request. */
  freezeMs: number;
  /** The same after a 503; by default B's wait is the answer's Retry-After. */
  freezeAfter503Ms?: number;
}

// The adapter's log lines are read here, not printed: the request line's cache state goes back
// with the answer, the refresh lines as they come.
let cache: unknown;
const readLines = (chunk: unknown): boolean => {
  for (const line of String(chunk).split('\n')) {
    if (!line.startsWith('{')) continue;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (record.message === 'request') cache = record.cache;
    else if (record.message === 'configuration refreshed' || record.message === 'configuration refresh failed') {
      const { ms, pages, pagesKept, slow, errorClass } = record;
      process.send?.({ refresh: { ok: record.message === 'configuration refreshed', ms, pages, pagesKept, slow, errorClass } });
    }
  }
  return true;
};
process.stdout.write = readLines as typeof process.stdout.write;
process.stderr.write = readLines as typeof process.stderr.write;

const { handler } = (await import('../../lambda/handler.ts')) as { handler: (event: unknown, context: Context) => Promise<HttpResult> };

const freeze = (ms: number): void => {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

process.on('message', (message: { invoke?: Invoke }) => {
  const invoke = message.invoke;
  if (!invoke) return;
  void (async () => {
    cache = undefined;
    const started = performance.now();
    const result = await handler(restEvent({ path: predictPath(invoke.model), body: envelope('b-scale-0001', { x: [1, 2, 3] }) }), lambdaContext(29_000));
    const ms = performance.now() - started;
    const retryAfter = Number(result.headers['retry-after'] ?? Number.NaN);
    const freezeMs = result.statusCode === 503 ? (invoke.freezeAfter503Ms ?? retryAfter * 1000) : invoke.freezeMs;
    process.send?.({ answer: { status: result.statusCode, ms, cache, retryAfter } }, () => freeze(freezeMs));
  })();
});
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true });
