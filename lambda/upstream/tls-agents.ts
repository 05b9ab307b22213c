// One keep-alive HTTP agent per distinct set of TLS material (a custom CA, a client
// certificate and key), found by the material's fingerprint: models that share material share
// connections, and a rotated certificate gets a fresh agent while the old one drains.
import type { Dispatcher } from 'undici';
import type { TlsMaterial } from '../config/tls-material.ts';

/** Agents kept at most; the least recently used is closed (it lets requests in flight finish). */
export const MAX_TLS_AGENTS = 16;

export function tlsAgents(create: (material: TlsMaterial) => Dispatcher, max = MAX_TLS_AGENTS): (material: TlsMaterial) => Dispatcher {
  const agents = new Map<string, Dispatcher>();
  return (material) => {
    let agent = agents.get(material.hash);
    if (agent) {
      // Map order is insertion order: moving the agent to the end keeps it the newest.
      agents.delete(material.hash);
    } else {
      agent = create(material);
      const oldest = agents.size >= max ? agents.keys().next().value : undefined;
      if (oldest !== undefined) {
        agents.get(oldest)?.close().catch(() => undefined);
        agents.delete(oldest);
      }
    }
    agents.set(material.hash, agent);
    return agent;
  };
}
