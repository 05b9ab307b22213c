// The Lambda Managed Instances shape: 2 worker threads in one process, each importing the real
// handler once (bench/lib/lmi-worker.ts) and keeping 64 invocations in flight, against the
// loopback model answering after 20 ms (its own process), with the loopback SSM endpoint in
// this one. The floor proxy's function runs in the same shape, in the same run, turn about
// with the handler, so that the ratio sees the same machine.
//   throughput  closed loop, 2 × 64 in flight: requests a second, and CPU time of this whole
//               process (both threads, their log output) per request;
//   latency     open loop, the handler and the floor proxy side by side in the same threads
//               and the same seconds, each at a quarter of the handler's throughput: the p99
//               the handler adds over the floor proxy's, per round, the median across rounds
//               (a pause of the machine lands on both; at saturation a closed loop's latency
//               is only its queue, 128 ÷ throughput, and LMI scales out on CPU before that);
//   memory      this process's RSS after a collection in each thread, after every handler
//               round: its level at the end, and its growth from its working size to the end.
//               The working size is the RSS after the first round that ends 10 s or more into
//               the handler's load (the first round on a run shorter than 20 s): V8 grows the
//               threads' heaps (their committed size, not what is in use) over the first
//               seconds under 128 invocations in flight, and keeps them. The threads' heap in
//               use after a collection, the soak's measure, is beside it.
// Child process: MODEL_URL (a model with 20 ms latency), LMI_SECONDS (handler time under load,
// split in rounds of 5 s, or in two on a short run), LMI_LATENCY_SECONDS (rounds of 2 s),
// WARMUP_SECONDS. Needs --expose-gc.
import { cpuUsage, memoryUsage } from 'node:process';
import { Worker } from 'node:worker_threads';
import { startSsmServer } from '../../local/ssm-server.ts';
import type { LmiVariant, RunCommand, RunResult } from '../lib/lmi-worker.ts';
import { failChild, reportAndExit } from '../lib/processes.ts';
import { quantile } from '../lib/stats.ts';
import { benchParameters, handlerEnv } from '../lib/workload.ts';

export const LMI_THREADS = 2;
export const LMI_CONCURRENCY = 64;
export const LMI_MODEL_LATENCY_MS = 20;

export interface LmiThroughputRound {
  variant: LmiVariant;
  ms: number;
  rps: number;
  cpuUsPerRequest: number;
  p50Ms: number;
  p99Ms: number;
  failed: number;
}

export interface LmiResult {
  threads: number;
  concurrencyPerThread: number;
  modelLatencyMs: number;
  handlerSeconds: number;
  rounds: LmiThroughputRound[];
  latency: { ratePerS: number; seconds: number; rounds: { handler: PacedRound; floor: PacedRound; addedP99Ms: number }[]; addedP99Ms: number };
  memory: {
    warmRssMb: number;
    firstRoundRssMb: number;
    endRssMb: number;
    /** From the working size (the round ending 10 s into the load, or the first on a short run) to the end. */
    rssGrowthMb: number;
    firstRoundHeapMb: number;
    endHeapMb: number;
    heapGrowthMb: number;
    endHeapTotalMb: number;
    endExternalMb: number;
    rssAfterRoundMb: number[];
  };
  ssmCalls: number;
}

export interface PacedRound {
  p50Ms: number;
  p99Ms: number;
  count: number;
  /** Arrivals not started because 64 were in flight already in their thread. */
  dropped: number;
}

interface Thread {
  worker: Worker;
  request<T>(message: unknown, key: string): Promise<T>;
}

let nextId = 0;

function startThread(env: Record<string, string>, modelUrl: string): Promise<Thread> {
  const worker = new Worker(new URL('../lib/lmi-worker.ts', import.meta.url), { workerData: { env, modelUrl } });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', () => {
      worker.off('error', reject);
      resolve({
        worker,
        request: <T>(message: unknown, key: string) =>
          new Promise<T>((done, fail) => {
            const id = ++nextId;
            const onMessage = (reply: Record<string, unknown>): void => {
              if (reply.id !== id) return;
              worker.off('message', onMessage);
              if ('error' in reply) fail(new Error(String(reply.error)));
              else done(reply[key] as T);
            };
            worker.on('message', onMessage);
            worker.postMessage({ ...(message as object), id });
          }),
      });
    });
  });
}

const MB = 1024 * 1024;

