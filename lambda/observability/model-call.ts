// The model call as the request line and the trace see it: its duration (a retry included),
// the number of attempts, and a subsegment annotated with the model and the outcome.
import { AdapterError } from '../contract/errors.ts';
import type { RequestRecord } from './request-summary.ts';
import type { Traced } from './tracing.ts';

export async function observeModelCall<T>(
  traced: Traced,
  record: RequestRecord,
  model: string,
  call: (onAttempt: () => void) => Promise<T>,
): Promise<T> {
  const started = performance.now();
  record.modelAttempts = 0;
  const onAttempt = (): void => {
    record.modelAttempts = (record.modelAttempts ?? 0) + 1;
  };
  try {
    return await traced('### model call', async (annotate) => {
      annotate('model', model);
      try {
        const answer = await call(onAttempt);
        annotate('outcome', 'OK');
        return answer;
      } catch (error) {
        annotate('outcome', error instanceof AdapterError ? error.code : 'INTERNAL');
        throw error;
      }
    });
  } finally {
    record.modelMs = performance.now() - started;
  }
}
