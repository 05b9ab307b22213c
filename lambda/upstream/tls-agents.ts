// One set of model connections (connections.ts: a keep-alive pool and new connections for
// retries) per distinct TLS material (a custom CA, a client certificate and key), found by the
// material's fingerprint: models that share material share connections, and a rotated
// certificate gets fresh connections while the old pool drains.
import type { TlsMaterial } from '../config/tls-material.ts';
import type { ModelConnections } from './connections.ts';

/** Pools kept at most; the least recently used is closed (it lets requests in flight finish). */
export const MAX_TLS_AGENTS = 16;

export function tlsAgents(create: (material: TlsMaterial) => ModelConnections, max = MAX_TLS_AGENTS): (material: TlsMaterial) => ModelConnections {
  const cached = new Map<string, ModelConnections>();
  return (material) => {
    let connections = cached.get(material.hash);
    if (connections) {
      // Map order is insertion order: moving the entry to the end keeps it the newest.
      cached.delete(material.hash);
    } else {
      connections = create(material);
      const oldest = cached.size >= max ? cached.keys().next().value : undefined;
      if (oldest !== undefined) {
        cached.get(oldest)?.pool.close().catch(() => undefined);
        cached.delete(oldest);
      }
    }
    cached.set(material.hash, connections);
    return connections;
  };
}
