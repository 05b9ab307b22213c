// A shadow variant (docs/contract.md, "Model configuration", variants): a copy of the request goes
// to the variant at the same time as the main call, with the same deadline; its answer is
// never returned, only compared with the main one. The outcome is counted in a metric
// (ShadowComparisons, observability/metrics.ts) and logged with the model's fields, never with
// either body.
//
// Lambda freezes the process once the handler answers, so the shadow cannot outlive the
// request: when the main call succeeds the answer waits for the shadow (at most the same
// deadline); when the main call fails the shadow is aborted.
import { isDeepStrictEqual } from 'node:util';
import { AdapterError } from '../contract/errors.ts';
import { parseExact } from '../contract/json-text.ts';
import { errorFields } from '../observability/log.ts';
import type { Deadline } from './deadline.ts';
import { invokeModel, type ModelDeps } from './invoke-model.ts';
import { planFields, type ModelPlan } from './model-plan.ts';
import { stickyPoint } from './target.ts';

export type ShadowOutcome = 'agree' | 'disagree' | 'shadow-failed' | 'incomparable' | 'main-failed';

export interface Shadow {
  /** Waits for the shadow's answer and records how it compares with the main result. */
  compare(mainResult: string): Promise<void>;
  /** The main call failed: stops the shadow and records that. */
  abandon(): void;
}

export function startShadow(deps: ModelDeps, plan: ModelPlan, call: { deadline: Deadline; signal?: AbortSignal }): Shadow | undefined {
  const spec = plan.config?.shadow;
  if (!spec || plan.target.variant === spec.variant) return undefined;
  if (stickyPoint(plan.model, 'shadow', plan.input.userTag) >= spec.percent) return undefined;
  const configured = plan.entry.variants.get(spec.variant);
  if (!configured?.ok) return undefined;

  const stop = new AbortController();
  const started = performance.now();
  const shadowPlan: ModelPlan = { ...plan, target: { variant: spec.variant, endpoint: configured.endpoint } };
  const signal = call.signal ? AbortSignal.any([stop.signal, call.signal]) : stop.signal;
  const settled = invokeModel(deps, shadowPlan, { deadline: call.deadline, signal });

  const record = (outcome: ShadowOutcome, error?: unknown): void => {
    deps.metrics.shadowComparison(plan.model, outcome);
    deps.logger.info('shadow compared', {
      ...planFields(plan),
      shadowVariant: spec.variant,
      outcome,
      shadowCode: error instanceof AdapterError ? error.code : undefined,
      ...(error !== undefined && !(error instanceof AdapterError) ? errorFields(error) : {}),
      ms: Math.round(performance.now() - started),
    });
  };

  return {
    async compare(mainResult) {
      const shadow = await settled;
      if (!shadow.ok) return record('shadow-failed', shadow.error);
      try {
        const pick = (text: string): unknown => {
          const value = parseExact(text);
          return spec.compare ? spec.compare.evaluate(value) : value;
        };
        record(isDeepStrictEqual(pick(mainResult), pick(shadow.value)) ? 'agree' : 'disagree');
      } catch (error) {
        record('incomparable', error);
      }
    },
    abandon() {
      stop.abort();
      record('main-failed');
    },
  };
}
