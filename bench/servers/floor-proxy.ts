// The floor proxy: the least a hand-written Node reverse proxy can do for B's contract. It
// strips the envelope, POSTs `data` to the model with undici on a keep-alive Agent and wraps
// the answer, with no validation, no logging and no error mapping. The adapter is measured
// against it, as a function (in-process) and as an HTTP server (under load).
// Run as a child process it serves HTTP: `MODEL_URL=... node bench/servers/floor-proxy.ts`.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { failChild, reportReady, stopOnSignal } from '../lib/processes.ts';
import { MODEL_PATH } from '../lib/workload.ts';

export function floorProxy(modelUrl: string): (body: string) => Promise<string> {
  const dispatcher = new Agent({ keepAliveTimeout: 4_000, keepAliveMaxTimeout: 15_000 });
  const target = `${modelUrl}${MODEL_PATH}`;
  return async (body) => {
    const { userTag, data } = JSON.parse(body) as { userTag: unknown; data: unknown };
    const response = await request(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(data),
      dispatcher,
    });
    const result = await response.body.text();
    return `{"userTag":${JSON.stringify(userTag)},"result":${result}}`;
  };
}

if (import.meta.main) {
  try {
    const proxy = floorProxy(process.env.MODEL_URL ?? '');
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        proxy(Buffer.concat(chunks).toString('utf8')).then(
          (text) => {
            res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
            res.end(text);
          },
          () => {
            res.writeHead(502);
            res.end();
          },
        );
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      reportReady({ url: `http://127.0.0.1:${port}` });
    });
    stopOnSignal(async () => {
      server.closeAllConnections();
      server.close();
    });
  } catch (error) {
    failChild(error);
  }
}
