// One loaded copy of the configuration: the parameters under the prefix, read into the models
// B may call. Built once per refresh, so requests only do Map lookups.
import { MODEL_NAME } from '../http/routes.ts';
import type { Allowlist } from './allowlist.ts';
import { parseEndpoint, type ParsedEndpoint } from './endpoint.ts';

export interface ConfigSnapshot {
  /** Model name -> its endpoint, or why the configured value cannot be used. */
  models: Map<string, ParsedEndpoint>;
}

/** `${prefix}/models/{model}/endpoint` with a well-formed model name. */
export function buildSnapshot(parameters: Map<string, string>, prefix: string, allowlist: Allowlist): ConfigSnapshot {
  const models = new Map<string, ParsedEndpoint>();
  const head = `${prefix}/models/`;
  const tail = '/endpoint';
  for (const [name, value] of parameters) {
    if (!name.startsWith(head) || !name.endsWith(tail)) continue;
    const model = name.slice(head.length, name.length - tail.length);
    if (!MODEL_NAME.test(model)) continue;
    models.set(model, parseEndpoint(value, allowlist));
  }
  return { models };
}

/** The models B may call: those whose endpoint is usable, sorted. */
export function callableModels(snapshot: ConfigSnapshot): string[] {
  return [...snapshot.models].filter(([, parsed]) => parsed.ok).map(([name]) => name).sort();
}
