// The faulty prediction services the soak points extra model names at, each on its own
// loopback port (so each has its own connection pool in the adapter). Their bodies carry a
// marker that must never reach B.
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export const FAULT_SECRET = 'soak-model-secret-7f3a';

type Fault = (req: IncomingMessage, res: ServerResponse) => void;

const json = (res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
};

/** Answers its first request on each connection and kills the connection on the next: a pool of stale sockets. */
function staleSockets(): Fault {
  const served = new WeakSet<Socket>();
  return (req, res) => {
    if (served.has(req.socket)) {
      req.socket.resetAndDestroy();
      return;
    }
    served.add(req.socket);
    json(res, 200, '{"stale":"survived"}', { 'keep-alive': 'timeout=60' });
  };
}

/** Model name -> behaviour; the soak's `expected` outcome for each is in mix.ts. */
export const FAULTS: Record<string, () => Fault> = {
  slow: () => (_req, res) => {
    // Past the soak's 1 s deadline; the adapter aborts first.
    const timer = setTimeout(() => json(res, 200, '{"late":true}'), 2_000);
    res.on('close', () => clearTimeout(timer));
  },
  broken: () => (_req, res) => json(res, 500, `<pre>Traceback ${FAULT_SECRET}</pre>`, { 'content-type': 'text/html' }),
  garbage: () => (_req, res) => json(res, 200, `OK ${FAULT_SECRET}`, { 'content-type': 'text/plain' }),
  oversized: () => (_req, res) => json(res, 200, JSON.stringify({ blob: FAULT_SECRET.repeat(8_000) })),
  rejecting: () => (_req, res) => json(res, 422, JSON.stringify({ error: `feature 3 ${FAULT_SECRET}` })),
  throttled: () => (_req, res) => json(res, 429, '{}', { 'retry-after': '120' }),
  resetting: () => (req) => req.socket.resetAndDestroy(),
  redirecting: () => (_req, res) => json(res, 302, '{}', { location: 'http://169.254.169.254/latest/meta-data/' }),
  stale: staleSockets,
};

export interface FaultModels {
  urls: Record<string, string>;
  close(): Promise<void>;
}

export async function startFaultModels(): Promise<FaultModels> {
  const servers: Server[] = [];
  const urls: Record<string, string> = {};
  for (const [name, make] of Object.entries(FAULTS)) {
    const fault = make();
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => fault(req, res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    urls[name] = `http://127.0.0.1:${(server.address() as AddressInfo).port}/predict`;
  }
  return {
    urls,
    async close() {
      for (const server of servers) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}
