// `npm run bench`: the adapter's cost per request and per cold start against the floor, all
// on loopback. It prints the table and writes latest.json, latest.md and latest.svg to
// bench/results/tmp/ (ignored by git); only --record writes the tracked results.
//   node bench/run.ts                   the full run (a couple of minutes on 2 cores)
//   node bench/run.ts --record          also record it: bench/results/latest.{json,md,svg} and a dated copy
//   node bench/run.ts --save-baseline   record it, and keep it as baseline.json / baseline.md
//   BENCH_QUICK=1 node bench/run.ts     fewer and shorter rounds, for trying the bench itself
//   BENCH_LMI_SECONDS=60 node bench/run.ts   the managed-instances scenario's handler under load
//                                       for 60 s (default 6 s, 2 s quick), its memory figures too
// (`npm run bench -- --record` passes the flag through npm.)
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startSsmServer } from '../local/ssm-server.ts';
import { PROJECT_ROOT, RESULTS_DIR, TMP_DIR } from './lib/paths.ts';
import { runChild, startChild } from './lib/processes.ts';
import { figure, median, round, type Figure } from './lib/stats.ts';
import { benchParameters, handlerEnv } from './lib/workload.ts';
import { KEYS, isMet, markdown, svg, type Key, type Results, type Target } from './report.ts';
import { buildBundles, coldRun, type ColdRun } from './scenarios/cold-start.ts';
import type { LatencyResult } from './scenarios/latency.ts';
import { CONNECTIONS, measureLoad } from './scenarios/load.ts';
import type { LmiResult } from './scenarios/managed-instances.ts';
import type { SsmRound } from './scenarios/ssm-traffic.ts';
import { SOAK_MAX_HEAP_GROWTH_MB } from './lib/memory-bound.ts';

const quick = process.env.BENCH_QUICK === '1';
const saveBaseline = process.argv.includes('--save-baseline');
/** Whether this run rewrites the tracked results; otherwise they go to bench/results/tmp/. */
const record = saveBaseline || process.argv.includes('--record');
const unknownFlags = process.argv.slice(2).filter((arg) => arg !== '--record' && arg !== '--save-baseline');
if (unknownFlags.length > 0) {
  console.error(`bench: unknown argument ${unknownFlags.join(' ')} (flags: --record, --save-baseline)`);
  process.exit(2);
}
const PLAN = quick
  ? { latency: { rounds: 3, requests: 1000, warmup: 500 }, load: { rounds: 2, durationS: 2, warmupS: 1 }, cold: 3, ssm: 1, lmi: { seconds: 2, latencySeconds: 2, warmupS: 1 } }
  : { latency: { rounds: 5, requests: 4000, warmup: 2000 }, load: { rounds: 5, durationS: 5, warmupS: 2 }, cold: 8, ssm: 3, lmi: { seconds: 6, latencySeconds: 6, warmupS: 2 } };
if (process.env.BENCH_LMI_SECONDS) PLAN.lmi.seconds = Number(process.env.BENCH_LMI_SECONDS);