export async function main(): Promise<LmiResult> {
  const modelUrl = process.env.MODEL_URL ?? '';
  const handlerSeconds = Number(process.env.LMI_SECONDS ?? 6);
  const latencySeconds = Number(process.env.LMI_LATENCY_SECONDS ?? 6);
  const warmupSeconds = Number(process.env.WARMUP_SECONDS ?? 2);
  const ssm = await startSsmServer({ parameters: () => benchParameters(modelUrl) });
  const env = { ...handlerEnv(ssm.url), AWS_LAMBDA_MAX_CONCURRENCY: String(LMI_CONCURRENCY), AWS_LAMBDA_INITIALIZATION_TYPE: 'lambda-managed-instances' };
  const threads: Thread[] = [];
  try {
    for (let t = 0; t < LMI_THREADS; t++) threads.push(await startThread(env, modelUrl));
    const runAll = (command: RunCommand): Promise<RunResult[]> => Promise.all(threads.map((thread) => thread.request<RunResult>({ run: command }, 'done')));
    const memory = async (): Promise<{ rss: number; heap: number; heapTotal: number; external: number }> => {
      const usages = await Promise.all(threads.map((thread) => thread.request<NodeJS.MemoryUsage>({ gc: true }, 'memory')));
      globalThis.gc?.();
      const sum = (key: 'heapUsed' | 'heapTotal' | 'external'): number => usages.reduce((total, usage) => total + usage[key], 0);
      return { rss: memoryUsage().rss, heap: sum('heapUsed'), heapTotal: sum('heapTotal'), external: sum('external') };
    };

    const closed = async (variant: LmiVariant, ms: number): Promise<LmiThroughputRound> => {
      const cpu = cpuUsage();
      const started = performance.now();
      const results = await runAll({ variant, ms, concurrency: LMI_CONCURRENCY });
      const elapsed = performance.now() - started;
      const used = cpuUsage(cpu);
      const count = results.reduce((sum, r) => sum + r.count, 0);
      const latencies = results.flatMap((r) => r.latenciesMs);
      return {
        variant,
        ms: elapsed,
        rps: (count / elapsed) * 1000,
        cpuUsPerRequest: (used.user + used.system) / count,
        p50Ms: quantile(latencies, 0.5),
        p99Ms: quantile(latencies, 0.99),
        failed: results.reduce((sum, r) => sum + r.failed, 0),
      };
    };

    for (const variant of ['handler', 'floor'] as const) await closed(variant, warmupSeconds * 1000);
    const warm = await memory();
    // Rounds of 5 s on a long run; at least two rounds, so that there is a growth to measure.
    const roundMs = handlerSeconds >= 20 ? 5_000 : Math.max(1_000, (handlerSeconds * 1000) / 2);
    const roundCount = Math.max(1, Math.round((handlerSeconds * 1000) / roundMs));
    const rounds: LmiThroughputRound[] = [];
    const rssAfterRound: number[] = [];
    let end = warm;
    let first: typeof warm | undefined;
    let handlerMs = 0;
    const settledMs = handlerSeconds >= 20 ? 10_000 : 0;
    for (let r = 0; r < roundCount; r++) {
      const order: LmiVariant[] = r % 2 === 0 ? ['handler', 'floor'] : ['floor', 'handler'];
      for (const variant of order) {
        rounds.push(await closed(variant, roundMs));
        if (variant === 'handler') {
          end = await memory();
          handlerMs += roundMs;
          if (handlerMs >= settledMs) first ??= end;
          rssAfterRound.push(end.rss / MB);
        }
      }
    }

    const handlerRps = quantile(rounds.filter((r) => r.variant === 'handler').map((r) => r.rps), 0.5);
    const ratePerS = Math.max(10, Math.round(handlerRps / 4));
    const open = async (variant: LmiVariant, ms: number): Promise<PacedRound> => {
      const results = await runAll({ variant, ms, concurrency: LMI_CONCURRENCY, ratePerS: ratePerS / LMI_THREADS });
      const latencies = results.flatMap((r) => r.latenciesMs);
      return { p50Ms: quantile(latencies, 0.5), p99Ms: quantile(latencies, 0.99), count: latencies.length, dropped: results.reduce((sum, r) => sum + r.failed, 0) };
    };
    const pacedMs = 2_000;
    const paced: LmiResult['latency']['rounds'] = [];
    for (let r = 0; r < Math.max(1, Math.round(latencySeconds / 2)); r++) {
      const [handlerRound, floorRound] = await Promise.all([open('handler', pacedMs), open('floor', pacedMs)]);
      paced.push({ handler: handlerRound!, floor: floorRound!, addedP99Ms: handlerRound!.p99Ms - floorRound!.p99Ms });
    }

    return {
      threads: LMI_THREADS,
      concurrencyPerThread: LMI_CONCURRENCY,
      modelLatencyMs: LMI_MODEL_LATENCY_MS,
      handlerSeconds: (roundCount * roundMs) / 1000,
      rounds,
      latency: { ratePerS, seconds: latencySeconds, rounds: paced, addedP99Ms: quantile(paced.map((r) => r.addedP99Ms), 0.5) },
      memory: {
        warmRssMb: warm.rss / MB,
        firstRoundRssMb: (first ?? end).rss / MB,
        endRssMb: end.rss / MB,
        rssGrowthMb: (end.rss - (first ?? end).rss) / MB,
        firstRoundHeapMb: (first ?? end).heap / MB,
        endHeapMb: end.heap / MB,
        heapGrowthMb: (end.heap - (first ?? end).heap) / MB,
        endHeapTotalMb: end.heapTotal / MB,
        endExternalMb: end.external / MB,
        rssAfterRoundMb: rssAfterRound,
      },
      ssmCalls: ssm.calls.length,
    };
  } finally {
    await Promise.all(threads.map((thread) => thread.worker.terminate()));
    await ssm.close();
  }
}

if (import.meta.main) main().then(reportAndExit, failChild);
