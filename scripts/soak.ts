// `npm run soak`: the local mode (npm start's adapter, demo models and loopback SSM) in a
// process of its own, under sustained concurrent load from autocannon for a bounded time,
// with a mix of good requests, B's mistakes and faulty models (scripts/soak/). It reports
// requests, every outcome, the adapter's memory at start and end, and exits 1 on any answer
// outside the contract or not the one the contract gives that request, any request sent and
// not answered, a request line missing from (or a secret present in) the adapter's logs, or
// heap growth beyond the bound.
//
//   SOAK_SECONDS             how long the load runs (default 60)
//   SOAK_CONNECTIONS         concurrent connections (default 32)
//   SOAK_MAX_HEAP_GROWTH_MB  heap growth allowed, after GC, from start to end (default 16)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannonUntyped from 'autocannon';
import { DEFAULT_PARAMETER_PREFIX, endpointParameter, readParametersFile, writeParametersFile } from '../local/parameters-file.ts';
import { closedPort } from '../test/support/catalogue.ts';
import { FAULT_SECRET, startFaultModels } from './soak/fault-models.ts';
import { B_SECRETS, KINDS, SOAK_MAX_REQUEST_BYTES, judge, type Kind } from './soak/mix.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

function setting(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number of at least ${min}, got ${JSON.stringify(raw)}`);
  return value;
}
const SECONDS = setting('SOAK_SECONDS', 60, 1);
const CONNECTIONS = Math.floor(setting('SOAK_CONNECTIONS', 32, 1));
const MAX_HEAP_GROWTH_MB = setting('SOAK_MAX_HEAP_GROWTH_MB', 16, 0);
/** The model deadline the adapter runs with: the slow model answers after 2 s. */
const UPSTREAM_TIMEOUT_MS = 1_000;

// autocannon ships no types; bench/autocannon.d.ts covers the bench's use, this is the soak's.
interface CannonRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  onResponse: (status: number, body: string, context: unknown, headers: Record<string, unknown>) => void;
}
interface CannonResult {
  errors: number;
  timeouts: number;
  latency: { p50: number; p99: number; max: number };
  requests: { average: number; sent: number; total: number };
  duration: number;
}
type Cannon = (
  options: { url: string; connections: number; duration?: number; amount?: number; timeout: number; requests: CannonRequest[] },
  done: (error: Error | null, result: CannonResult) => void,
) => { stop(): void };
const autocannon = autocannonUntyped as unknown as Cannon;

// ---------------------------------------------------------------------------------------------
// The adapter process and what it writes

interface Tally {
  /** Request lines by outcome. */
  outcomes: Map<string, number>;
  /** EMF lines of requests (Requests, ...) and of configuration refreshes. */
  emf: number;
  refreshes: number;
  lines: number;
  other: string[];
  leaks: string[];
}

const newTally = (): Tally => ({ outcomes: new Map(), emf: 0, refreshes: 0, lines: 0, other: [], leaks: [] });
const LOG_SECRETS = [B_SECRETS.data, B_SECRETS.apiKey, B_SECRETS.tag, FAULT_SECRET];

/**
 * The adapter's last stderr lines other than request and EMF lines (Powertools writes the WARN
 * and ERROR request lines there too): what it said before failing, shown when it does.
 */
const STDERR_KEPT = 60;
const stderrTail: string[] = [];
const isRequestOrEmf = (line: string): boolean => line.includes('"message":"request"') || line.includes('"_aws":');

function showStderr(why: string): void {
  console.error(`soak: ${why}; the adapter's last ${stderrTail.length} lines on stderr (request and EMF lines left out):`);
  for (const line of stderrTail) console.error(`  | ${line}`);
}

/** Powertools writes INFO lines to stdout, WARN and ERROR ones to stderr: both are read. */
function readLines(input: NodeJS.ReadableStream, tally: () => Tally, keep?: string[]): void {
  createInterface({ input }).on('line', (line) => {
    if (keep && !isRequestOrEmf(line)) {
      keep.push(line.slice(0, 2000));
      if (keep.length > STDERR_KEPT) keep.shift();
    }
    const current = tally();
    current.lines++;
    for (const secret of LOG_SECRETS) if (line.includes(secret)) current.leaks.push(line.slice(0, 300));
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      if (current.other.length < 5) current.other.push(line.slice(0, 200));
      return;
    }
    if (record.message === 'request') {
      const outcome = String(record.outcome);
      current.outcomes.set(outcome, (current.outcomes.get(outcome) ?? 0) + 1);
    } else if ('_aws' in record && 'Requests' in record) current.emf++;
    else if ('_aws' in record && 'ConfigRefreshes' in record) current.refreshes++;
  });
}

function nextMessage<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type: string }) => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message as T);
    };
    const onExit = (code: number | null) => reject(new Error(`the adapter process exited (${code}) before sending ${type}`));
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

