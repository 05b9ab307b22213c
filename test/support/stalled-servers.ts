// Loopback peers that stall a model call in each phase of its exchange, as a VPC does on its
// first day: a host whose listener never takes the connection (a security group not opened
// yet drops the SYN; here a listener whose accept backlog is full), one that takes the TCP
// connection and never answers the TLS ClientHello, one that sends its headers a line at a
// time, and one that drips its body. Each stops by itself.
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Worker } from 'node:worker_threads';

export interface StalledPeer {
  port: number;
  close(): Promise<void>;
}

const listen = (server: Server): Promise<number> =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

/**
 * A listener that never accepts: it lives in a worker whose thread then blocks (so its event
 * loop accepts nothing), and its backlog is filled by connections of our own. Past that the
 * kernel drops every SYN: a connect to it neither completes nor fails.
 */
export async function neverAccepting(): Promise<StalledPeer> {
  const release = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `const { workerData, parentPort } = require('node:worker_threads');
     const server = require('node:net').createServer().listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
       parentPort.postMessage(server.address().port);
       Atomics.wait(workerData, 0, 0, 60000);
       server.close();
     });`,
    { eval: true, workerData: release },
  );
  const port = await new Promise<number>((resolve) => worker.once('message', resolve));
  const fillers: Socket[] = [];
  for (let i = 0; i < 16; i++) {
    const filler = connect(port, '127.0.0.1').on('error', () => {});
    fillers.push(filler);
    const connected = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 200);
      filler.once('connect', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!connected) break; // the backlog is full
  }
  return {
    port,
    async close() {
      for (const filler of fillers) filler.destroy();
      Atomics.store(release, 0, 1);
      Atomics.notify(release, 0);
      await worker.terminate();
    },
  };
}

/** Takes TCP connections and never says a word: a TLS handshake with it never completes. */
export async function silentTcp(): Promise<StalledPeer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  });
  const port = await listen(server);
  return {
    port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * An HTTP server that answers each request's status line at once, then one header line every
 * `everyMs` (`headers`), or its headers at once and then one byte of body every `everyMs`
 * (`body`), forever. Records when each client connection closed.
 */
export async function dripping(part: 'headers' | 'body', everyMs = 20): Promise<StalledPeer & { requests: number; closed: number[] }> {
  const state = { requests: 0, closed: [] as number[] };
  const server = createHttpServer((req, res) => {
    state.requests++;
    req.resume();
    const socket = req.socket;
    let timer: NodeJS.Timeout;
    if (part === 'headers') {
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n');
      timer = setInterval(() => socket.write('x-slow: 1\r\n'), everyMs);
    } else {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000000' });
      timer = setInterval(() => res.write(' '), everyMs);
    }
    socket.once('close', () => {
      clearInterval(timer);
      state.closed.push(performance.now());
    });
  });
  const port = await listen(server);
  return {
    port,
    get requests() {
      return state.requests;
    },
    closed: state.closed,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
