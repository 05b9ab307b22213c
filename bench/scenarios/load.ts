// Throughput under concurrency: autocannon (programmatic) with 32 connections against HTTP
// servers that each run in their own process. Every round loads each target once, in a
// rotating order, so that both see the same machine; the ratio is taken within a round.
import autocannon from 'autocannon';
import { ENVELOPE_TEXT, HTTP_HEADERS, PREDICT_PATH } from '../lib/workload.ts';

export const CONNECTIONS = 32;

export interface LoadRound {
  rps: number;
  /** CPU time of the server's own process per answered request, when it can be asked. */
  serverCpuUsPerRequest?: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

/** A server under load: its URL and, when it runs in a bench child, a way to read its CPU time. */
export interface LoadTarget {
  url: string;
  cpuUs?: () => Promise<number>;
}

async function load(target: LoadTarget, durationS: number): Promise<LoadRound> {
  const cpuBefore = await target.cpuUs?.();
  const result = await autocannon({
    url: `${target.url}${PREDICT_PATH}`,
    connections: CONNECTIONS,
    duration: durationS,
    method: 'POST',
    headers: HTTP_HEADERS,
    body: ENVELOPE_TEXT,
  });
  const cpuAfter = await target.cpuUs?.();
  const ok = result.requests.total - result.non2xx;
  return {
    rps: ok / result.duration,
    ...(cpuBefore !== undefined && cpuAfter !== undefined ? { serverCpuUsPerRequest: (cpuAfter - cpuBefore) / ok } : {}),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

export async function measureLoad<K extends string>(
  targets: Record<K, LoadTarget>,
  options: { rounds: number; durationS: number; warmupS: number },
): Promise<Record<K, LoadRound>[]> {
  const names = Object.keys(targets) as K[];
  if (options.warmupS > 0) for (const name of names) await load(targets[name], options.warmupS);
  const rounds: Record<K, LoadRound>[] = [];
  for (let r = 0; r < options.rounds; r++) {
    const round = {} as Record<K, LoadRound>;
    for (let k = 0; k < names.length; k++) {
      const name = names[(r + k) % names.length] as K;
      round[name] = await load(targets[name], options.durationS);
    }
    rounds.push(round);
  }
  return rounds;
}
