// Which endpoint serves a request for a model (docs/contract.md, "Configuration"; docs/models.md,
// "Variants"): the variant B names in X-Model-Variant, else the canary's variant for the
// userTags in its share, else the model's own endpoint. Variant names are only ever looked up
// in what SSM holds; no URL is built from a request. A shadow's variant is never one B can
// name: its answers are compared, never returned.
import { createHash } from 'node:crypto';
import { AdapterError } from '../contract/errors.ts';
import type { ModelName } from '../contract/model-name.ts';
import type { Endpoint } from '../config/endpoint.ts';
import type { ModelConfig } from '../config/model-config.ts';
import type { ModelEntry } from '../config/snapshot.ts';

export interface Target {
  /** undefined for the model's own endpoint. */
  readonly variant: ModelName | undefined;
  readonly endpoint: Endpoint;
}

/**
 * A point in [0, 100) fixed by the model, the purpose and the userTag, so that the same userTag
 * always lands on the same side of a percentage, and a canary and a shadow split independently.
 */
export function stickyPoint(model: string, purpose: string, userTag: string): number {
  const digest = createHash('sha256').update(`${purpose}\u0000${model}\u0000${userTag}`).digest();
  return (digest.readUInt32BE(0) / 2 ** 32) * 100;
}

/** Whether B may name `variant` of this model: configured, and not the model's shadow. */
export const isCallableVariant = (entry: ModelEntry, config: ModelConfig | undefined, variant: ModelName): boolean =>
  entry.variants.has(variant) && config?.shadow?.variant !== variant;

/** A variant's endpoint: 404 UNKNOWN_MODEL when it is not one B may name, 503 when its endpoint is unusable. */
export function variantTarget(entry: ModelEntry, config: ModelConfig | undefined, variant: ModelName): Target {
  const configured = isCallableVariant(entry, config, variant) ? entry.variants.get(variant) : undefined;
  if (!configured) throw new AdapterError('UNKNOWN_MODEL');
  if (!configured.ok) throw new AdapterError('CONFIG_UNAVAILABLE');
  return { variant, endpoint: configured.endpoint };
}

export function chooseTarget(
  model: ModelName,
  entry: ModelEntry,
  config: ModelConfig | undefined,
  request: { userTag: string; variant: ModelName | undefined },
): Target {
  if (request.variant !== undefined) return variantTarget(entry, config, request.variant);
  const canary = config?.canary;
  if (canary && stickyPoint(model, 'canary', request.userTag) < canary.percent) {
    // A canary whose variant is not (or no longer) usable sends everyone to the main endpoint.
    const configured = entry.variants.get(canary.variant);
    if (configured?.ok) return { variant: canary.variant, endpoint: configured.endpoint };
  }
  if (!entry.endpoint.ok) throw new AdapterError('CONFIG_UNAVAILABLE');
  return { variant: undefined, endpoint: entry.endpoint.endpoint };
}
