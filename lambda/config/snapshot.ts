// One loaded copy of the configuration: the parameters under the prefix, read into the models
// and ensembles B may call. Built once per refresh, so requests only do Map lookups; a config
// whose text did not change since the last refresh is not parsed or compiled again.
//
// Layout (docs/contract.md, "Configuration in SSM Parameter Store"), under the prefix:
//   models/{model}/endpoint                    the model's URL
//   models/{model}/config                      optional JSON (model-config.ts)
//   models/{model}/variants/{variant}/endpoint another URL for the same model
//   ensembles/{ensemble}                       JSON (ensembles/ensemble-config.ts)
import { parseEnsembleConfig, type EnsembleConfig } from './ensemble-config.ts';
import { modelName, type ModelName } from '../contract/model-name.ts';
import type { Allowlist } from './allowlist.ts';
import { parseEndpoint, type ParsedEndpoint } from './endpoint.ts';
import { configHash, parseModelConfig, type ModelConfig } from './model-config.ts';
import { resolveTls, type TlsMaterial } from './tls-material.ts';

/** A model's usable config: the current version, or the last good one while the current is refused. */
export interface ActiveConfig {
  readonly config: ModelConfig;
  readonly tls: TlsMaterial | undefined;
}

export type ConfigState =
  /** No config parameter: `data` goes as it is and the answer comes back verbatim. */
  | { kind: 'none' }
  | ({ kind: 'ok' } & ActiveConfig)
  /** Refused, with no good version to fall back on: the model answers 503 CONFIG_UNAVAILABLE. */
  | { kind: 'unusable'; hash: string };

export interface ModelEntry {
  readonly endpoint: ParsedEndpoint;
  readonly variants: ReadonlyMap<ModelName, ParsedEndpoint>;
  readonly config: ConfigState;
}

export type EnsembleState = { kind: 'ok'; config: EnsembleConfig } | { kind: 'unusable'; hash: string };

/** A config document this refresh refused: for the log, once per version and reason. */
export interface Rejection {
  readonly kind: 'model' | 'ensemble';
  readonly name: string;
  readonly hash: string;
  readonly reason: string;
  /** The hash of the version that keeps serving instead, if there is one. */
  readonly kept: string | undefined;
}

export interface ConfigSnapshot {
  /** Model name -> its endpoint, variants and config. */
  models: Map<ModelName, ModelEntry>;
  ensembles: Map<ModelName, EnsembleState>;
  rejections: Rejection[];
}

interface RawModel {
  endpoint?: string;
  config?: string;
  variants: Map<ModelName, string>;
}

/** Splits the parameters under the prefix by what they configure; names that fit nothing are ignored. */
function group(parameters: ReadonlyMap<string, string>, prefix: string) {
  const models = new Map<ModelName, RawModel>();
  const ensembles = new Map<ModelName, string>();
  const model = (name: ModelName): RawModel => {
    let raw = models.get(name);
    if (!raw) models.set(name, (raw = { variants: new Map() }));
    return raw;
  };
  const head = `${prefix}/`;
  for (const [name, value] of parameters) {
    if (!name.startsWith(head)) continue;
    const parts = name.slice(head.length).split('/');
    const [kind, rawId = '', leaf, rawVariant = '', variantLeaf, ...rest] = parts;
    const id = modelName(rawId);
    if (id === undefined) continue;
    if (kind === 'ensembles' && parts.length === 2) ensembles.set(id, value);
    if (kind !== 'models') continue;
    const variant = modelName(rawVariant);
    if (parts.length === 3 && leaf === 'endpoint') model(id).endpoint = value;
    else if (parts.length === 3 && leaf === 'config') model(id).config = value;
    else if (leaf === 'variants' && variantLeaf === 'endpoint' && rest.length === 0 && variant !== undefined) model(id).variants.set(variant, value);
  }
  return { models, ensembles };
}

/** The last version of a model's config that was good, from the previous snapshot. */
function lastGood(previous: ConfigSnapshot | undefined, name: ModelName): ActiveConfig | undefined {
  const state = previous?.models.get(name)?.config;
  return state?.kind === 'ok' ? state : undefined;
}

