// Everything about one model call that is decided before the network: the model's entry and
// config in this snapshot, the endpoint, and the body and headers. Shared by predict, explain
// and each ensemble member, so that they can never disagree about what a model receives.
import type { Envelope } from '../contract/envelope.ts';
import { AdapterError } from '../contract/errors.ts';
import type { ModelConfig } from '../config/model-config.ts';
import type { ConfigSnapshot, ModelEntry } from '../config/snapshot.ts';
import type { TlsMaterial } from '../config/tls-material.ts';
import type { HttpRequest } from '../http/event.ts';
import { MODEL_NAME } from '../http/routes.ts';
import type { LogFields } from '../observability/log.ts';
import type { RequestRecord } from '../observability/request-summary.ts';
import { modelRequestHeaders } from '../upstream/headers.ts';
import { mappingInput, type MappingInput } from './mapping-input.ts';
import { modelBody } from './model-body.ts';
import { chooseTarget, type Target } from './target.ts';

export interface ModelPlan {
  readonly model: string;
  readonly entry: ModelEntry;
  readonly config: ModelConfig | undefined;
  readonly tls: TlsMaterial | undefined;
  readonly target: Target;
  readonly input: MappingInput;
  readonly body: string;
  readonly headers: Record<string, string>;
}

/** The model's entry and usable config, or the contract's error for a model B cannot call. */
export function resolveModel(snapshot: ConfigSnapshot, model: string): { entry: ModelEntry; config: ModelConfig | undefined; tls: TlsMaterial | undefined } {
  const entry = MODEL_NAME.test(model) ? snapshot.models.get(model) : undefined;
  if (!entry) throw new AdapterError('UNKNOWN_MODEL');
  if (entry.config.kind === 'unusable') throw new AdapterError('CONFIG_UNAVAILABLE');
  return entry.config.kind === 'ok' ? { entry, config: entry.config.config, tls: entry.config.tls } : { entry, config: undefined, tls: undefined };
}

/** What identifies a model call in log lines: never a body, a URL or a header value. */
export const planFields = (plan: Pick<ModelPlan, 'model' | 'config' | 'target'>): LogFields => ({
  model: plan.model,
  configHash: plan.config?.hash,
  variant: plan.target.variant,
});

/**
 * `record` (the request's, or an ensemble member's) gets the model, its config hash and the
 * variant as soon as each is known, so that a request that fails on the way (a variant that
 * does not exist, a mapping B's data does not fit) is still logged with them.
 */
export function planModelCall(
  snapshot: ConfigSnapshot,
  model: string,
  request: { http: HttpRequest; envelope: Envelope; variant: string | undefined },
  record: Pick<RequestRecord, 'model' | 'configHash' | 'variant'> = {},
): ModelPlan {
  const { entry, config, tls } = resolveModel(snapshot, model);
  record.model = model;
  record.configHash = config?.hash;
  const target = chooseTarget(model, entry, config, { userTag: request.envelope.userTag, variant: request.variant });
  record.variant = target.variant;
  const input = mappingInput(request.envelope, request.http);
  const body = modelBody(config, input);
  return { model, entry, config, tls, target, input, body, headers: modelRequestHeaders(input.headers, Buffer.byteLength(body)) };
}
