// Requests one at a time, in-process, in three ways side by side against the same loopback
// model (its own process, so the CPU counted here is the client and the adapter only):
//   direct   a bare undici keep-alive POST of `data`: the floor;
//   floor    the floor proxy's strip-and-wrap function on the envelope text;
//   handler  the exported Lambda handler on REST API v1 events.
// Each round runs every variant once, in a rotating order; a round reports per variant the
// p50 and p99 of per-request wall time and the CPU time per request over the loop.
// Child process: MODEL_URL, ROUNDS, REQUESTS (per variant and round), WARMUP.
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { startSsmServer } from '../../local/ssm-server.ts';
import { importHandler, invocationContext } from '../lib/handler.ts';
import { failChild, reportAndExit } from '../lib/processes.ts';
import { quantileSorted } from '../lib/stats.ts';
import { DATA_TEXT, ENVELOPE_TEXT, MODEL_ANSWER, MODEL_PATH, USER_TAG, benchParameters, handlerEnv, predictEvent } from '../lib/workload.ts';
import { floorProxy } from '../servers/floor-proxy.ts';

export type Variant = 'direct' | 'floor' | 'handler';

export interface VariantRound {
  p50Us: number;
  p99Us: number;
  meanUs: number;
  cpuUsPerRequest: number;
}

export interface LatencyResult {
  requestsPerRound: number;
  rounds: Record<Variant, VariantRound>[];
  ssmCalls: number;
}

const EXPECTED = `{"userTag":${JSON.stringify(USER_TAG)},"result":${MODEL_ANSWER}}`;

/** One measured loop: `prepare` runs before the clock starts, `call` is timed one at a time. */
async function loop<T>(count: number, prepare: (i: number) => T, call: (input: T) => Promise<void>): Promise<VariantRound> {
  const inputs = Array.from({ length: count }, (_, i) => prepare(i));
  const samples = new Float64Array(count);
  globalThis.gc?.();
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await call(inputs[i] as T);
    samples[i] = performance.now() - t0;
  }
  const wall = performance.now() - started;
  const used = process.cpuUsage(cpu);
  samples.sort();
  const sorted = Array.from(samples);
  return {
    p50Us: quantileSorted(sorted, 0.5) * 1000,
    p99Us: quantileSorted(sorted, 0.99) * 1000,
    meanUs: (wall / count) * 1000,
    cpuUsPerRequest: (used.user + used.system) / count,
  };
}

export async function main(): Promise<LatencyResult> {
  const modelUrl = process.env.MODEL_URL ?? '';
  const rounds = Number(process.env.ROUNDS ?? 5);
  const requests = Number(process.env.REQUESTS ?? 3000);
  const warmup = Number(process.env.WARMUP ?? 2000);

  const ssm = await startSsmServer({ parameters: () => benchParameters(modelUrl) });
  const handler = await importHandler(handlerEnv(ssm.url));
  const floor = floorProxy(modelUrl);
  const direct = new Agent({ keepAliveTimeout: 4_000, keepAliveMaxTimeout: 15_000 });
  const target = `${modelUrl}${MODEL_PATH}`;

  const variants: Record<Variant, (n: number) => Promise<VariantRound>> = {
    direct: (n) =>
      loop(n, () => undefined, async () => {
        const response = await request(target, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: DATA_TEXT,
          dispatcher: direct,
        });
        await response.body.text();
      }),
    floor: (n) =>
      loop(n, () => ENVELOPE_TEXT, async (body) => {
        await floor(body);
      }),
    handler: (n) =>
      loop(n, () => ({ event: predictEvent(), context: invocationContext() }), async ({ event, context }) => {
        const result = await handler(event, context);
        if (result.statusCode !== 200 || result.body !== EXPECTED) {
          throw new Error(`handler answered ${result.statusCode}: ${result.body}`);
        }
      }),
  };
  const order: Variant[] = ['direct', 'floor', 'handler'];

  // Warm-up: the SSM load, the JIT and the connection pools, none of it measured.
  for (const name of order) await variants[name](warmup);

  const results: Record<Variant, VariantRound>[] = [];
  for (let r = 0; r < rounds; r++) {
    const round = {} as Record<Variant, VariantRound>;
    for (let k = 0; k < order.length; k++) {
      const name = order[(r + k) % order.length] as Variant;
      round[name] = await variants[name](requests);
    }
    results.push(round);
  }
  const ssmCalls = ssm.calls.length;
  await ssm.close();
  return { requestsPerRound: requests, rounds: results, ssmCalls };
}

if (import.meta.main) main().then(reportAndExit, failChild);
