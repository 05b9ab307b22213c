// `npm start` as a process: it prints where everything is and curls that work as printed,
// and stops cleanly on SIGINT and SIGTERM.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { defaultDemoParameters } from '../../local/demo-parameters.ts';
import { writeParametersFile } from '../../local/parameters-file.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const PLACEHOLDER = /placeholder/i.test(readFileSync(join(root, 'lambda/handler.ts'), 'utf8'));
let hasCurl = true;
try {
  await run('curl', ['--version']);
} catch {
  hasCurl = false;
}

const dir = mkdtempSync(join(tmpdir(), 'npm-start-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const EPHEMERAL_PORTS: Record<string, string> = {
  PORT: '0',
  DEMO_IRIS_PORT: '0',
  DEMO_CHURN_PORT: '0',
  DEMO_IRIS_KSERVE_PORT: '0',
  DEMO_FRAUD_PORT: '0',
  DEMO_CHURN_V2_PORT: '0',
};

/** The environment of a run on ephemeral ports with a fresh parameters file; an undefined value unsets a variable. */
function startEnv(env: Record<string, string | undefined>): Record<string, string> {
  const all: Record<string, string | undefined> = {
    PATH: process.env.PATH ?? '',
    ...EPHEMERAL_PORTS,
    PARAMETERS_FILE: join(dir, `parameters-${Math.random().toString(36).slice(2)}.json`),
    ...env,
  };
  return Object.fromEntries(Object.entries(all).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** Runs local/start.ts the way `npm start` does, on ephemeral ports, with a fresh parameters file. */
function startProcess(env: Record<string, string | undefined>): Started {
  let output = '';
  const child = spawn(process.execPath, ['local/start.ts'], {
    cwd: root,
    env: startEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}

async function waitFor(started: Started, text: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!started.output().includes(text)) {
    if (started.child.exitCode !== null) assert.fail(`exited early:\n${started.output()}`);
    if (Date.now() > deadline) assert.fail(`no "${text}" after ${ms} ms:\n${started.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** pid -> parent pid and state, from /proc (Linux); undefined elsewhere. */
function processTable(): Map<number, { ppid: number; state: string }> | undefined {
  if (!existsSync('/proc/self/stat')) return undefined;
  const table = new Map<number, { ppid: number; state: string }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(name), { ppid: Number(ppid), state: state ?? '?' });
    } catch {
      // gone meanwhile
    }
  }
  return table;
}

const descendants = (table: Map<number, { ppid: number }>, root: number): number[] => {
  const found = [root];
  for (let i = 0; i < found.length; i++) for (const [pid, { ppid }] of table) if (ppid === found[i]) found.push(pid);
  return found;
};

/** Still running: present and not a zombie waiting to be reaped. */
const alive = (table: Map<number, { state: string }>, pid: number): boolean => {
  const entry = table.get(pid);
  return entry !== undefined && entry.state !== 'Z';
};

const refused = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });

let hasNpm = true;
try {
  await run('npm', ['--version']);
} catch {
  hasNpm = false;
}

describe('npm start', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`prints the API, the demos and working curls, and stops on ${signal} with status 0`, async () => {
      const started = startProcess({});
      try {
        await waitFor(started, 'Ctrl-C stops');
        const text = started.output();
        assert.match(text, /API +http:\/\/127\.0\.0\.1:\d+ /);
        assert.match(text, /demo iris +http:\/\/127\.0\.0\.1:\d+\/v1\/models\/iris:predict/);
        assert.match(text, /demo churn +http:\/\/127\.0\.0\.1:\d+\/predict/);
        const curls = [...text.matchAll(/^ {2}(curl -s \S+\/v1\/models\/([\w.-]+)\/predict -H 'content-type: application\/json' -d .*)$/gm)];
        assert.deepEqual(curls.map((m) => m[2]).sort(), ['churn', 'fraud', 'iris', 'iris-kserve']);
        const expected: Record<string, string> = { iris: 'predictions', churn: 'score', 'iris-kserve': 'probabilities', fraud: 'risk' };
        if (!PLACEHOLDER && hasCurl) {
          for (const [, curl, model] of curls) {
            const { stdout } = await run('sh', ['-c', curl ?? 'false']);
            const body = JSON.parse(stdout) as { userTag: string; result: Record<string, unknown> };
            assert.equal(body.userTag, 'b-42', stdout);
            assert.ok((expected[model ?? ''] ?? '-') in body.result, stdout);
          }
        }
      } finally {
        started.child.kill(signal);
      }
      const timer = setTimeout(() => started.child.kill('SIGKILL'), 10_000);
      const { code } = await started.exited;
      clearTimeout(timer);
      assert.equal(code, 0, started.output());
      assert.match(started.output(), new RegExp(`${signal}: stopping`));
    });
  }

  it("prints each request's line, the same fields as in Lambda, indented to be read (POWERTOOLS_DEV), cold_start true on the first only", async () => {
    const started = startProcess({});
    try {
      await waitFor(started, 'Ctrl-C stops');
      const api = /API +(http:\/\/127\.0\.0\.1:\d+) /.exec(started.output())?.[1];
      assert.ok(api);
      const response = await fetch(`${api}/v1/models/iris/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userTag: 'local-tag-secret', data: { instances: [[5.1, 3.5, 1.4, 0.2]] } }),
      });
      assert.equal(response.status, 200);
      await response.text();
      await waitFor(started, '"message": "request"');
      await waitFor(started, '"outcome": "OK"');
      const again = await fetch(`${api}/v1/models`);
      assert.equal(again.status, 200);
      await again.text();
      await waitFor(started, '"route": "listModels"');
      const text = started.output();
      assert.match(text, /^ {4}"route": "predict",$/m);
      assert.match(text, /^ {4}"model": "iris",$/m);
      assert.match(text, /^ {4}"userTagHash": "[0-9a-f]{16}"/m);
      assert.ok(!text.includes('local-tag-secret'), 'the userTag only as a hash');
      // As in Lambda: the process's first invocation is its cold start, and only that one.
      const requests = text.split(/^\{$/m).filter((line) => line.includes('"message": "request"'));
      assert.deepEqual(
        requests.map((line) => [/"route": "(\w+)"/.exec(line)?.[1], /"cold_start": (\w+)/.exec(line)?.[1]]),
        [
          ['predict', 'true'],
          ['listModels', 'false'],
        ],
        text,
      );
    } finally {
      started.child.kill('SIGTERM');
    }
    const timer = setTimeout(() => started.child.kill('SIGKILL'), 10_000);
    await started.exited;
    clearTimeout(timer);
  });

  it('SIGTERM to the npm process stops the whole tree (npm, its shell, node local/start.ts) and closes every port', { skip: (!hasNpm && 'no npm') || (processTable() === undefined && 'no /proc') }, async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...startEnv({}) };
    delete env.NODE_TEST_CONTEXT;
    // Its own process group, so that whatever is left can be cleaned up below, and so that no
    // signal meant for the tests reaches it.
    const npm = spawn('npm', ['start'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    npm.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    npm.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => npm.on('exit', (code) => resolve(code)));
    const pid = npm.pid ?? 0;
    try {
      await waitFor({ child: npm, output: () => output, exited: exited.then((code) => ({ code, signal: null })) }, 'Ctrl-C stops', 30_000);
      const ports = [...output.matchAll(/^ {2}(?:API|SSM|demo [\w-]+) +http:\/\/127\.0\.0\.1:(\d+)/gm)].map((m) => Number(m[1]));
      const unique = [...new Set(ports)];
      assert.equal(unique.length, 7, `the API, SSM and five demos: ${unique.join(', ')}\n${output}`);
      const tree = descendants(processTable() ?? new Map(), pid);
      assert.ok(tree.length >= 2, `npm and node local/start.ts at least: ${tree.join(', ')}`);
      for (const port of unique) assert.equal(await refused(port), false, `port ${port} is open while it runs`);

      process.kill(pid, 'SIGTERM');
      const deadline = Date.now() + 15_000;
      let left = tree;
      while (left.length > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const table = processTable() ?? new Map();
        left = tree.filter((p) => alive(table, p));
      }
      assert.deepEqual(left, [], `still running 15 s after SIGTERM to npm (pid ${pid}):\n${output}`);
      for (const port of unique) assert.equal(await refused(port), true, `port ${port} still accepts connections`);
      assert.match(output, /(SIGTERM|parent process gone): stopping/);
    } finally {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // nothing left
      }
    }
  });

  for (const variable of ['PORT', 'DEMO_FRAUD_PORT']) {
    it(`says which port is taken, naming ${variable}, and exits 1 when a port asked for cannot be had`, async () => {
      const blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      const port = (blocker.address() as AddressInfo).port;
      try {
        const started = startProcess({ [variable]: String(port) });
        const timer = setTimeout(() => started.child.kill('SIGKILL'), 15_000);
        const { code } = await started.exited;
        clearTimeout(timer);
        assert.equal(code, 1, started.output());
        assert.equal(started.output().trim(), `local mode: port ${port} is in use (${variable}=${port}); set ${variable} to another port, or to 0 for a free one`);
      } finally {
        await new Promise<void>((resolve) => blocker.close(() => resolve()));
      }
    });
  }

  it('works when the default ports are taken: the API and the demo move to free ports, say so, and the file\'s default addresses reach them', async () => {
    // Holds 127.0.0.1:3000 and :9101 for the run, unless something else already does: taken either way.
    const hold = (port: number) =>
      new Promise<Server | undefined>((resolve, reject) => {
        const server = createServer();
        server.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolve(undefined) : reject(error)));
        server.listen(port, '127.0.0.1', () => resolve(server));
      });
    const held = await Promise.all([hold(3000), hold(9101)]);
    // A parameters file that exists and names the demos at their default addresses, as the committed one does.
    const parametersFile = join(dir, 'defaults.json');
    writeParametersFile(parametersFile, defaultDemoParameters());
    const started = startProcess({ PORT: undefined, DEMO_IRIS_PORT: undefined, PARAMETERS_FILE: parametersFile });
    try {
      await waitFor(started, 'Ctrl-C stops');
      const text = started.output();
      const api = /API +(http:\/\/127\.0\.0\.1:(\d+)) /.exec(text);
      assert.ok(api && api[2] !== '3000', text);
      assert.match(text, new RegExp(`^  note: port 3000 is in use: the API is on port ${api[2]} instead \\(set PORT to choose one\\)$`, 'm'));
      const iris = /demo iris +http:\/\/127\.0\.0\.1:(\d+)\//.exec(text)?.[1];
      assert.ok(iris && iris !== '9101', text);
      assert.match(text, new RegExp(`^  note: demo iris is on port ${iris}, not 9101 \\(port 9101 is in use\\): the SSM endpoint serves its address where the parameters file names http://127\\.0\\.0\\.1:9101/v1/models/iris:predict$`, 'm'));
      assert.doesNotMatch(text, /not the demo at/);
      for (const [model, data, key] of [['iris', { instances: [[5.1, 3.5, 1.4, 0.2]] }, 'predictions'], ['churn', { features: { tenure_months: 3, monthly_charges: 89.5, support_calls: 4, contract: 'month-to-month' } }, 'score']] as const) {
        const response = await fetch(`${api[1]}/v1/models/${model}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userTag: 't', data }) });
        const body = (await response.json()) as { result: Record<string, unknown> };
        assert.equal(response.status, 200, JSON.stringify(body));
        assert.ok(key in body.result, JSON.stringify(body));
      }
      assert.equal(readFileSync(parametersFile, 'utf8'), `${JSON.stringify(defaultDemoParameters(), null, 2)}\n`, 'the file is left as it was');
    } finally {
      started.child.kill('SIGTERM');
      const timer = setTimeout(() => started.child.kill('SIGKILL'), 10_000);
      await started.exited;
      clearTimeout(timer);
      await Promise.all(held.map((server) => server && new Promise<void>((resolve) => server.close(() => resolve()))));
    }
  });
});
