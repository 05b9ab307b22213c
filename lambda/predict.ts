// The predict route: B's validated envelope to the model and back (contract.md, "What the
// model receives" and "Success").
import type { Dispatcher } from 'undici';
import type { Envelope } from './contract/envelope.ts';
import { AdapterError } from './contract/errors.ts';
import { successResult, type HttpResult } from './contract/response.ts';
import type { ConfigRegistry } from './config/registry.ts';
import type { ConfigSnapshot } from './config/snapshot.ts';
import type { HttpRequest } from './http/event.ts';
import { MODEL_NAME } from './http/routes.ts';
import { observeModelCall } from './observability/model-call.ts';
import type { RequestRecord } from './observability/request-summary.ts';
import type { Traced } from './observability/tracing.ts';
import type { Settings } from './settings.ts';
import { callModel, type ModelCall } from './upstream/call-model.ts';
import { modelRequestHeaders } from './upstream/headers.ts';

export interface PredictDeps {
  settings: Settings;
  registry: ConfigRegistry<ConfigSnapshot>;
  dispatcher: Dispatcher;
  /** A new connection for a retry (upstream/connections.ts). */
  newConnection?: ModelCall['newConnection'];
  traced: Traced;
}

export interface PredictInput {
  http: HttpRequest;
  model: string;
  envelope: Envelope;
  /** Milliseconds this invocation may still use (the Lambda's remaining time less a margin). */
  timeLeft: () => number;
  signal?: AbortSignal;
  /** What this request's log line reports: cache state, model, model latency (request-summary.ts). */
  record: RequestRecord;
}

export async function predict(deps: PredictDeps, input: PredictInput): Promise<HttpResult> {
  const { settings } = deps;
  if (!MODEL_NAME.test(input.model)) throw new AdapterError('UNKNOWN_MODEL');
  if (input.timeLeft() <= 0) throw new AdapterError('UPSTREAM_TIMEOUT');

  const { value: snapshot, cache } = await deps.registry.get(Math.min(settings.ssmBudgetMs, input.timeLeft()));
  input.record.cache = cache;
  const configured = snapshot.models.get(input.model);
  if (!configured) throw new AdapterError('UNKNOWN_MODEL');
  input.record.model = input.model;
  if (!configured.ok) throw new AdapterError('CONFIG_UNAVAILABLE');

  // Time spent waiting for SSM comes out of the model's share.
  const timeoutMs = Math.min(settings.upstreamTimeoutMs, input.timeLeft());
  if (timeoutMs <= 0) throw new AdapterError('UPSTREAM_TIMEOUT');

  const body = JSON.stringify(input.envelope.data);
  const modelJson = await observeModelCall(deps.traced, input.record, input.model, (onAttempt) =>
    callModel(deps.dispatcher, {
      endpoint: configured.endpoint,
      body,
      headers: modelRequestHeaders(input.http, Buffer.byteLength(body)),
      timeoutMs,
      maxResponseBytes: settings.maxResponseBytes,
      signal: input.signal,
      onAttempt,
      newConnection: deps.newConnection,
    }),
  );
  return successResult(input.envelope.userTag, modelJson);
}
