// SSM calls while serving 10,000 requests spread over several cache TTL periods: a fresh
// handler (cold cache) with PARAMETER_CACHE_TTL_SECONDS=1 against a loopback SSM endpoint
// that counts every call, requests paced evenly over SPREAD_MS by a few concurrent callers.
// Child process: MODEL_URL, ROUNDS, REQUESTS, SPREAD_MS, TTL_SECONDS.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { startSsmServer } from '../../local/ssm-server.ts';
import { importHandler, invocationContext } from '../lib/handler.ts';
import { failChild, reportAndExit } from '../lib/processes.ts';
import { benchParameters, handlerEnv, predictEvent } from '../lib/workload.ts';

export interface SsmRound {
  calls: number;
  requests: number;
  failed: number;
  durationMs: number;
  ttlSeconds: number;
  /** One refresh per TTL period the requests spanned, plus the first load. */
  allowedCalls: number;
}

const CALLERS = 8;

async function round(modelUrl: string, requests: number, spreadMs: number, ttlSeconds: number): Promise<SsmRound> {
  const ssm = await startSsmServer({ parameters: () => benchParameters(modelUrl) });
  const handler = await importHandler(handlerEnv(ssm.url, ttlSeconds));
  const events = Array.from({ length: requests }, () => predictEvent());
  const interval = spreadMs / requests;
  let next = 0;
  let failed = 0;
  const started = performance.now();
  const caller = async (): Promise<void> => {
    for (let i = next++; i < requests; i = next++) {
      const due = started + i * interval;
      const wait = due - performance.now();
      if (wait >= 1) await sleep(wait);
      const result = await handler(events[i] as never, invocationContext());
      if (result.statusCode !== 200) failed++;
    }
  };
  await Promise.all(Array.from({ length: CALLERS }, caller));
  const durationMs = performance.now() - started;
  const calls = ssm.calls.length;
  await ssm.close();
  return { calls, requests, failed, durationMs, ttlSeconds, allowedCalls: Math.ceil(durationMs / (ttlSeconds * 1000)) + 1 };
}

export async function main(): Promise<SsmRound[]> {
  const modelUrl = process.env.MODEL_URL ?? '';
  const rounds = Number(process.env.ROUNDS ?? 3);
  const requests = Number(process.env.REQUESTS ?? 10_000);
  const spreadMs = Number(process.env.SPREAD_MS ?? 3_500);
  const ttlSeconds = Number(process.env.TTL_SECONDS ?? 1);
  const results: SsmRound[] = [];
  for (let r = 0; r < rounds; r++) results.push(await round(modelUrl, requests, spreadMs, ttlSeconds));
  return results;
}

if (import.meta.main) main().then(reportAndExit, failChild);