const memory = async (child: ChildProcess): Promise<NodeJS.MemoryUsage> => {
  child.send({ type: 'memory' });
  return (await nextMessage<{ usage: NodeJS.MemoryUsage }>(child, 'memory')).usage;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the adapter has written nothing for `quietMs`: every request in flight is logged. */
async function settle(tally: () => Tally, quietMs = 500): Promise<void> {
  let last = -1;
  while (last !== tally().lines) {
    last = tally().lines;
    await sleep(quietMs);
  }
}

// ---------------------------------------------------------------------------------------------
// Load

interface Counts {
  answered: number;
  byKind: Map<string, Map<string, number>>;
  unexpected: Map<string, number>;
  violations: string[];
  violationCount: number;
}

const newCounts = (): Counts => ({ answered: 0, byKind: new Map(), unexpected: new Map(), violations: [], violationCount: 0 });

function requestsFor(counts: () => Counts): CannonRequest[] {
  return KINDS.map((kind: Kind) => ({
    method: kind.method,
    path: kind.path,
    headers: kind.headers,
    ...(kind.body === undefined ? {} : { body: kind.body }),
    onResponse(status, body, _context, headers) {
      const current = counts();
      current.answered++;
      const verdict = judge(kind, status, body, headers);
      const outcomes = current.byKind.get(kind.name) ?? new Map<string, number>();
      outcomes.set(verdict.outcome, (outcomes.get(verdict.outcome) ?? 0) + 1);
      current.byKind.set(kind.name, outcomes);
      if (verdict.violation) {
        current.violationCount++;
        if (current.violations.length < 10) current.violations.push(`${kind.name}: ${verdict.violation}`);
      } else if (verdict.outcome !== kind.expected) {
        current.unexpected.set(`${kind.name} -> ${verdict.outcome}`, (current.unexpected.get(`${kind.name} -> ${verdict.outcome}`) ?? 0) + 1);
      }
    },
  }));
}

function load(url: string, requests: CannonRequest[], bound: { duration: number } | { amount: number }, guardMs: number): Promise<CannonResult> {
  return new Promise((resolve, reject) => {
    let guard: NodeJS.Timeout | undefined;
    const instance = autocannon({ url, connections: CONNECTIONS, timeout: 10, requests, ...bound }, (error, result) => {
      clearTimeout(guard);
      if (error) reject(error);
      else resolve(result);
    });
    guard = setTimeout(() => {
      console.error(`soak: the load did not finish within ${Math.round(guardMs / 1000)} s; stopping it`);
      instance.stop();
    }, guardMs);
  });
}

// ---------------------------------------------------------------------------------------------

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function main(): Promise<number> {
  const faults = await startFaultModels();
  const dir = mkdtempSync(join(tmpdir(), 'soak-'));
  const parametersFile = join(dir, 'parameters.json');
  let tally = newTally();
  const child = spawn(process.execPath, ['--expose-gc', 'scripts/soak/adapter.ts'], {
    cwd: root,
    env: {
      ...process.env,
      PARAMETERS_FILE: parametersFile,
      UPSTREAM_TIMEOUT_MS: String(UPSTREAM_TIMEOUT_MS),
      MAX_REQUEST_BYTES: String(SOAK_MAX_REQUEST_BYTES),
      MAX_RESPONSE_BYTES: '65536',
      POWERTOOLS_DEV: 'false',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  readLines(child.stdout!, () => tally);
  readLines(child.stderr!, () => tally, stderrTail);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  let failedWith: unknown;
  try {
    const { url, demos } = await nextMessage<{ url: string; demos: Record<string, string> }>(child, 'ready');

    // The demo models are in the file startLocal wrote; the faults join them.
    const parameters = readParametersFile(parametersFile);
    for (const [name, endpoint] of Object.entries(faults.urls)) parameters[endpointParameter(DEFAULT_PARAMETER_PREFIX, name)] = endpoint;
    parameters[endpointParameter(DEFAULT_PARAMETER_PREFIX, 'refused')] = `http://127.0.0.1:${await closedPort()}/predict`;
    parameters[endpointParameter(DEFAULT_PARAMETER_PREFIX, 'metadata')] = 'http://169.254.169.254/latest/meta-data/';
    writeParametersFile(parametersFile, parameters);
    const deadline = Date.now() + 15_000;
    for (;;) {
      const listed = (await (await fetch(`${url}/v1/models`)).json()) as { models: string[] };
      if (Object.keys(faults.urls).every((name) => listed.models.includes(name))) break;
      if (Date.now() > deadline) throw new Error(`the adapter does not list the fault models: ${JSON.stringify(listed)}`);
      await sleep(200);
    }
    console.log(`soak: adapter ${url} (pid ${child.pid}), demos ${Object.keys(demos).join(', ')}, ${Object.keys(faults.urls).length} fault models + refused + metadata`);

    // One of each, in turn: a wrong setup fails here, with a readable reason, not under load.
    let counts = newCounts();
    const requests = requestsFor(() => counts);
    for (const [i, kind] of KINDS.entries()) {
      const response = await fetch(`${url}${kind.path}`, { method: kind.method, headers: kind.headers, ...(kind.body === undefined ? {} : { body: kind.body }) });
      requests[i]!.onResponse(response.status, await response.text(), {}, Object.fromEntries(response.headers));
    }
    if (counts.violationCount > 0 || counts.unexpected.size > 0) {
      console.error('soak: the preflight answers are wrong:', counts.violations, [...counts.unexpected]);
      return 1;
    }

    // Calibration: how many requests the mix gets through in a few seconds, to size the run so
    // that it lasts SOAK_SECONDS and every request sent is waited for (autocannon's `amount`).
    const calibration = Math.min(5, Math.max(2, Math.round(SECONDS / 10)));
    counts = newCounts();
    const warm = await load(url, requests, { duration: calibration }, calibration * 1000 + 30_000);
    const rate = warm.requests.total / warm.duration;
    const cycle = CONNECTIONS * KINDS.length;
    const amount = Math.max(cycle, Math.round((rate * SECONDS) / cycle) * cycle);
    await sleep(UPSTREAM_TIMEOUT_MS * 2);
    await settle(() => tally);
    const start = await memory(child);

    // The soak itself.
    tally = newTally();
    counts = newCounts();
    console.log(`soak: ${amount} requests over ${CONNECTIONS} connections (~${SECONDS} s at the calibrated ${Math.round(rate)} req/s), ${KINDS.length} kinds in turn`);
    const result = await load(url, requests, { amount }, SECONDS * 3_000 + 30_000);
    await settle(() => tally);
    const end = await memory(child);

    // The report.
    const lost = result.requests.sent - counts.answered;
    const clientOutcomes = new Map<string, number>();
    for (const outcomes of counts.byKind.values()) for (const [outcome, n] of outcomes) clientOutcomes.set(outcome, (clientOutcomes.get(outcome) ?? 0) + n);
    const logged = [...tally.outcomes.values()].reduce((a, b) => a + b, 0);
    const growth = end.heapUsed - start.heapUsed;

    console.log(`\nrequests  sent ${result.requests.sent} (of ${amount}), answered ${counts.answered}, lost ${lost}, socket errors ${result.errors}, timeouts ${result.timeouts}`);
    console.log(`          ${result.duration.toFixed(1)} s, ${Math.round(result.requests.average)} req/s, latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`);
    console.log('outcomes  (answers B got / request lines the adapter logged)');
    for (const [outcome, n] of [...clientOutcomes].sort((a, b) => b[1] - a[1])) {
      console.log(`          ${outcome.padEnd(24)} ${String(n).padStart(7)} / ${String(tally.outcomes.get(outcome) ?? 0).padStart(7)}`);
    }
    console.log(`logs      ${logged} request lines, ${tally.emf} request EMF lines, ${tally.refreshes} refresh EMF lines, ${tally.other.length} other lines, ${tally.leaks.length} with a secret`);
    console.log(`memory    heap ${mb(start.heapUsed)} -> ${mb(end.heapUsed)} (${growth >= 0 ? '+' : ''}${mb(growth)}, bound ${MAX_HEAP_GROWTH_MB} MB), rss ${mb(start.rss)} -> ${mb(end.rss)}, external ${mb(start.external)} -> ${mb(end.external)} (after GC)`);

    const failures: string[] = [];
    if (counts.violationCount > 0) failures.push(`${counts.violationCount} answers outside the contract: ${counts.violations.join('; ')}`);
    if (counts.unexpected.size > 0) failures.push(`answers the contract does not give those requests: ${[...counts.unexpected].map(([k, n]) => `${k} x${n}`).join(', ')}`);
    if (lost !== 0 || result.requests.sent !== amount || result.errors > 0 || result.timeouts > 0) failures.push(`${lost} requests sent and not answered (${result.errors} socket errors, ${result.timeouts} timeouts)`);
    const mismatched = [...new Set([...clientOutcomes.keys(), ...tally.outcomes.keys()])].filter((o) => (clientOutcomes.get(o) ?? 0) !== (tally.outcomes.get(o) ?? 0));
    if (mismatched.length > 0) failures.push(`request lines do not match the answers for ${mismatched.join(', ')}`);
    if (tally.emf !== logged) failures.push(`${tally.emf} request EMF lines for ${logged} requests`);
    if (tally.leaks.length > 0) failures.push(`secrets in the adapter's lines: ${tally.leaks.slice(0, 2).join(' | ')}`);
    if (growth > MAX_HEAP_GROWTH_MB * 1024 * 1024) failures.push(`heap grew by ${mb(growth)}, more than ${MAX_HEAP_GROWTH_MB} MB`);
    for (const failure of failures) console.log(`FAIL      ${failure}`);
    if (failures.length === 0) console.log('PASS      every answer in the contract and as expected, none lost, every request logged once, heap bounded');
    return failures.length === 0 ? 0 : 1;
  } catch (error) {
    failedWith = error;
    throw error;
  } finally {
    if (child.connected) child.send({ type: 'stop' });
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    killer.unref();
    const { code, signal } = await exited;
    clearTimeout(killer);
    if (failedWith !== undefined) showStderr(`the soak failed (${failedWith instanceof Error ? failedWith.message : String(failedWith)})`);
    else if (code !== 0) showStderr(`the adapter process exited with ${signal ?? `code ${code}`}`);
    await faults.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