const say = (line: string): void => console.log(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}`);
const started = performance.now();
const KB = 1000;

rmSync(TMP_DIR, { recursive: true, force: true });
mkdirSync(TMP_DIR, { recursive: true });

const model = await startChild<{ url: string }>('servers/model.ts');
const modelUrl = model.info.url;
try {
  // 1. One request at a time, in-process: direct, floor proxy function, handler.
  say(`latency: ${PLAN.latency.rounds} rounds × ${PLAN.latency.requests} requests per variant, concurrency 1`);
  const latency = await runChild<LatencyResult>('scenarios/latency.ts', {
    env: {
      MODEL_URL: modelUrl,
      ROUNDS: String(PLAN.latency.rounds),
      REQUESTS: String(PLAN.latency.requests),
      WARMUP: String(PLAN.latency.warmup),
    },
    execArgv: ['--expose-gc'],
  });

  // 2. 32 connections over HTTP: the floor proxy and local mode, each in its own process.
  say(`load: ${PLAN.load.rounds} rounds × ${PLAN.load.durationS} s per target, ${CONNECTIONS} connections`);
  const serverEnv = { MODEL_URL: modelUrl, PARAMETERS_FILE: join(TMP_DIR, 'local-parameters.json') };
  const floorServer = await startChild<{ url: string }>('servers/floor-proxy.ts', { env: serverEnv });
  const localServer = await startChild<{ url: string }>('servers/local-mode.ts', { env: serverEnv });
  const floorTarget = { url: floorServer.info.url, cpuUs: floorServer.cpuUs };
  const localTarget = { url: localServer.info.url, cpuUs: localServer.cpuUs };
  const load = await measureLoad({ floor: floorTarget, local: localTarget }, PLAN.load).finally(() =>
    Promise.all([floorServer.stop(), localServer.stop()]),
  );

  // 3. The deployed bundle: size, and a fresh process importing it and answering once.
  say('cold start: building the bundles as the CDK stack does');
  const bundles = await buildBundles(join(TMP_DIR, 'bundles'));
  const ssm = await startSsmServer({ parameters: () => benchParameters(modelUrl) });
  const cold: { adapter: ColdRun[]; dependencies: ColdRun[]; empty: ColdRun[] } = { adapter: [], dependencies: [], empty: [] };
  try {
    say(`cold start: ${PLAN.cold} fresh processes per bundle (empty, dependencies only, adapter)`);
    for (let r = 0; r < PLAN.cold; r++) {
      cold.empty.push(await coldRun(bundles.empty.file, handlerEnv(ssm.url)));
      for (const name of ['dependencies', 'adapter'] as const) {
        const run = await coldRun(bundles[name].file, handlerEnv(ssm.url));
        if (run.statusCode !== 200) throw new Error(`the bundled ${name} handler answered ${run.statusCode} to its first request`);
        cold[name].push(run);
      }
    }
  } finally {
    await ssm.close();
  }

  // 4. SSM traffic over several TTL periods.
  say(`ssm: ${PLAN.ssm} rounds of 10,000 requests over 3.5 s with a 1 s TTL`);
  const ssmRounds = await runChild<SsmRound[]>('scenarios/ssm-traffic.ts', {
    env: { MODEL_URL: modelUrl, ROUNDS: String(PLAN.ssm), REQUESTS: '10000', SPREAD_MS: '3500', TTL_SECONDS: '1' },
  });
  for (const r of ssmRounds) if (r.failed > 0) throw new Error(`ssm scenario: ${r.failed} requests failed`);

  // 5. Lambda Managed Instances' shape: 2 worker threads × 64 invocations in flight, a 20 ms model.
  say(`managed instances: 2 threads × 64 in flight, 20 ms model, handler under load for ${PLAN.lmi.seconds} s`);
  const slowModel = await startChild<{ url: string }>('servers/model.ts', { env: { MODEL_LATENCY_MS: '20' } });
  const lmi = await runChild<LmiResult>('scenarios/managed-instances.ts', {
    env: {
      MODEL_URL: slowModel.info.url,
      LMI_SECONDS: String(PLAN.lmi.seconds),
      LMI_LATENCY_SECONDS: String(PLAN.lmi.latencySeconds),
      WARMUP_SECONDS: String(PLAN.lmi.warmupS),
    },
    execArgv: ['--expose-gc'],
  }).finally(() => slowModel.stop());
  const lmiRounds = (variant: 'handler' | 'floor') => lmi.rounds.filter((r) => r.variant === variant);
  const lmiPairs = lmiRounds('handler').map((h, i) => ({ handler: h, floor: lmiRounds('floor')[i]! }));
  for (const r of lmi.rounds) if (r.failed > 0) throw new Error(`managed-instances scenario: ${r.failed} ${r.variant} invocations failed`);

  // Figures: per-round differences and ratios, then the median across rounds.
  const perRound = (f: (r: LatencyResult['rounds'][number]) => number): Figure => figure(latency.rounds.map(f));
  const emptyAnswered = median(cold.empty.map((r) => r.answeredMs));
  const spread: Record<Key, Figure> = {
    handler_added_us_p50: perRound((r) => r.handler.p50Us - r.direct.p50Us),
    handler_added_us_p99: perRound((r) => r.handler.p99Us - r.direct.p99Us),
    handler_cpu_us_per_request: perRound((r) => r.handler.cpuUsPerRequest),
    local_rps_ratio_to_floor_proxy: figure(load.map((r) => r.local.rps / r.floor.rps)),
    bundle_bytes_min: figure([bundles.adapter.bytesMin]),
    bundle_bytes_gzip: figure([bundles.adapter.bytesGzip]),
    cold_import_ms_over_empty: figure(cold.adapter.map((r) => r.answeredMs - emptyAnswered)),
    cold_dependencies_ms_over_empty: figure(cold.dependencies.map((r) => r.answeredMs - emptyAnswered)),
    ssm_calls_per_10k_requests: figure(ssmRounds.map((r) => r.calls)),
    lmi_rps: figure(lmiRounds('handler').map((r) => r.rps)),
    lmi_rps_ratio_to_floor_proxy: figure(lmiPairs.map((p) => p.handler.rps / p.floor.rps)),
    lmi_added_ms_p99: figure(lmi.latency.rounds.map((r) => r.addedP99Ms)),
    lmi_cpu_us_per_request: figure(lmiRounds('handler').map((r) => r.cpuUsPerRequest)),
    lmi_rss_mb: figure([lmi.memory.endRssMb]),
    lmi_rss_growth_mb: figure([lmi.memory.rssGrowthMb]),
  };
  const allowedSsmCalls = Math.max(...ssmRounds.map((r) => r.allowedCalls));
  // The performance budget (DEVELOPERS.md): handler p50 and CPU per request, the cold start, the
  // bundle, one SSM refresh per TTL per container. p99 and local mode's ratio are figures, not
  // targets: the earlier targets on them are retired.
  const targets: Partial<Record<Key, Target>> = {
    handler_added_us_p50: { op: '<=', value: 100, text: '≤ 100' },
    handler_cpu_us_per_request: { op: '<=', value: 250, text: '≤ 250' },
    bundle_bytes_min: { op: '<=', value: 700 * KB, text: '≤ 700 KB' },
    cold_import_ms_over_empty: { op: '<=', value: 80, text: '≤ 80' },
    ssm_calls_per_10k_requests: {
      op: '<=',
      value: allowedSsmCalls,
      text: `≤ ${allowedSsmCalls} (1 refresh per TTL period + 1)`,
    },
    lmi_rps_ratio_to_floor_proxy: { op: '>=', value: 0.5, text: '≥ 0.5' },
    lmi_added_ms_p99: { op: '<=', value: 5, text: '≤ 5' },
    lmi_rss_growth_mb: { op: '<=', value: SOAK_MAX_HEAP_GROWTH_MB, text: `≤ ${SOAK_MAX_HEAP_GROWTH_MB} (the soak's bound)` },
  };
  const values = Object.fromEntries(KEYS.map((key) => [key, round(spread[key].median, 2)])) as Record<Key, number>;
  const met = Object.fromEntries(
    Object.entries(targets).map(([key, target]) => [key, isMet(values[key as Key], target as Target)]),
  ) as Partial<Record<Key, boolean>>;

  const date = new Date().toISOString();
  const results: Results = {
    ...values,
    spread,
    targets,
    met,
    raw: {
      plan: { ...PLAN, quick },
      latency: {
        requestsPerRound: latency.requestsPerRound,
        direct_us_p50: figure(latency.rounds.map((r) => r.direct.p50Us)),
        direct_us_p99: figure(latency.rounds.map((r) => r.direct.p99Us)),
        direct_cpu_us_per_request: figure(latency.rounds.map((r) => r.direct.cpuUsPerRequest)),
        floor_added_us_p50: figure(latency.rounds.map((r) => r.floor.p50Us - r.direct.p50Us)),
        floor_added_us_p99: figure(latency.rounds.map((r) => r.floor.p99Us - r.direct.p99Us)),
        floor_cpu_us_per_request: figure(latency.rounds.map((r) => r.floor.cpuUsPerRequest)),
        handler_us_p50: figure(latency.rounds.map((r) => r.handler.p50Us)),
        handler_us_p99: figure(latency.rounds.map((r) => r.handler.p99Us)),
        ssmCallsDuringLatency: latency.ssmCalls,
        rounds: latency.rounds,
      },
      load: {
        connections: CONNECTIONS,
        floor_rps: figure(load.map((r) => r.floor.rps)),
        local_rps: figure(load.map((r) => r.local.rps)),
        floor_server_cpu_us_per_request: figure(load.map((r) => r.floor.serverCpuUsPerRequest ?? Number.NaN)),
        local_server_cpu_us_per_request: figure(load.map((r) => r.local.serverCpuUsPerRequest ?? Number.NaN)),
        rounds: load,
      },
      cold: {
        bundle: bundles.adapter,
        dependenciesBundle: bundles.dependencies,
        emptyBundle: bundles.empty,
        adapter_answered_ms: figure(cold.adapter.map((r) => r.answeredMs)),
        adapter_imported_ms: figure(cold.adapter.map((r) => r.importedMs)),
        dependencies_answered_ms: figure(cold.dependencies.map((r) => r.answeredMs)),
        empty_answered_ms: figure(cold.empty.map((r) => r.answeredMs)),
        rounds: cold,
      },
      ssm: { rounds: ssmRounds },
      lmi,
    },
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      date,
      loadavg: loadavg().map((l) => round(l, 2)),
    },
    durationS: round((performance.now() - started) / 1000, 1),
  };

  const baselineFile = join(RESULTS_DIR, 'baseline.json');
  const baseline = !saveBaseline && existsSync(baselineFile) ? (JSON.parse(readFileSync(baselineFile, 'utf8')) as Results) : undefined;
  const json = `${JSON.stringify(results, null, 2)}\n`;
  const table = markdown(results, baseline);
  // Unrecorded, the results stay beside the run's other leftovers: nothing tracked changes.
  const outDir = record ? RESULTS_DIR : TMP_DIR;
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'latest.json'), json);
  if (record) writeFileSync(join(outDir, `${date.slice(0, 10)}.json`), json);
  writeFileSync(join(outDir, 'latest.md'), table);
  writeFileSync(join(outDir, 'latest.svg'), svg(results, baseline));
  if (saveBaseline) {
    copyFileSync(join(outDir, 'latest.json'), baselineFile);
    writeFileSync(join(RESULTS_DIR, 'baseline.md'), table);
  }
  const where = relative(PROJECT_ROOT, outDir);
  say(
    record
      ? `done, recorded: ${where}/latest.{json,md,svg} and ${where}/${date.slice(0, 10)}.json${saveBaseline ? ', baseline.{json,md}' : ''}`
      : `done: ${where}/latest.{json,md,svg} (not recorded; \`npm run bench -- --record\` writes bench/results/)`,
  );
  console.log(`\n${table}`);
} finally {
  await model.stop();
}
