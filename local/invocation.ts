// Each invocation in its own InvokeStore context, as the Lambda Node.js runtime runs it. The
// runtime (its Runtime Interface Client) wraps every invocation in
// `InvokeStore.run({ request id, X-Ray trace id }, handler)`; Powertools (Logger, Tracer) and the
// AWS SDK read what is per invocation from there. With AWS_LAMBDA_MAX_CONCURRENCY set, as on
// Lambda Managed Instances, the store is an AsyncLocalStorage and invocations that interleave
// in one thread each see their own context; without it, the store holds one context at a time,
// which is right only while invocations never overlap (Lambda's default model).
import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';

/** Node.js's default on Lambda Managed Instances: 64 concurrent invocations per vCPU. */
export const DEFAULT_MAX_CONCURRENCY = '64';

const { REQUEST_ID, X_RAY_TRACE_ID } = InvokeStoreBase.PROTECTED_KEYS;

/** Runs `fn` as invocation `requestId` (its X-Ray trace header, when it has one). */
export type RunInvocation = <T>(invocation: { requestId: string; traceId?: string | undefined }, fn: () => T) => T;

export interface InvocationRunner {
  run: RunInvocation;
  /** Whether interleaved invocations keep their own contexts (the store is the AsyncLocalStorage kind). */
  concurrent: boolean;
}

/**
 * The process's InvokeStore (one per process, as in Lambda: the first caller of
 * getInstanceAsync decides its kind from AWS_LAMBDA_MAX_CONCURRENCY, and the AWS SDK calls it on
 * its first request), and a runner that enters a context per invocation.
 */
export async function invocationRunner(): Promise<InvocationRunner> {
  const store = await InvokeStore.getInstanceAsync();
  const run: RunInvocation = ({ requestId, traceId }, fn) =>
    store.run(traceId === undefined ? { [REQUEST_ID]: requestId } : { [REQUEST_ID]: requestId, [X_RAY_TRACE_ID]: traceId }, fn);
  // The single-context kind keeps the last context after run returns; AsyncLocalStorage leaves it.
  let concurrent = !store.hasContext();
  if (concurrent) {
    store.run({ [REQUEST_ID]: 'probe' }, () => undefined);
    concurrent = !store.hasContext();
  }
  return { run, concurrent };
}
