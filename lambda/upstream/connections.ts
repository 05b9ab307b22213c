// The connections to models: one keep-alive pool for every call, and a single new connection
// for a retry. Both connect through the same connector (connector.ts), so the allowlist check
// on the resolved address (lookup.ts) guards the retry too, TLS material (a model config's
// custom CA and client certificate, see tls-agents.ts) is presented by both, and each call's
// deadline reaches the connect it waits for.
import type { Agent as AgentType, Client as ClientType } from 'undici';
import type { Allowlist } from '../config/allowlist.ts';
import type { TlsMaterial } from '../config/tls-material.ts';
import { modelConnector } from './connector.ts';
import { allowlistLookup } from './lookup.ts';
import { Agent, Client } from './undici.ts';

export interface ModelConnections {
  pool: AgentType;
  /** A client that opens its own connection to `origin`; whoever asks for it destroys it. */
  newConnection: (origin: string) => ClientType;
}

export function modelConnections(options: { connectTimeoutMs: number; allowlist: Allowlist; tls?: TlsMaterial }): ModelConnections {
  const { ca, cert, key } = options.tls ?? {};
  const connect = modelConnector({ timeout: options.connectTimeoutMs, lookup: allowlistLookup(options.allowlist), ca, cert, key });
  return {
    // Short idle timeouts: after a Lambda freeze, pooled sockets may have been closed by the model.
    pool: new Agent({ keepAliveTimeout: 4_000, keepAliveMaxTimeout: 15_000, connect }),
    newConnection: (origin) => new Client(origin, { connect }),
  };
}
