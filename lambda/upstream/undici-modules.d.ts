// Types for the undici module the adapter imports directly (see upstream/undici.ts): undici
// ships types for its index only.
declare module 'undici/lib/dispatcher/agent.js' {
  import type { Agent } from 'undici';
  const AgentClass: typeof Agent;
  export default AgentClass;
}
