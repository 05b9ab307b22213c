// The model call as the request line and the trace see it: its duration (a retry included),
// the number of attempts, and a subsegment annotated with the model and the outcome. The call's
// outcome comes back as a value with its timings, whether it succeeded or not.
import { toAdapterError, type AdapterError } from '../contract/errors.ts';
import type { Traced } from './tracing.ts';

export interface CallTimings {
  readonly ms: number;
  readonly attempts: number;
}

export type CallOutcome<T> = ({ ok: true; value: T } | { ok: false; error: AdapterError }) & CallTimings;

export async function observeModelCall<T>(traced: Traced, model: string, call: (onAttempt: () => void) => Promise<T>): Promise<CallOutcome<T>> {
  const started = performance.now();
  let attempts = 0;
  const onAttempt = (): void => {
    attempts++;
  };
  try {
    const value = await traced('### model call', async (annotate) => {
      annotate('model', model);
      try {
        const answer = await call(onAttempt);
        annotate('outcome', 'OK');
        return answer;
      } catch (error) {
        annotate('outcome', toAdapterError(error).code);
        throw error;
      }
    });
    return { ok: true, value, ms: performance.now() - started, attempts };
  } catch (error) {
    return { ok: false, error: toAdapterError(error), ms: performance.now() - started, attempts };
  }
}
