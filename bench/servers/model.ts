// The loopback model for every scenario, run as its own process so that its CPU is never
// counted as the adapter's: reads the whole request, answers one fixed JSON text, after
// MODEL_LATENCY_MS when set (the managed-instances scenario's model takes 20 ms, as a model does).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { failChild, reportReady, stopOnSignal } from '../lib/processes.ts';
import { MODEL_ANSWER } from '../lib/workload.ts';

const answer = Buffer.from(MODEL_ANSWER);
const headers = { 'content-type': 'application/json', 'content-length': String(answer.length) };

const latencyMs = Number(process.env.MODEL_LATENCY_MS ?? 0);
const answerNow = (res: import('node:http').ServerResponse): void => {
  res.writeHead(200, headers);
  res.end(answer);
};

const server = createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    if (latencyMs > 0) setTimeout(answerNow, latencyMs, res);
    else answerNow(res);
  });
});
// Longer than any pause between rounds, so that no scenario pays for reconnecting.
server.keepAliveTimeout = 60_000;

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  reportReady({ url: `http://127.0.0.1:${port}` });
});
server.on('error', failChild);
stopOnSignal(async () => {
  server.closeAllConnections();
  server.close();
});
