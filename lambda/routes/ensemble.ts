// POST /v1/ensembles/{ensemble}/predict (docs/contract.md, "Ensembles"): B's envelope to every
// member in parallel, each through its own config, under one deadline. At the deadline the
// unfinished members are aborted; once the policy can no longer be met the rest are too.
// An unknown ensemble answers 404 UNKNOWN_MODEL, the contract's code for a name it cannot
// serve (it has no UNKNOWN_ENSEMBLE).
import type { Envelope } from '../contract/envelope.ts';
import { AdapterError, memberError } from '../contract/errors.ts';
import type { ModelName } from '../contract/model-name.ts';
import { jsonResult } from '../contract/response.ts';
import type { HttpRequest } from '../http/event.ts';
import { deadlineIn, earlier } from '../models/deadline.ts';
import { invokeModel, type ModelDeps } from '../models/invoke-model.ts';
import { planModelCall } from '../models/model-plan.ts';
import { errorFields, type LogFields } from '../observability/log.ts';
import type { RequestFacts } from '../observability/request-summary.ts';
import { answered, currentSnapshot, failed, type CallContext, type RouteAnswer } from './shared.ts';

export interface EnsembleRequest {
  http: HttpRequest;
  ensemble: ModelName;
  envelope: Envelope;
}

/**
 * A member's result, or its error; `abandoned` when it was aborted because the policy could no
 * longer be met (its timeout is the ensemble's doing, not the member's).
 */
type MemberOutcome = { ok: true; result: string } | { ok: false; error: AdapterError; abandoned: boolean };

/** A member's refusal of B's input: the model's 422, or B's data not fitting its schema or mapping. */
const refusedInput = (error: AdapterError): boolean => error.code === 'MODEL_REJECTED_INPUT' || error.code === 'INVALID_REQUEST';

/**
 * The ensemble's error when its policy is not met (docs/contract.md, "Ensembles"): 422 when
 * every member that failed on its own refused B's input (retrying cannot help), 504 when every
 * member timed out, else 502, retryable when some member's failure is.
 */
function policyFailure(names: readonly string[], outcomes: readonly MemberOutcome[]): AdapterError {
  const failures = outcomes.flatMap((o, i) => (o.ok ? [] : [{ name: names[i] as string, ...o }]));
  const own = failures.filter((f) => !f.abandoned);
  const memberErrors = Object.fromEntries(own.map((f) => [f.name, memberError(f.error)]));
  if (own.length > 0 && own.every((f) => refusedInput(f.error))) return new AdapterError('MODEL_REJECTED_INPUT', { memberErrors });
  if (outcomes.every((o) => !o.ok && o.error.code === 'UPSTREAM_TIMEOUT')) return new AdapterError('UPSTREAM_TIMEOUT', { memberErrors });
  return new AdapterError('UPSTREAM_ERROR', { memberErrors, retryable: own.some((f) => f.error.retryable) });
}

export async function predictEnsemble(deps: ModelDeps, request: EnsembleRequest, call: CallContext): Promise<RouteAnswer> {
  let facts: RequestFacts = {};
  try {
    if (call.timeLeft() <= 0) return failed(new AdapterError('UPSTREAM_TIMEOUT'), facts);
    const { snapshot, cache } = await currentSnapshot(deps, call);
    facts = { cache };
    const state = snapshot.ensembles.get(request.ensemble);
    if (!state) return failed(new AdapterError('UNKNOWN_MODEL'), facts);
    facts = { ...facts, ensemble: request.ensemble, configHash: state.kind === 'ok' ? state.config.hash : state.hash };
    if (state.kind === 'unusable') return failed(new AdapterError('CONFIG_UNAVAILABLE'), facts);
    const { config } = state;

    const deadlineMs = Math.min(config.deadlineMs, call.timeLeft());
    if (deadlineMs <= 0) return failed(new AdapterError('UPSTREAM_TIMEOUT'), facts);
    const deadline = deadlineIn(deadlineMs);
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(new DOMException('ensemble deadline', 'TimeoutError')), deadlineMs);
    const signal = call.signal ? AbortSignal.any([stop.signal, call.signal]) : stop.signal;
    const fields: LogFields = { correlation_id: request.http.requestId, ensemble: request.ensemble, ensembleHash: config.hash };
    let failures = 0;
    let policyMissed = false;

    const member = async (model: ModelName): Promise<MemberOutcome> => {
      const memberFields: LogFields = { ...fields, model };
      const fail = (error: AdapterError): MemberOutcome => {
        deps.logger.warn('ensemble member failed', {
          ...memberFields,
          outcome: error.code,
          upstreamStatus: error.upstreamStatus,
          timeoutPhase: error.timeoutPhase,
          ...(error.cause === undefined ? {} : errorFields(error.cause)),
        });
        // Aborted once the policy could not be met: a timeout of the ensemble's making.
        const abandoned = policyMissed && error.code === 'UPSTREAM_TIMEOUT';
        // Once too few members can still succeed, waiting for the others only costs time.
        if (++failures > config.members.length - config.policy.needed && !policyMissed) {
          policyMissed = true;
          stop.abort(new DOMException('policy cannot be met', 'AbortError'));
        }
        return { ok: false, error, abandoned };
      };
      const plannedAt = performance.now();
      const planned = planModelCall(snapshot, model, { http: request.http, envelope: request.envelope, variant: undefined });
      if (!planned.ok) return fail(planned.error);
      const own = deadlineIn(planned.plan.config?.timeoutMs ?? deps.settings.upstreamTimeoutMs, plannedAt);
      const outcome = await invokeModel(deps, planned.plan, { deadline: earlier(own, deadline), signal });
      return outcome.ok ? { ok: true, result: outcome.value } : fail(outcome.error);
    };

    let outcomes: MemberOutcome[];
    try {
      outcomes = await Promise.all(config.members.map(member));
    } finally {
      clearTimeout(timer);
    }

    const succeeded = outcomes.filter((o) => o.ok).length;
    if (succeeded < config.policy.needed) return failed(policyFailure(config.members, outcomes), facts);
    const results: string[] = [];
    const errors: string[] = [];
    config.members.forEach((name, i) => {
      const outcome = outcomes[i] as MemberOutcome;
      if (outcome.ok) results.push(`${JSON.stringify(name)}:${outcome.result}`);
      else errors.push(`${JSON.stringify(name)}:${JSON.stringify(memberError(outcome.error))}`);
    });
    return answered(
      jsonResult(
        200,
        `{"userTag":${JSON.stringify(request.envelope.userTag)},"result":{${results.join(',')}},"partial":${errors.length > 0},"errors":{${errors.join(',')}}}`,
      ),
      facts,
    );
  } catch (error) {
    return failed(error, facts);
  }
}
