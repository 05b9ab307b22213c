// Two versions of the handler side by side, to see what one change is worth: the handler of
// each working tree, imported in one process against one loopback model, called in turns of
// 50 requests with a bare undici call (the floor) between them, as the latency scenario does.
// Noise on a shared machine then lands on all three alike; the difference between the two
// trees' figures in one run is what the change does.
//   git worktree add /tmp/before <commit> && ln -s "$PWD/node_modules" /tmp/before/
//   node bench/ab.ts /tmp/before .            (REQUESTS per tree, default 15000)
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { Agent, request } from 'undici';
import type { GatewayEvent } from '../lambda/http/event.ts';
import { startSsmServer } from '../local/ssm-server.ts';
import { invocationContext, type Handler } from './lib/handler.ts';
import { failChild, reportAndExit, runChild, startChild } from './lib/processes.ts';
import { quantileSorted } from './lib/stats.ts';
import { DATA_TEXT, MODEL_PATH, benchParameters, handlerEnv, predictEvent } from './lib/workload.ts';

const BLOCK = 50;
const WARMUP_BLOCKS = 40;

interface Figures {
  p50Us: number;
  p99Us: number;
  cpuUsPerRequest: number;
}

type Result = Record<string, Figures & { addedP50Us?: number; addedP99Us?: number }>;

async function measure(trees: string[]): Promise<Result> {
  const modelUrl = process.env.MODEL_URL ?? '';
  const requests = Number(process.env.REQUESTS ?? 15_000);
  const ssm = await startSsmServer({ parameters: () => benchParameters(modelUrl) });
  Object.assign(process.env, handlerEnv(ssm.url));
  const handlers: Handler[] = [];
  for (const tree of trees) {
    const module = (await import(`${pathToFileURL(resolve(tree, 'lambda/handler.ts')).href}?ab=${handlers.length}`)) as { handler: Handler };
    handlers.push(module.handler);
  }
  const direct = new Agent({ keepAliveTimeout: 4_000, keepAliveMaxTimeout: 15_000 });
  let inputs: Array<[GatewayEvent, Context]> = [];
  let next = 0;
  const calls: Record<string, () => Promise<void>> = {
    direct: async () => {
      const response = await request(`${modelUrl}${MODEL_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: DATA_TEXT, dispatcher: direct });
      await response.body.text();
    },
  };
  trees.forEach((tree, i) => {
    calls[`${i}: ${tree}`] = async () => {
      const [event, context] = inputs[next++]!;
      const result = await handlers[i]!(event, context);
      if (result.statusCode !== 200) throw new Error(`${tree} answered ${result.statusCode}: ${result.body}`);
    };
  });
  const names = Object.keys(calls);
  const samples = Object.fromEntries(names.map((name) => [name, [] as number[]]));
  const cpu = Object.fromEntries(names.map((name) => [name, 0]));
  for (let block = 0; block < WARMUP_BLOCKS + requests / BLOCK; block++) {
    for (const name of names) {
      // Each block's events are built before its clock starts.
      inputs = Array.from({ length: BLOCK }, () => [predictEvent(), invocationContext()]);
      next = 0;
      const started = process.cpuUsage();
      for (let i = 0; i < BLOCK; i++) {
        const t0 = performance.now();
        await calls[name]!();
        if (block >= WARMUP_BLOCKS) samples[name]!.push((performance.now() - t0) * 1000);
      }
      const used = process.cpuUsage(started);
      if (block >= WARMUP_BLOCKS) cpu[name]! += used.user + used.system;
    }
  }
  await ssm.close();
  const result: Result = {};
  for (const name of names) {
    const sorted = samples[name]!.sort((a, b) => a - b);
    result[name] = { p50Us: quantileSorted(sorted, 0.5), p99Us: quantileSorted(sorted, 0.99), cpuUsPerRequest: cpu[name]! / sorted.length };
  }
  for (const name of names.slice(1)) {
    result[name]!.addedP50Us = result[name]!.p50Us - result.direct!.p50Us;
    result[name]!.addedP99Us = result[name]!.p99Us - result.direct!.p99Us;
  }
  return result;
}

if (process.env.AB_CHILD === '1') {
  measure(JSON.parse(process.env.AB_TREES ?? '[]') as string[]).then(reportAndExit, failChild);
} else {
  const trees = process.argv.slice(2);
  if (trees.length === 0) throw new Error('usage: node bench/ab.ts TREE [TREE ...]');
  const model = await startChild<{ url: string }>('servers/model.ts');
  try {
    const result = await runChild<Result>('ab.ts', { env: { MODEL_URL: model.info.url, AB_CHILD: '1', AB_TREES: JSON.stringify(trees) }, execArgv: ['--expose-gc'] });
    for (const [name, f] of Object.entries(result)) {
      const added = f.addedP50Us === undefined ? '' : `  added p50 ${f.addedP50Us.toFixed(1)} µs, p99 ${f.addedP99Us!.toFixed(1)} µs`;
      console.log(`${name.padEnd(32)} p50 ${f.p50Us.toFixed(1)} µs  p99 ${f.p99Us.toFixed(1)} µs  cpu ${f.cpuUsPerRequest.toFixed(1)} µs/request${added}`);
    }
  } finally {
    await model.stop();
  }
}
