// The parts of undici the adapter uses, imported from their own modules. undici's index
// also loads fetch, WebSocket, EventSource, the caches and the mocks, and mixes `request` into
// every Dispatcher: in the bundle that was 260 KB more to parse on every cold start.
import AgentClass from 'undici/lib/dispatcher/agent.js';
import ClientClass from 'undici/lib/dispatcher/client.js';
import requestFn from 'undici/lib/api/api-request.js';
import type { Dispatcher } from 'undici';

export const Agent = AgentClass;
/** One connection of its own (the Agent's pools are made of these, so it adds nothing to the bundle). */
export const Client = ClientClass;

/** `dispatcher.request(options)`, for any Dispatcher (an Agent here, a MockAgent in tests). */
export const request = (dispatcher: Dispatcher, options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData> =>
  requestFn.call(dispatcher, options);
