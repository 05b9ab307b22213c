// Requests one at a time, in-process, in three ways side by side against the same loopback
// model (its own process, so the CPU counted here is the client and the adapter only):
//   direct   a bare undici keep-alive POST of `data`: the floor;
//   floor    the floor proxy's strip-and-wrap function on the envelope text;
//   handler  the exported Lambda handler on REST API v1 events.
// The variants take turns in small blocks, so that the noise of a shared machine lands on all
// of them alike; a round reports per variant the p50 and p99 of per-request wall time and the
// CPU time per request (process.cpuUsage summed over its blocks).
// Child process: MODEL_URL, ROUNDS, REQUESTS (per variant and round), WARMUP.
import { performance } from 'node:perf_hooks';
import type { Context } from 'aws-lambda';
import { Agent, request } from 'undici';
import type { GatewayEvent } from '../../lambda/http/event.ts';
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

/** Requests per turn: long enough that the CPU a request leaves behind rarely lands on another variant. */
const BLOCK = 50;

interface Measure {
  prepare: (i: number) => unknown;
  call: (input: never) => Promise<void>;
}

/**
 * One round: `count` requests per variant, in turns of BLOCK. A block's inputs are prepared
 * just before its clock starts: prepared all at once, thousands of events would sit in the
 * heap and make every garbage collection during the round slower.
 */
async function measureRound(variants: Record<Variant, Measure>, order: Variant[], count: number): Promise<Record<Variant, VariantRound>> {
  const samples = Object.fromEntries(order.map((name) => [name, new Float64Array(count)])) as Record<Variant, Float64Array>;
  const cpuUs = Object.fromEntries(order.map((name) => [name, 0])) as Record<Variant, number>;
  const wallMs = Object.fromEntries(order.map((name) => [name, 0])) as Record<Variant, number>;
  globalThis.gc?.();
  for (let from = 0; from < count; from += BLOCK) {
    const to = Math.min(count, from + BLOCK);
    for (const name of order) {
      const { call, prepare } = variants[name];
      const inputs = Array.from({ length: to - from }, (_, k) => prepare(from + k)) as never[];
      const times = samples[name];
      const cpu = process.cpuUsage();
      const blockStarted = performance.now();
      for (let i = from; i < to; i++) {
        const t0 = performance.now();
        await call(inputs[i - from] as never);
        times[i] = performance.now() - t0;
      }
      wallMs[name] += performance.now() - blockStarted;
      const used = process.cpuUsage(cpu);
      cpuUs[name] += used.user + used.system;
    }
  }
  const round = {} as Record<Variant, VariantRound>;
  for (const name of order) {
    const sorted = Array.from(samples[name].sort());
    round[name] = {
      p50Us: quantileSorted(sorted, 0.5) * 1000,
      p99Us: quantileSorted(sorted, 0.99) * 1000,
      meanUs: (wallMs[name] / count) * 1000,
      cpuUsPerRequest: cpuUs[name] / count,
    };
  }
  return round;
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

  const variants: Record<Variant, Measure> = {
    direct: {
      prepare: () => undefined,
      call: async () => {
        const response = await request(target, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: DATA_TEXT,
          dispatcher: direct,
        });
        await response.body.text();
      },
    },
    floor: {
      prepare: () => ENVELOPE_TEXT,
      call: async (body: string) => {
        await floor(body);
      },
    },
    handler: {
      prepare: () => ({ event: predictEvent(), context: invocationContext() }),
      call: async ({ event, context }: { event: GatewayEvent; context: Context }) => {
        const result = await handler(event, context);
        if (result.statusCode !== 200 || result.body !== EXPECTED) {
          throw new Error(`handler answered ${result.statusCode}: ${result.body}`);
        }
      },
    },
  };
  const names: Variant[] = ['direct', 'floor', 'handler'];

  // Warm-up: the SSM load, the JIT and the connection pools, none of it kept.
  await measureRound(variants, names, warmup);

  const results: Record<Variant, VariantRound>[] = [];
  for (let r = 0; r < rounds; r++) {
    const order = names.map((_, k) => names[(r + k) % names.length] as Variant);
    results.push(await measureRound(variants, order, requests));
  }
  const ssmCalls = ssm.calls.length;
  await ssm.close();
  return { requestsPerRound: requests, rounds: results, ssmCalls };
}

if (import.meta.main) main().then(reportAndExit, failChild);
