// lambda/upstream/undici.ts imports undici's Agent, Client and buildConnector from their own
// modules rather than undici's index (a performance trick, docs/performance.md): these tests
// fail when an undici upgrade moves or hides those modules, when they stop being the very
// classes the index exports, or when importing them starts to load the index after all. The
// last group pins the undici internals that connector.ts and interim-responses.ts rely on
// (docs/performance.md, "undici internals we rely on").
import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { Socket as NetSocket, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { buildConnector as BuildConnector, Dispatcher } from 'undici';
import { Agent, Client, buildConnector } from '../../../lambda/upstream/undici.ts';

const projectFile = (path: string): string => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const run = promisify(execFile);

/** The modules lambda/upstream/undici.ts imports, and the name undici's index exports each under. */
const DEEP_IMPORTS = {
  'lib/dispatcher/agent.js': 'Agent',
  'lib/dispatcher/client.js': 'Client',
  'lib/core/connect.js': 'buildConnector',
} as const;

describe("undici's own modules (lambda/upstream/undici.ts)", () => {
  test('are the ones lambda/upstream/undici.ts imports, and exist in the installed undici, which does not hide them', () => {
    const source = readFileSync(projectFile('lambda/upstream/undici.ts'), 'utf8');
    const imported = [...source.matchAll(/^import \w+ from '(undici\/[^']+)';$/gm)].map((match) => match[1]);
    assert.deepEqual(imported, Object.keys(DEEP_IMPORTS).map((path) => `undici/${path}`));
    const manifest = JSON.parse(readFileSync(projectFile('node_modules/undici/package.json'), 'utf8')) as { version: string; exports?: unknown };
    // An `exports` map would make every path it does not list unresolvable from outside.
    assert.equal(manifest.exports, undefined, `undici ${manifest.version} now has an exports map: check that it lists ${Object.keys(DEEP_IMPORTS).join(', ')}`);
    for (const path of Object.keys(DEEP_IMPORTS)) assert.ok(existsSync(projectFile(`node_modules/undici/${path}`)), `undici ${manifest.version} has no ${path}`);
  });

  test("are the very classes and function undici's index exports", async () => {
    const index = await import('undici');
    assert.equal(Agent, index.Agent);
    assert.equal(Client, index.Client);
    assert.equal(buildConnector, index.buildConnector);
  });

  test("load without undici's index, its fetch or its WebSocket (in a fresh process)", async () => {
    const script = `
      import { createRequire } from 'node:module';
      await import(${JSON.stringify(projectFile('lambda/upstream/undici.ts'))});
      const loaded = Object.keys(createRequire(import.meta.url).cache).filter((file) => file.includes('/node_modules/undici/'));
      process.stdout.write(JSON.stringify(loaded));
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: projectFile('') });
    const loaded = (JSON.parse(stdout) as string[]).map((file) => file.slice(file.indexOf('/node_modules/undici/') + '/node_modules/undici/'.length));
    for (const path of Object.keys(DEEP_IMPORTS)) assert.ok(loaded.includes(path), `${path} was not loaded`);
    assert.ok(!loaded.includes('index.js'), "undici's index was loaded");
    assert.deepEqual(loaded.filter((file) => /^lib\/(web|mock|cache|interceptor)\//.test(file)), [], 'fetch, WebSocket, mocks, caches or interceptors were loaded');
  });
});

describe('undici internals the model connections rely on', () => {
  let server: Server;
  let origin: string;
  before(async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  interface Observed {
    /** The store the connector saw, and whether dispatch() had not yet returned when it was called. */
    connects: Array<{ store: string | undefined; duringDispatch: boolean }>;
    /** Whether undici's connector returned the socket it is opening (connector.ts watches it before the callback). */
    returnedSockets: boolean[];
    /** socket.write calls made before undici's connect callback returned. */
    writesInConnectCallback: number;
    /** socket.read calls that handed undici bytes of the answer. */
    readsWithData: number;
    /** Set when bytes of an answer are read, cleared when the handler is told the answer ended. */
    answering: boolean;
    /** socket.write calls while an answer was being read (a request written late, or pipelined). */
    writesWhileAnswering: number;
  }

  /** undici's own connector, wrapped as connector.ts wraps it, recording what the adapter relies on. */
  function observingConnector(observed: Observed, dispatching: () => boolean, store: AsyncLocalStorage<string>): BuildConnector.connector {
    const connect = buildConnector({ allowH2: false } as BuildConnector.BuildOptions);
    return (params, callback) => {
      observed.connects.push({ store: store.getStore(), duringDispatch: dispatching() });
      const opening = connect(params, (error, connected) => {
        const socket = connected as Socket | null;
        let writes = 0;
        if (socket) {
          const { read, write } = socket;
          socket.write = function (this: Socket, ...args: Parameters<Socket['write']>) {
            writes++;
            if (observed.answering) observed.writesWhileAnswering++;
            return write.apply(this, args);
          } as Socket['write'];
          socket.read = function (this: Socket, size?: number) {
            const chunk = read.call(this, size) as Buffer | null;
            if (chunk !== null && chunk.length > 0) {
              observed.answering = true;
              observed.readsWithData++;
            }
            return chunk;
          } as Socket['read'];
        }
        callback(error as never, connected as never);
        observed.writesInConnectCallback += writes;
      });
      observed.returnedSockets.push((opening as unknown) instanceof NetSocket);
      return opening;
    };
  }

  /** One POST through `dispatcher`, dispatched inside `store.run(name)`; resolves with the status. */
  function post(dispatcher: Dispatcher, observed: Observed, store: AsyncLocalStorage<string>, name: string, inDispatch: (value: boolean) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      let status = 0;
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart: () => undefined,
        onResponseData: () => undefined,
        onResponseStart: (_controller, statusCode) => {
          status = statusCode;
        },
        onResponseEnd: () => {
          observed.answering = false;
          resolve(status);
        },
        onResponseError: (_controller, error) => reject(error),
      };
      store.run(name, () => {
        inDispatch(true);
        dispatcher.dispatch({ origin, path: '/predict', method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"x":1}' }, handler);
        inDispatch(false);
      });
    });
  }

  for (const [kind, make] of [
    ['an Agent (the pool)', (connect: BuildConnector.connector) => new Agent({ connect })],
    ["a Client (the retry's new connection)", (connect: BuildConnector.connector) => new Client(origin, { connect })],
  ] as const) {
    test(`${kind}: dispatch() calls the connector before it returns, in the caller's async context, and gets the socket back at once; the request is written in the connect callback and the answer read through socket.read`, async () => {
      const store = new AsyncLocalStorage<string>();
      const observed: Observed = { connects: [], returnedSockets: [], writesInConnectCallback: 0, readsWithData: 0, answering: false, writesWhileAnswering: 0 };
      let dispatching = false;
      const dispatcher = make(observingConnector(observed, () => dispatching, store));
      try {
        assert.equal(await post(dispatcher, observed, store, 'call-1', (value) => (dispatching = value)), 200);
        // connector.ts: AsyncLocalStorage carries the call to the connect undici opens for it.
        assert.deepEqual(observed.connects, [{ store: 'call-1', duringDispatch: true }]);
        assert.deepEqual(observed.returnedSockets, [true], "undici's connector did not return the socket it opens");
        // connector.ts / interim-responses.ts: the request goes out on the new socket at once
        // (socket.write), and the answer comes back through socket.read, where the 100 filter sits.
        assert.ok(observed.writesInConnectCallback > 0, 'the request was not written in the connect callback');
        assert.ok(observed.readsWithData > 0, 'undici read the answer other than through socket.read');
        // A second call on the kept-alive socket: no new connect. Neither request was written
        // while an answer was being read (interim-responses.ts takes each write as the start of
        // the next answer).
        const reads = observed.readsWithData;
        // (undici frees the socket just after telling the handler the answer ended.)
        await new Promise((resolve) => setImmediate(resolve));
        assert.equal(await post(dispatcher, observed, store, 'call-2', (value) => (dispatching = value)), 200);
        assert.equal(observed.connects.length, 1, 'the keep-alive socket was not reused');
        assert.ok(observed.readsWithData > reads, 'the second answer was not read through socket.read');
        assert.equal(observed.writesWhileAnswering, 0);
      } finally {
        await dispatcher.destroy();
      }
    });
  }
});
