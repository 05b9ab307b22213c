// A scriptable prediction service on loopback: records what it receives, counts connections
// (to prove that none were opened), and answers however a test says.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Behaviour = (req: IncomingMessage, res: ServerResponse, body: string) => void | Promise<void>;

export interface ModelServer {
  url: string;
  port: number;
  received: Received[];
  connections: number;
  /** Replaces the behaviour for the next requests. */
  behave(behaviour: Behaviour): void;
  close(): Promise<void>;
}

/** Answers 200 with this JSON text, verbatim. */
export const answerJson =
  (text: string, status = 200, headers: Record<string, string> = {}): Behaviour =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  };

/** Echoes the parsed request body back as `{"echo": ...}`, keeping its text. */
export const echo: Behaviour = (_req, res, body) => {
  const text = `{"echo":${body}}`;
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(text);
};

export async function startModelServer(behaviour: Behaviour = echo): Promise<ModelServer> {
  let current = behaviour;
  const received: Received[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    try {
      await current(req, res, body);
    } catch {
      res.destroy();
    }
  });
  const state = { connections: 0 };
  server.on('connection', () => state.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    get connections() {
      return state.connections;
    },
    behave(next) {
      current = next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
