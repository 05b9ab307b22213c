// POST /v1/ensembles/{ensemble}/predict (contract.md, "Ensembles"): B's envelope to every
// member in parallel, each through its own config, under one deadline. At the deadline the
// unfinished members are aborted; once the policy can no longer be met the rest are too.
// An unknown ensemble answers 404 UNKNOWN_MODEL, the contract's code for a name it cannot
// serve (it has no UNKNOWN_ENSEMBLE).
import { AdapterError, ERRORS, type ErrorCode } from '../contract/errors.ts';
import { jsonResult, type HttpResult } from '../contract/response.ts';
import { MODEL_NAME } from '../http/routes.ts';
import { toAdapterError } from '../middleware/contract-errors.ts';
import { invokeModel } from '../models/invoke-model.ts';
import { planModelCall } from '../models/model-plan.ts';
import { errorFields, type LogFields } from '../observability/log.ts';
import { currentSnapshot, type PredictDeps, type PredictInput } from '../predict.ts';

export interface EnsembleInput extends Omit<PredictInput, 'model'> {
  ensemble: string;
}

type MemberOutcome = { ok: true; result: string } | { ok: false; code: ErrorCode };

export async function predictEnsemble(deps: PredictDeps, input: EnsembleInput): Promise<HttpResult> {
  const { settings } = deps;
  if (!MODEL_NAME.test(input.ensemble)) throw new AdapterError('UNKNOWN_MODEL');
  if (input.timeLeft() <= 0) throw new AdapterError('UPSTREAM_TIMEOUT');
  const snapshot = await currentSnapshot(deps, input);
  const state = snapshot.ensembles.get(input.ensemble);
  if (!state) throw new AdapterError('UNKNOWN_MODEL');
  input.record.ensemble = input.ensemble;
  input.record.configHash = state.kind === 'ok' ? state.config.hash : state.hash;
  const fields: LogFields = { correlation_id: input.http.requestId, ensemble: input.ensemble, ensembleHash: input.record.configHash };
  if (state.kind === 'unusable') throw new AdapterError('CONFIG_UNAVAILABLE');
  const { config } = state;

  const deadlineMs = Math.min(config.deadlineMs, input.timeLeft());
  if (deadlineMs <= 0) throw new AdapterError('UPSTREAM_TIMEOUT');
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(new DOMException('ensemble deadline', 'TimeoutError')), deadlineMs);
  const signal = input.signal ? AbortSignal.any([stop.signal, input.signal]) : stop.signal;
  let failures = 0;

  const member = async (model: string): Promise<MemberOutcome> => {
    const memberFields: LogFields = { ...fields, model };
    try {
      const plan = planModelCall(snapshot, model, { http: input.http, envelope: input.envelope, variant: undefined }, memberFields);
      const timeoutMs = Math.min(plan.config?.timeoutMs ?? settings.upstreamTimeoutMs, deadlineMs);
      return { ok: true, result: await invokeModel(deps, plan, { timeoutMs, signal }) };
    } catch (error) {
      const failure = toAdapterError(error);
      deps.logger.warn('ensemble member failed', { ...memberFields, outcome: failure.code, upstreamStatus: failure.upstreamStatus, ...(failure.cause === undefined ? {} : errorFields(failure.cause)) });
      // Once too few members can still succeed, waiting for the others only costs time.
      if (++failures > config.members.length - config.policy.needed) stop.abort(new DOMException('policy cannot be met', 'AbortError'));
      return { ok: false, code: failure.code };
    }
  };

  let outcomes: MemberOutcome[];
  try {
    outcomes = await Promise.all(config.members.map(member));
  } finally {
    clearTimeout(timer);
  }

  const succeeded = outcomes.filter((o) => o.ok).length;
  if (succeeded < config.policy.needed) {
    const everyTimedOut = outcomes.every((o) => !o.ok && o.code === 'UPSTREAM_TIMEOUT');
    throw new AdapterError(everyTimedOut ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_ERROR');
  }
  const results: string[] = [];
  const errors: string[] = [];
  config.members.forEach((name, i) => {
    const outcome = outcomes[i] as MemberOutcome;
    if (outcome.ok) results.push(`${JSON.stringify(name)}:${outcome.result}`);
    else errors.push(`${JSON.stringify(name)}:${JSON.stringify({ code: outcome.code, message: ERRORS[outcome.code].message })}`);
  });
  return jsonResult(
    200,
    `{"userTag":${JSON.stringify(input.envelope.userTag)},"result":{${results.join(',')}},"partial":${errors.length > 0},"errors":{${errors.join(',')}}}`,
  );
}
