// The loopback model for every scenario, run as its own process so that its CPU is never
// counted as the adapter's: reads the whole request, answers one fixed JSON text.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { failChild, reportReady, stopOnSignal } from '../lib/processes.ts';
import { MODEL_ANSWER } from '../lib/workload.ts';

const answer = Buffer.from(MODEL_ANSWER);
const headers = { 'content-type': 'application/json', 'content-length': String(answer.length) };

const server = createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    res.writeHead(200, headers);
    res.end(answer);
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
