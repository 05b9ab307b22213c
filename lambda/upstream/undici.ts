// The parts of undici the adapter uses, imported from their own modules. undici's index also
// loads fetch, WebSocket, EventSource, the caches and the mocks: in the bundle that was 260 KB
// more to parse on every cold start, for the classes the adapter uses.
import AgentClass from 'undici/lib/dispatcher/agent.js';
import ClientClass from 'undici/lib/dispatcher/client.js';
import buildConnectorFunction from 'undici/lib/core/connect.js';

export const Agent = AgentClass;
/** One connection of its own (the Agent's pools are made of these, so it adds nothing to the bundle). */
export const Client = ClientClass;
/** undici's TCP/TLS connector, which every Client builds by default (connector.ts watches it). */
export const buildConnector = buildConnectorFunction;