function modelConfigState(
  name: ModelName,
  text: string | undefined,
  parameters: ReadonlyMap<string, string>,
  prefix: string,
  previous: ConfigSnapshot | undefined,
  rejections: Rejection[],
): ConfigState {
  if (text === undefined) return { kind: 'none' };
  const good = lastGood(previous, name);
  const hash = configHash(text);
  const parsed = good?.config.hash === hash ? ({ ok: true, config: good.config } as const) : parseModelConfig(text);
  let reason: string;
  if (parsed.ok) {
    const tlsNames = parsed.config.tls;
    if (tlsNames === undefined) return { kind: 'ok', config: parsed.config, tls: undefined };
    const tls = resolveTls(tlsNames, parameters, prefix, good?.tls);
    if (tls.ok) return { kind: 'ok', config: parsed.config, tls: tls.material };
    reason = tls.reason;
  } else {
    reason = parsed.reason;
  }
  rejections.push({ kind: 'model', name, hash, reason, kept: good?.config.hash });
  return good ? { kind: 'ok', ...good } : { kind: 'unusable', hash };
}

function ensembleState(name: ModelName, text: string, previous: ConfigSnapshot | undefined, rejections: Rejection[]): EnsembleState {
  const before = previous?.ensembles.get(name);
  const good = before?.kind === 'ok' ? before.config : undefined;
  const hash = configHash(text);
  if (good?.hash === hash) return { kind: 'ok', config: good };
  const parsed = parseEnsembleConfig(text);
  if (parsed.ok) return { kind: 'ok', config: parsed.config };
  rejections.push({ kind: 'ensemble', name, hash, reason: parsed.reason, kept: good?.hash });
  return good ? { kind: 'ok', config: good } : { kind: 'unusable', hash };
}

/**
 * `previous` is the snapshot this one replaces: a config refused now falls back on its last
 * good version there (docs/contract.md: "the model's last good config keeps serving").
 */
export function buildSnapshot(
  parameters: ReadonlyMap<string, string>,
  prefix: string,
  allowlist: Allowlist,
  previous?: ConfigSnapshot,
): ConfigSnapshot {
  const grouped = group(parameters, prefix);
  const rejections: Rejection[] = [];
  const models = new Map<ModelName, ModelEntry>();
  for (const [name, raw] of grouped.models) {
    // A config or a variant without the model's own endpoint configures nothing.
    if (raw.endpoint === undefined) continue;
    models.set(name, {
      endpoint: parseEndpoint(raw.endpoint, allowlist),
      variants: new Map([...raw.variants].map(([variant, url]) => [variant, parseEndpoint(url, allowlist)])),
      config: modelConfigState(name, raw.config, parameters, prefix, previous, rejections),
    });
  }
  const ensembles = new Map<ModelName, EnsembleState>();
  for (const [name, text] of grouped.ensembles) ensembles.set(name, ensembleState(name, text, previous, rejections));
  return { models, ensembles, rejections };
}

/** Rejections that `previous` did not already report, so that each is logged once per container. */
export function newRejections(snapshot: ConfigSnapshot, previous: ConfigSnapshot | undefined): Rejection[] {
  const key = (r: Rejection): string => `${r.kind}\u0000${r.name}\u0000${r.hash}\u0000${r.reason}`;
  const seen = new Set((previous?.rejections ?? []).map(key));
  return snapshot.rejections.filter((r) => !seen.has(key(r)));
}

const usable = (entry: ModelEntry): boolean => entry.endpoint.ok && entry.config.kind !== 'unusable';

/** The models B may call: those whose endpoint and config are usable, sorted. */
export function callableModels(snapshot: ConfigSnapshot): ModelName[] {
  return [...snapshot.models].filter(([, entry]) => usable(entry)).map(([name]) => name).sort();
}

/** Each callable model's usable variants that B may name (a shadow's is not one), for models that have any. */
export function callableVariants(snapshot: ConfigSnapshot): Record<string, string[]> {
  const listed: Record<string, string[]> = {};
  for (const name of callableModels(snapshot)) {
    const entry = snapshot.models.get(name) as ModelEntry;
    const shadow = entry.config.kind === 'ok' ? entry.config.config.shadow?.variant : undefined;
    const variants = [...entry.variants].filter(([variant, endpoint]) => endpoint.ok && variant !== shadow).map(([variant]) => variant).sort();
    if (variants.length > 0) listed[name] = variants;
  }
  return listed;
}

/** The ensembles B may call: those whose config is usable, sorted. */
export function callableEnsembles(snapshot: ConfigSnapshot): string[] {
  return [...snapshot.ensembles].filter(([, state]) => state.kind === 'ok').map(([name]) => name).sort();
}
