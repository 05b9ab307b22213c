// The Agent, imported from its own module. undici's index also loads fetch, WebSocket,
// EventSource, the caches and the mocks: in the bundle that was 260 KB more to parse on every
// cold start, for the one class the adapter uses.
import AgentClass from 'undici/lib/dispatcher/agent.js';

export const Agent = AgentClass;
