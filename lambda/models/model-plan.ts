// Everything about one model call that is decided before the network: the model's entry and
// config in this snapshot, the endpoint, and the body and headers. Shared by predict, explain
// and each ensemble member, so that they can never disagree about what a model receives.
import type { Envelope } from '../contract/envelope.ts';
import { AdapterError, toAdapterError } from '../contract/errors.ts';
import type { ModelName } from '../contract/model-name.ts';
import type { ModelConfig } from '../config/model-config.ts';
import type { ConfigSnapshot, ModelEntry } from '../config/snapshot.ts';
import type { TlsMaterial } from '../config/tls-material.ts';
import type { HttpRequest } from '../http/event.ts';
import type { LogFields } from '../observability/log.ts';
import { modelRequestHeaders } from '../upstream/headers.ts';
import { mappingInput, type MappingInput } from './mapping-input.ts';
import { modelBody } from './model-body.ts';
import { chooseTarget, type Target } from './target.ts';

export interface ModelPlan {
  readonly model: ModelName;
  readonly entry: ModelEntry;
  readonly config: ModelConfig | undefined;
  readonly tls: TlsMaterial | undefined;
  readonly target: Target;
  readonly input: MappingInput;
  readonly body: string;
  readonly headers: Record<string, string>;
}

/** What identifies a model call, as far as planning got: the request line reports it even when planning failed. */
export interface PlanFacts {
  readonly model?: ModelName;
  readonly configHash?: string;
  readonly variant?: ModelName;
}

export type Planned = { ok: true; plan: ModelPlan } | { ok: false; error: AdapterError; facts: PlanFacts };

export interface PlanRequest {
  http: HttpRequest;
  envelope: Envelope;
  /** The variant B named in X-Model-Variant; none for an ensemble member. */
  variant: ModelName | undefined;
}

/**
 * The plan for `model`, or the contract error for a model B cannot call (404 for an unknown
 * model or variant, 503 for an unusable config or endpoint, 400 for data its data schema or
 * request mapping does not fit), with what was known before it failed.
 */
export function planModelCall(snapshot: ConfigSnapshot, model: ModelName, request: PlanRequest): Planned {
  const entry = snapshot.models.get(model);
  if (!entry) return { ok: false, error: new AdapterError('UNKNOWN_MODEL'), facts: {} };
  if (entry.config.kind === 'unusable') return { ok: false, error: new AdapterError('CONFIG_UNAVAILABLE'), facts: { model } };
  const config = entry.config.kind === 'ok' ? entry.config.config : undefined;
  const tls = entry.config.kind === 'ok' ? entry.config.tls : undefined;
  let facts: PlanFacts = { model, configHash: config?.hash };
  try {
    const target = chooseTarget(model, entry, config, { userTag: request.envelope.userTag, variant: request.variant });
    facts = { ...facts, variant: target.variant };
    const input = mappingInput(request.envelope, request.http);
    // B's data against the model's declared schema first: its 400 names the path that breaks it.
    config?.dataSchema?.check(input.data);
    const body = modelBody(config, input);
    return { ok: true, plan: { model, entry, config, tls, target, input, body, headers: modelRequestHeaders(input.headers, Buffer.byteLength(body)) } };
  } catch (error) {
    return { ok: false, error: toAdapterError(error), facts };
  }
}

/** The facts a plan gives the request line. */
export const planFacts = (plan: ModelPlan): PlanFacts => ({ model: plan.model, configHash: plan.config?.hash, variant: plan.target.variant });

/** What identifies a model call in log lines: never a body, a URL or a header value. */
export const planFields = (plan: Pick<ModelPlan, 'model' | 'config' | 'target'>): LogFields => ({
  model: plan.model,
  configHash: plan.config?.hash,
  variant: plan.target.variant,
});
