// Every TCP connection attempt this process makes, seen from node:net itself: the proof that a
// refused endpoint opened no socket. net.connect publishes each client socket on the
// `net.client.socket` diagnostics channel, and a socket emits `connectionAttempt` with the
// address and port just before it sends the SYN; a lookup that refuses (upstream/lookup.ts)
// leaves a socket that never attempts anything.
import dc from 'node:diagnostics_channel';
import type { Socket } from 'node:net';

export interface ConnectionAttempt {
  address: string;
  port: number;
}

export interface ConnectionWatch {
  attempts: ConnectionAttempt[];
  /** Every client socket made while watching (a TLS socket's own TCP socket among them). */
  sockets: Socket[];
  /** Attempts to anything but the given ports (the loopback SSM endpoint's, say). */
  except(...ports: number[]): ConnectionAttempt[];
  stop(): void;
}

export function watchConnections(): ConnectionWatch {
  const attempts: ConnectionAttempt[] = [];
  const sockets: Socket[] = [];
  const onSocket = (message: unknown): void => {
    const { socket } = message as { socket: Socket };
    sockets.push(socket);
    socket.on('connectionAttempt', (address: string, port: number) => attempts.push({ address, port }));
  };
  dc.subscribe('net.client.socket', onSocket);
  return {
    attempts,
    sockets,
    except: (...ports) => attempts.filter((attempt) => !ports.includes(attempt.port)),
    stop: () => dc.unsubscribe('net.client.socket', onSocket),
  };
}
