// `node scripts/ssm-scale.ts [cold] [fleet] [quota]`: the configuration read at scale, measured
// against the loopback SSM endpoint with a per-call latency, through the real handler and SDK,
// each container a process of its own (scripts/ssm-scale/container.ts). Prints what it found
// and, last, the figures as one JSON line. docs/scaling.md quotes a run.
//
// cold   one container, a prefix of SCALE_PARAMETERS (5,000: 500 models, each with an endpoint,
//        a config, five variants and three TLS parameters) at SCALE_LATENCY_MS (30) a call,
//        frozen between invocations as Lambda freezes it. B retries a 503 after its
//        Retry-After (SCALE_RETRY_GAP_MS overrides), then sends a request every
//        SCALE_WARM_GAP_MS (100) for SCALE_WARM_SECONDS (100) to a model answering in
//        SCALE_MODEL_MS (20). Time to the first 200, the 503s, the longest wait, the SSM calls
//        against the pages, and the calls of each refresh after.
// fleet  SCALE_FLEET_CONTAINERS (2) busy containers (never frozen) for each prefix size in
//        SCALE_FLEET_SIZES (10,100,1000,5000), each with its own endpoint so its calls can be
//        counted, for SCALE_FLEET_SECONDS (180): the calls of each refresh and the time between
//        refreshes, so calls per container per hour, and the fleet size that reaches 40 and
//        100 calls per second.
// quota  SCALE_QUOTA_CONTAINERS (4) busy containers of SCALE_PARAMETERS sharing one endpoint
//        that throttles past SCALE_QUOTA_TPS (40) calls a second, started at once, for
//        SCALE_QUOTA_SECONDS (150): throttles, 503s, stale answers, refreshes and copy ages.
//
// PARAMETER_CACHE_TTL_SECONDS is SCALE_TTL_SECONDS (30) throughout.
import { fork, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startSsmServer, type PageCall, type SsmServer } from '../local/ssm-server.ts';
import { answerJson, startModelServer, type ModelServer } from '../test/support/model-server.ts';
import { tlsFixtures } from '../test/support/tls-fixtures.ts';

const PREFIX = '/contract-adapter/scale';
const PAGE = 10;

