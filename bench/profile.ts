// Where the time goes: a V8 CPU profile (`node --cpu-prof`) of a bench loop, summarised as the
// functions with the most self time and the share of each part of the code.
//   node bench/profile.ts handler [--out NAME]   the handler in-process, one request at a time
//   node bench/profile.ts local [--out NAME]     local mode under 32 connections (autocannon)
//   node bench/profile.ts floor [--out NAME]     the floor proxy under the same load, to compare
// The raw .cpuprofile stays in bench/results/tmp/profiles/ (open it in Chrome DevTools); the
// summary goes to stdout and to bench/results/NAME.md (default profile-TARGET.md).
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSsmServer } from '../local/ssm-server.ts';
import { importHandler, invocationContext } from './lib/handler.ts';
import { RESULTS_DIR, TMP_DIR } from './lib/paths.ts';
import { failChild, reportAndExit, runChild, startChild } from './lib/processes.ts';
import { benchParameters, handlerEnv, predictEvent } from './lib/workload.ts';
import { measureLoad } from './scenarios/load.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** The part of the code a frame belongs to: a package, the adapter, local mode, Node itself. */
function area(url: string, name: string): string {
  if (url === '') return name.startsWith('(') ? name : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] as string;
  if (url.startsWith('node:')) return 'node:internal';
  const own = /\/(lambda|local|bench|test)\//.exec(url);
  return own ? `${own[1]}/` : url;
}

const shortUrl = (url: string): string =>
  url.replace(/^file:\/\/.*?\/(node_modules|lambda|local|bench|test)\//, '$1/').replace(/^node:internal\//, 'node:');

/** Microseconds on the clock V8 stamps profiles with (CLOCK_MONOTONIC, as process.hrtime). */
const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);

/** Self time per function and per part of the code, counting only samples inside `window` (µs). */
export function summarise(profile: CpuProfile, window: { from: number; to: number }, top = 25): string {
  const selfUs = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at >= window.from && at <= window.to) selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  });
  const total = window.to - window.from;
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (us === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const key = `${functionName || '(anonymous)'} | ${url ? `${shortUrl(url)}:${lineNumber + 1}` : ''}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const part = area(url, functionName);
    byArea.set(part, (byArea.get(part) ?? 0) + us);
  }
  const pct = (us: number): string => `${((100 * us) / total).toFixed(1)}%`;
  const busy = total - (byArea.get('(idle)') ?? 0);
  const lines = [
    `${(total / 1e6).toFixed(1)} s of the measured loop, ${pct(busy)} of it busy on this process's main thread.`,
    '',
    '| self | share | function | where |',
    '| ---: | ---: | --- | --- |',
    ...[...byFunction]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, us]) => {
        const [name, where] = key.split(' | ');
        return `| ${(us / 1000).toFixed(0)} ms | ${pct(us)} | \`${name}\` | ${where} |`;
      }),
    '',
    '| part of the code | self | share |',
    '| --- | ---: | ---: |',
    ...[...byArea].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([name, us]) => `| ${name} | ${(us / 1000).toFixed(0)} ms | ${pct(us)} |`),
    '',
  ];
  return lines.join('\n');
}

type Window = { from: number; to: number };

/**
 * The child of `handler`: import and warm up, build the events, then requests one at a time.
 * Only the loop's window is summarised, so setup and event building stay out of the figures.
 */
async function handlerLoop(): Promise<Window> {
  const modelUrl = process.env.MODEL_URL ?? '';
  const requests = Number(process.env.REQUESTS ?? 20_000);
  const ssm = await startSsmServer({ parameters: () => benchParameters(modelUrl) });
  const handler = await importHandler(handlerEnv(ssm.url));
  const call = async (event: ReturnType<typeof predictEvent>): Promise<void> => {
    const result = await handler(event, invocationContext());
    if (result.statusCode !== 200) throw new Error(`handler answered ${result.statusCode}`);
  };
  for (let i = 0; i < 2_000; i++) await call(predictEvent());
  const events = Array.from({ length: requests }, () => predictEvent());
  const from = nowUs();
  for (const event of events) await call(event);
  return { from, to: nowUs() };
}

async function main(): Promise<void> {
  const target = process.argv[2] ?? 'handler';
  const outAt = process.argv.indexOf('--out');
  const name = outAt > 0 ? process.argv[outAt + 1] : `profile-${target}`;
  const dir = join(TMP_DIR, 'profiles', target);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const profiling = ['--cpu-prof', `--cpu-prof-dir=${dir}`];

  const model = await startChild<{ url: string }>('servers/model.ts');
  let window: Window;
  let requestsPerSecond: number | undefined;
  try {
    if (target === 'handler') {
      window = await runChild<Window>('profile.ts', { env: { MODEL_URL: model.info.url, PROFILE_CHILD: '1' }, execArgv: profiling });
    } else if (target === 'local' || target === 'floor') {
      const env = { MODEL_URL: model.info.url, PARAMETERS_FILE: join(TMP_DIR, 'local-parameters.json') };
      const module = target === 'local' ? 'servers/local-mode.ts' : 'servers/floor-proxy.ts';
      const server = await startChild<{ url: string }>(module, { env, execArgv: profiling });
      await measureLoad({ server: server.info }, { rounds: 1, durationS: 1, warmupS: 1 });
      const from = nowUs();
      const [round] = await measureLoad({ server: server.info }, { rounds: 1, durationS: 10, warmupS: 0 }).finally(() => server.stop());
      requestsPerSecond = round?.server.rps;
      window = { from, to: nowUs() };
    } else throw new Error(`unknown target ${target}: handler, local or floor`);
  } finally {
    await model.stop();
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no profile written in ${dir}`);
  const load = requestsPerSecond === undefined ? '' : `Under 32 connections: ${requestsPerSecond.toFixed(0)} requests/s.\n\n`;
  const summary = `# CPU profile: ${target}\n\n${load}${summarise(JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile, window, Number(process.env.PROFILE_TOP ?? 25))}`;
  writeFileSync(join(RESULTS_DIR, `${name}.md`), summary);
  console.log(summary);
}

if (import.meta.main) {
  if (process.env.PROFILE_CHILD === '1') handlerLoop().then(reportAndExit, failChild);
  else await main();
}
