// One worker thread of the managed-instances scenario, shaped as Lambda Managed Instances runs
// the handler: its environment first (workerData.env, AWS_LAMBDA_MAX_CONCURRENCY set), the
// InvokeStore made before the handler's init, lambda/handler.ts imported once for the thread,
// then invocations `concurrency` at a time, each in its own InvokeStore context. The floor
// proxy's function runs in the same thread shape, for the figure it is compared with.
// Commands from the parent, each with an id its answer repeats (runs may overlap):
// { id, run: { variant, ms, concurrency, ratePerS? } } answers { id, done: { count, failed,
// latenciesMs } }; { id, gc: true } answers { id, memory } after a collection.
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import type { Context } from 'aws-lambda';
import type { HttpResult } from '../../lambda/contract/response.ts';

export type LmiVariant = 'handler' | 'floor';

export interface RunCommand {
  variant: LmiVariant;
  ms: number;
  concurrency: number;
  /** Open loop: start this many invocations a second (at most `concurrency` in flight); closed loop when absent. */
  ratePerS?: number;
}

export interface RunResult {
  count: number;
  failed: number;
  latenciesMs: number[];
}

const { env, modelUrl } = workerData as { env: Record<string, string>; modelUrl: string };
Object.assign(process.env, env);
const { invocationRunner } = await import('../../local/invocation.ts');
const runner = await invocationRunner();
if (!runner.concurrent) throw new Error('the InvokeStore is not the AsyncLocalStorage kind: AWS_LAMBDA_MAX_CONCURRENCY was not set first');
const { handler } = (await import('../../lambda/handler.ts')) as { handler: (event: unknown, context: Context) => Promise<HttpResult> };
const { floorProxy } = await import('../servers/floor-proxy.ts');
const { ENVELOPE_TEXT, predictEvent } = await import('./workload.ts');
const { invocationContext } = await import('./handler.ts');

const floor = floorProxy(modelUrl);
let sequence = 0;

const calls: Record<LmiVariant, () => Promise<boolean>> = {
  handler: () => {
    const context = { ...invocationContext(), awsRequestId: `lmi-${++sequence}` } as Context;
    return runner.run({ requestId: context.awsRequestId }, async () => (await handler(predictEvent(), context)).statusCode === 200);
  },
  floor: async () => (await floor(ENVELOPE_TEXT)).length > 0,
};

async function run(command: RunCommand): Promise<RunResult> {
  const call = calls[command.variant];
  const latenciesMs: number[] = [];
  let failed = 0;
  const until = performance.now() + command.ms;
  const one = async (): Promise<void> => {
    const started = performance.now();
    let ok = false;
    try {
      ok = await call();
    } catch {
      ok = false;
    }
    latenciesMs.push(performance.now() - started);
    if (!ok) failed++;
  };
  if (command.ratePerS === undefined) {
    // Closed loop: `concurrency` invocations in flight all the time.
    const loop = async (): Promise<void> => {
      while (performance.now() < until) await one();
    };
    await Promise.all(Array.from({ length: command.concurrency }, loop));
  } else {
    // Open loop: arrivals on a fixed schedule, whatever the answers take (up to `concurrency` in flight).
    const interval = 1000 / command.ratePerS;
    const inFlight = new Set<Promise<void>>();
    let next = performance.now();
    while (next < until) {
      const wait = next - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (inFlight.size < command.concurrency) {
        const p: Promise<void> = one().finally(() => inFlight.delete(p));
        inFlight.add(p);
      } else failed++;
      next += interval;
    }
    await Promise.all(inFlight);
  }
  return { count: latenciesMs.length, failed, latenciesMs };
}

const port = parentPort!;
port.on('message', (message: { id: number; run?: RunCommand; gc?: true }) => {
  const { id } = message;
  if (message.run) {
    run(message.run).then(
      (done) => port.postMessage({ id, done }),
      (error: unknown) => port.postMessage({ id, error: String(error) }),
    );
  } else if (message.gc) {
    globalThis.gc?.();
    port.postMessage({ id, memory: process.memoryUsage() });
  }
});
port.postMessage({ ready: true });
