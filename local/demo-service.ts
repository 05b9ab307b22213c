// The HTTP side of the demo prediction services (local/demo-*.ts): one JSON POST route on
// 127.0.0.1, a body cap, and each service's own error shape for what it cannot read.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DemoService {
  name: string;
  /** The full URL to POST predictions to: what the model's SSM endpoint parameter holds. */
  url: string;
  port: number;
  /** The parameter that holds `url`, relative to the prefix (`models/churn/variants/v2/endpoint`). */
  parameter: string;
  close(): Promise<void>;
}

const MAX_DEMO_BODY_BYTES = 1024 * 1024;

export interface JsonServiceSpec {
  name: string;
  /** Relative to the prefix; `models/{name}/endpoint` when absent. */
  parameter?: string;
  path: string;
  port: number;
  errorBody: (message: string) => unknown;
  predict: (json: unknown) => { status: number; body: unknown };
  /** What the service says about itself: GET path -> JSON body (a model server's metadata routes). */
  metadata?: Readonly<Record<string, unknown>>;
}

/** A demo prediction service: POST JSON to one path on 127.0.0.1, answered by `predict`. */
export async function startJsonService(spec: JsonServiceSpec): Promise<DemoService> {
  const send = (res: ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method === 'GET' && spec.metadata && Object.hasOwn(spec.metadata, path)) return send(res, 200, spec.metadata[path]);
    if (path !== spec.path) return send(res, 404, spec.errorBody(`No route for ${path}.`));
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return send(res, 405, spec.errorBody('Only POST is allowed.'));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    // Over the cap, keep draining (leaving the loop early would destroy the socket).
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size <= MAX_DEMO_BODY_BYTES) chunks.push(chunk as Buffer);
    }
    if (size > MAX_DEMO_BODY_BYTES) return send(res, 413, spec.errorBody('The request body is too large.'));
    let json: unknown;
    try {
      json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (error) {
      return send(res, 400, spec.errorBody(`Malformed JSON: ${(error as Error).message}`));
    }
    const answer = spec.predict(json);
    send(res, answer.status, answer.body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(spec.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    name: spec.name,
    url: `http://127.0.0.1:${port}${spec.path}`,
    port,
    parameter: spec.parameter ?? `models/${spec.name}/endpoint`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