const num = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number, got ${JSON.stringify(raw)}`);
  return value;
};
const PARAMETERS = num('SCALE_PARAMETERS', 5_000);
const LATENCY_MS = num('SCALE_LATENCY_MS', 30);
const TTL_SECONDS = num('SCALE_TTL_SECONDS', 30);

/** `count` parameters under the prefix, ten a model: endpoint, config, five variants, TLS ca, cert and key. */
function scalePrefix(count: number, modelUrl: string): { parameters: Record<string, string>; model: string } {
  const tls = count >= 10 ? tlsFixtures() : undefined;
  const parameters: Record<string, string> = {};
  const models = Math.max(1, Math.floor(count / 10));
  const name = (i: number) => `m${String(i).padStart(4, '0')}`;
  for (let i = 0; i < models && Object.keys(parameters).length < count; i++) {
    const m = `${PREFIX}/models/${name(i)}`;
    parameters[`${m}/endpoint`] = `${modelUrl}/${name(i)}`;
    if (!tls) continue;
    parameters[`${m}/config`] = JSON.stringify({
      timeoutMs: 2_000,
      variants: { canary: { variant: 'v2', percent: 10 } },
      tls: { ca: `tls/${name(i)}/ca`, cert: `tls/${name(i)}/cert`, key: `tls/${name(i)}/key` },
    });
    for (const variant of ['v2', 'v3', 'lab', 'blue', 'green']) parameters[`${m}/variants/${variant}/endpoint`] = `${modelUrl}/${name(i)}/${variant}`;
    parameters[`${PREFIX}/tls/${name(i)}/ca`] = tls.caCert;
    parameters[`${PREFIX}/tls/${name(i)}/cert`] = tls.clientCert;
    parameters[`${PREFIX}/tls/${name(i)}/key`] = tls.clientKey;
  }
  for (let i = 0; Object.keys(parameters).length < count; i++) parameters[`${PREFIX}/models/x${String(i).padStart(5, '0')}/endpoint`] = `${modelUrl}/x`;
  return { parameters, model: name(Math.floor(models / 2)) };
}

interface Answer {
  status: number;
  ms: number;
  cache: string | undefined;
  /** Retry-After, in seconds (NaN when absent). */
  retryAfter: number;
}
interface Refresh {
  at: number;
  ok: boolean;
  ms: number;
  pages?: number;
  pagesKept?: number;
  slow?: boolean;
  errorClass?: string;
}

/** A container process against `ssmUrl`. */
async function startContainer(ssmUrl: string) {
  const child: ChildProcess = fork(fileURLToPath(new URL('./ssm-scale/container.ts', import.meta.url)), [], {
    env: {
      ...process.env,
      PARAMETER_PREFIX: PREFIX,
      PARAMETER_CACHE_TTL_SECONDS: String(TTL_SECONDS),
      AWS_ENDPOINT_URL_SSM: ssmUrl,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'scale',
      AWS_SECRET_ACCESS_KEY: 'scale',
    },
    execArgv: [],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const refreshes: Refresh[] = [];
  let pending: ((answer: Answer) => void) | undefined;
  const ready = new Promise<void>((resolve) => {
    child.on('message', (message: { ready?: true; answer?: Answer; refresh?: Omit<Refresh, 'at'> }) => {
      if (message.ready) resolve();
      if (message.refresh) refreshes.push({ at: performance.now(), ...message.refresh });
      if (message.answer) pending?.(message.answer);
    });
  });
  await ready;
  return {
    refreshes,
    /** Invokes once; the container then stays frozen `freezeMs` (`freezeAfter503Ms` after a 503). */
    invoke(model: string, freezeMs = 0, freezeAfter503Ms?: number): Promise<Answer> {
      return new Promise((resolve) => {
        pending = resolve;
        child.send({ invoke: { model, freezeMs, freezeAfter503Ms } });
      });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** An SSM endpoint whose page calls are timed, in step with `pageCalls`. */
async function timedSsm(parameters: Record<string, string>, quotaTps?: number) {
  const times: number[] = [];
  const ssm = await startSsmServer({
    parameters: () => parameters,
    latencyMs: LATENCY_MS,
    ...(quotaTps === undefined ? {} : { quotaTps }),
    onCall: (action) => {
      if (action === 'GetParametersByPath') times.push(performance.now());
    },
  });
  return { ssm, times };
}

interface Pass {
  startedAt: number;
  calls: number;
  pagesRead: number;
  repeated: number;
  throttled: number;
  complete: boolean;
}

/** Splits one container's page calls into passes, each starting at page 1 (offset 0 answered 200 or not). */
function passes(calls: readonly PageCall[], times: readonly number[], pages: number): Pass[] {
  const out: (Pass & { seen: Set<number> })[] = [];
  let current: (Pass & { seen: Set<number> }) | undefined;
  calls.forEach((call, i) => {
    const previous = calls[i - 1];
    // A new pass asks for page 1 after the last page was read (or at the very start).
    const startsPass = call.start === 0 && (i === 0 || (previous?.status === 200 && previous.start === (pages - 1) * PAGE));
    if (startsPass || !current) {
      current = { startedAt: times[i] ?? 0, calls: 0, pagesRead: 0, repeated: 0, throttled: 0, complete: false, seen: new Set() };
      out.push(current);
    }
    current.calls++;
    if (call.status === 400) current.throttled++;
    if (call.status === 200) {
      if (current.seen.has(call.start)) current.repeated++;
      current.seen.add(call.start);
      current.pagesRead++;
      if (call.start === (pages - 1) * PAGE) current.complete = true;
    }
  });
  return out.map(({ seen: _seen, ...pass }) => pass);
}

const round = (value: number, digits = 0) => Number(value.toFixed(digits));
const say = (line: string) => console.log(line);

async function cold(model: ModelServer) {
  const { parameters, model: name } = scalePrefix(PARAMETERS, model.url);
  const pages = Math.ceil(Object.keys(parameters).length / PAGE);
  const retryGapMs = process.env.SCALE_RETRY_GAP_MS ? num('SCALE_RETRY_GAP_MS', 1_000) : undefined;
  const warmGapMs = num('SCALE_WARM_GAP_MS', 100);
  const warmSeconds = num('SCALE_WARM_SECONDS', 100);
  const { ssm, times } = await timedSsm(parameters);
  const container = await startContainer(ssm.url);
  say(`cold: ${Object.keys(parameters).length} parameters (${pages} pages) at ${LATENCY_MS} ms a call, TTL ${TTL_SECONDS} s, budget 3 s; frozen between invocations`);
  const started = performance.now();
  const requests: (Answer & { at: number })[] = [];
  let firstOk: number | undefined;
  try {
    for (;;) {
      const at = performance.now() - started;
      if (firstOk !== undefined && at > firstOk + warmSeconds * 1000) break;
      // The container stays frozen until B's next request: after a 503 B waits its Retry-After
      // (1 s), else the warm gap.
      const answer = await container.invoke(name, warmGapMs, retryGapMs);
      requests.push({ at, ...answer });
      if (answer.status === 200 && firstOk === undefined) firstOk = performance.now() - started;
      await sleep(answer.status === 503 ? (retryGapMs ?? answer.retryAfter * 1000) : warmGapMs);
    }
  } finally {
    await container.stop();
    await ssm.close();
  }
  const real = requests;
  const before = real.filter((r) => r.status !== 200 && (firstOk === undefined || r.at < firstOk));
  const unavailable = before.filter((r) => r.status === 503).length;
  const list = passes(ssm.pageCalls, times, pages);
  const first = list[0];
  const later = list.slice(1);
  const result = {
    parameters: Object.keys(parameters).length,
    pages,
    latencyMs: LATENCY_MS,
    retryGapMs: retryGapMs ?? `Retry-After (${[...new Set(requests.filter((r) => r.status === 503).map((r) => r.retryAfter))].join(', ')} s)`,
    timeToFirst200Ms: firstOk === undefined ? null : round(firstOk),
    requestsToFirst200: before.length + (firstOk === undefined ? 0 : 1),
    unavailable503: unavailable,
    longestWaitMs: round(Math.max(...real.map((r) => r.ms))),
    longestWarmWaitMs: round(Math.max(0, ...real.filter((r) => firstOk !== undefined && r.at >= firstOk).map((r) => r.ms))),
    warmRequests: real.filter((r) => firstOk !== undefined && r.at >= firstOk).length,
    warmStale: real.filter((r) => firstOk !== undefined && r.at >= firstOk && r.cache === 'stale').length,
    warmOver100ms: real.filter((r) => firstOk !== undefined && r.at >= firstOk && r.ms > 100).length,
    otherStatuses: real.filter((r) => r.status !== 200 && r.status !== 503).map((r) => r.status),
    firstLoad: first,
    laterPasses: later.map((p) => ({ ...p, startedAt: round((p.startedAt - started) / 1000, 1) })),
    refreshes: container.refreshes.map((r) => ({ ...r, at: round((r.at - started) / 1000, 1) })),
  };
  say(`  first 200 after ${result.timeToFirst200Ms} ms, ${result.requestsToFirst200} requests to get it, ${unavailable} answered 503`);
  say(`  longest wait of any request: ${result.longestWaitMs} ms (after the load: ${result.longestWarmWaitMs} ms)`);
  say(`  first load: ${first?.calls} SSM calls for ${pages} pages, ${first?.repeated} pages read twice`);
  for (const p of result.laterPasses) say(`  refresh at ${p.startedAt} s: ${p.calls} calls, ${p.pagesRead} pages read, ${p.repeated} twice, complete: ${p.complete}`);
  return result;
}

async function fleet(model: ModelServer) {
  const sizes = (process.env.SCALE_FLEET_SIZES ?? '10,100,1000,5000').split(',').map(Number);
  const perSize = num('SCALE_FLEET_CONTAINERS', 2);
  const seconds = num('SCALE_FLEET_SECONDS', 180);
  say(`fleet: ${perSize} busy containers per prefix size (${sizes.join(', ')}), ${LATENCY_MS} ms a call, TTL ${TTL_SECONDS} s, ${seconds} s`);
  const runs = await Promise.all(
    sizes.flatMap((size) =>
      Array.from({ length: perSize }, async () => {
        const { parameters, model: name } = scalePrefix(size, model.url);
        const pages = Math.ceil(Object.keys(parameters).length / PAGE);
        const { ssm, times } = await timedSsm(parameters);
        const container = await startContainer(ssm.url);
        const started = performance.now();
        try {
          while (performance.now() - started < seconds * 1000) {
            await container.invoke(name);
            await sleep(100);
          }
        } finally {
          await container.stop();
          await ssm.close();
        }
        return { size, pages, list: passes(ssm.pageCalls, times, pages), calls: ssm.pageCalls.length };
      }),
    ),
  );
  const bySize = sizes.map((size) => {
    const mine = runs.filter((r) => r.size === size);
    const pages = mine[0]?.pages ?? 0;
    // Steady state: from the start of the second pass (the first refresh after the load) on.
    const periods: number[] = [];
    const callsPerRefresh: number[] = [];
    for (const run of mine) {
      const complete = run.list.filter((p) => p.complete);
      for (let i = 1; i < complete.length; i++) {
        periods.push((complete[i]!.startedAt - complete[i - 1]!.startedAt) / 1000);
        callsPerRefresh.push(complete[i]!.calls);
      }
    }
    const period = periods.length ? periods.reduce((a, b) => a + b, 0) / periods.length : Number.NaN;
    const calls = callsPerRefresh.length ? callsPerRefresh.reduce((a, b) => a + b, 0) / callsPerRefresh.length : pages;
    const perSecond = calls / period;
    return {
      parameters: size,
      pages,
      refreshesMeasured: periods.length,
      callsPerRefresh: round(calls, 1),
      secondsBetweenRefreshes: round(period, 1),
      callsPerContainerPerHour: round(perSecond * 3600),
      containersFor40Tps: round(40 / perSecond, 1),
      containersFor100Tps: round(100 / perSecond, 1),
    };
  });
  for (const s of bySize) {
    say(`  ${s.parameters} parameters: ${s.callsPerRefresh} calls a refresh, every ${s.secondsBetweenRefreshes} s (${s.refreshesMeasured} measured): ${s.callsPerContainerPerHour} calls/container/hour; 40 TPS at ${s.containersFor40Tps} containers, 100 TPS at ${s.containersFor100Tps}`);
  }
  return bySize;
}

async function quota(model: ModelServer) {
  const containers = num('SCALE_QUOTA_CONTAINERS', 4);
  const tps = num('SCALE_QUOTA_TPS', 40);
  const seconds = num('SCALE_QUOTA_SECONDS', 150);
  const { parameters, model: name } = scalePrefix(PARAMETERS, model.url);
  const pages = Math.ceil(Object.keys(parameters).length / PAGE);
  const { ssm } = await timedSsm(parameters, tps);
  say(`quota: ${containers} busy containers of ${Object.keys(parameters).length} parameters on one endpoint throttling past ${tps} calls a second, ${seconds} s`);
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: containers }, async () => {
      const container = await startContainer(ssm.url);
      const answers: (Answer & { at: number })[] = [];
      try {
        while (performance.now() - started < seconds * 1000) {
          const at = performance.now() - started;
          answers.push({ at, ...(await container.invoke(name)) });
          await sleep(100);
        }
      } finally {
        await container.stop();
      }
      const okAt = container.refreshes.filter((r) => r.ok).map((r) => r.at - started);
      const firstOk = answers.find((a) => a.status === 200)?.at;
      const gaps = okAt.slice(1).map((at, i) => (at - okAt[i]!) / 1000);
      return {
        firstOkSeconds: firstOk === undefined ? null : round(firstOk / 1000, 1),
        unavailable503: answers.filter((a) => a.status === 503).length,
        stale: answers.filter((a) => a.cache === 'stale').length,
        requests: answers.length,
        longestWaitMs: round(Math.max(...answers.map((a) => a.ms))),
        refreshesOk: okAt.length,
        refreshesFailed: container.refreshes.filter((r) => !r.ok).length,
        secondsBetweenRefreshes: gaps.map((g) => round(g, 1)),
      };
    }),
  );
  await ssm.close();
  const throttled = ssm.pageCalls.filter((c) => c.status === 400).length;
  const elapsed = (performance.now() - started) / 1000;
  const summary = {
    containers,
    quotaTps: tps,
    pages,
    calls: ssm.pageCalls.length,
    throttled,
    callsPerSecond: round(ssm.pageCalls.length / elapsed, 1),
    pagesReadPerSecond: round(ssm.pageCalls.filter((c) => c.status === 200).length / elapsed, 1),
    containersResults: results,
  };
  say(`  ${summary.calls} calls (${throttled} throttled), ${summary.callsPerSecond}/s, ${summary.pagesReadPerSecond} pages read/s`);
  results.forEach((r, i) =>
    say(`  container ${i + 1}: first 200 at ${r.firstOkSeconds} s, ${r.unavailable503} x 503, ${r.stale} stale of ${r.requests}, longest wait ${r.longestWaitMs} ms, ${r.refreshesOk} refreshes ok (${r.refreshesFailed} failed), between: ${r.secondsBetweenRefreshes.join(', ')} s`),
  );
  return summary;
}

const phases = process.argv.slice(2).length ? process.argv.slice(2) : ['cold', 'fleet', 'quota'];
const model = await startModelServer(async (req, res) => {
  await sleep(num('SCALE_MODEL_MS', 20));
  answerJson('{"label":"ok"}')(req, res, '');
});
const out: Record<string, unknown> = {};
try {
  if (phases.includes('cold')) out.cold = await cold(model);
  if (phases.includes('fleet')) out.fleet = await fleet(model);
  if (phases.includes('quota')) out.quota = await quota(model);
} finally {
  await model.close();
}
console.log(JSON.stringify(out));
