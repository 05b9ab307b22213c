// How the model connections are opened: undici's own connector (TCP or TLS, session reuse,
// keep-alive, the allowlist's lookup), watched on behalf of the model call that asked for it.
//
// undici only tells a request handler about its connection once the request is written
// (onRequestStart). Until then an abort or a deadline has nothing to act on, so a host that
// never completes the TCP connect or the TLS handshake would hold the call for the connector's
// own timeout whatever the call's deadline said. Each call therefore runs its dispatch inside
// a CallConnection (AsyncLocalStorage carries it to the connect undici starts for it), which
// knows the phase the connection is in (dns, connect, tls), can destroy it when the call gives
// up, and tells afterwards whether the request went out on a connection opened for it or on a
// pooled keep-alive one (call-model.ts retries only the second kind).
import { AsyncLocalStorage } from 'node:async_hooks';
import { isIP, type Socket } from 'node:net';
import type { buildConnector as BuildConnector } from 'undici';
import { skipInterimContinue } from './interim-responses.ts';
import { buildConnector } from './undici.ts';

export type ConnectPhase = 'dns' | 'connect' | 'tls';

/** Why a connection was destroyed before it was handed to undici: its call gave up on it. */
export class ConnectionAbandoned extends Error {
  override name = 'ConnectionAbandoned';
}

/** One attempt of a model call, as its connection sees it. */
export class CallConnection {
  #socket: Socket | undefined;
  #phase: ConnectPhase | undefined;
  #opened = false;
  #closed = false;

  /** The phase of a connection still being opened for this call, else undefined. */
  get phase(): ConnectPhase | undefined {
    return this.#socket === undefined ? undefined : this.#phase;
  }

  /** Whether a connection opened for this call connected: the call's request went out on it. */
  get opened(): boolean {
    return this.#opened;
  }

  /** The connector started `socket` for this call. */
  opening(socket: Socket, tls: boolean, ipLiteral: boolean): void {
    // A connect undici starts from a socket event of a call long finished runs in that call's
    // context: it is not this call's to watch.
    if (this.#closed || this.#socket !== undefined || this.#opened) return;
    this.#socket = socket;
    this.#phase = ipLiteral ? 'connect' : 'dns';
    socket.once('lookup', () => {
      if (this.#phase === 'dns') this.#phase = 'connect';
    });
    socket.once('connect', () => {
      if (tls) this.#phase = 'tls';
    });
  }

  /** The connector handed `socket` (connected, TLS done) to undici, or failed. */
  settled(socket: Socket, ok: boolean): void {
    if (this.#socket !== socket) return;
    this.#socket = undefined;
    this.#opened = ok && !this.#closed;
  }

  /** The call is over: a connection still being opened for it is destroyed (nobody else waits on it). */
  close(): void {
    this.#closed = true;
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.destroy(new ConnectionAbandoned('the model call gave up on this connection'));
  }
}

const current = new AsyncLocalStorage<CallConnection>();

/** Runs `dispatch` so that a connection undici opens for it is watched by `connection`. */
export const dispatchWith = <T>(connection: CallConnection, dispatch: () => T): T => current.run(connection, dispatch);

export interface ConnectorOptions {
  /** The connector's own cap on connecting, a safety net under each call's deadline. */
  timeout: number;
  lookup: (...args: never[]) => void;
  ca?: string;
  cert?: string;
  key?: string;
}

export function modelConnector(options: ConnectorOptions): BuildConnector.connector {
  // HTTP/1.1 only: every model is spoken to the one way the adapter is tested with.
  const connect = buildConnector({ ...options, allowH2: false } as BuildConnector.BuildOptions);
  return (params, callback) => {
    const connection = current.getStore();
    let socket: Socket | undefined;
    const opened = connect(params, (error, connected) => {
      if (socket) connection?.settled(socket, error === null);
      if (connected) skipInterimContinue(connected as Socket);
      callback(error as never, connected as never);
    }) as unknown as Socket | undefined;
    socket = opened;
    if (socket) connection?.opening(socket, params.protocol === 'https:', isIP(params.hostname) !== 0);
    return opened as never;
  };
}
