// One worker thread of a Lambda Managed Instances environment, shaped as the Node.js runtime
// runs it: the thread's environment (workerData.env, with AWS_LAMBDA_MAX_CONCURRENCY), its
// InvokeStore made before the handler's init, lambda/handler.ts imported once (the thread's
// own module instances: cache, SSM client, connections, telemetry), then many invocations at
// once, each posted by the main thread and run in its own InvokeStore context. Replies carry the
// answer and the most invocations this thread had in flight at once.
import { parentPort, threadId, workerData } from 'node:worker_threads';
import type { Context } from 'aws-lambda';
import type { HttpResult } from '../../lambda/contract/response.ts';
import type { Invocation } from './lmi-burst.ts';

const { env } = workerData as { env: Record<string, string> };
Object.assign(process.env, env);
const { runInvocation } = await import('./managed-instances.ts');
const { contextOf, eventOf } = await import('./lmi-burst.ts');
const { handler } = (await import('../../lambda/handler.ts')) as { handler: (event: unknown, context: Context) => Promise<HttpResult> };

let inFlight = 0;
let maxInFlight = 0;
const port = parentPort!;
// A message is a batch of invocations, started together: the runtime hands each to the handler
// as it arrives, and a batch makes them all arrive before any answers.
port.on('message', (invocations: Invocation[]) => {
  for (const invocation of invocations) start(invocation);
});

function start(invocation: Invocation): void {
  runInvocation({ requestId: invocation.awsRequestId }, async () => {
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    try {
      const result = await handler(eventOf(invocation), contextOf(invocation));
      port.postMessage({ i: invocation.i, result, threadId, maxInFlight });
    } catch (error) {
      port.postMessage({ i: invocation.i, error: String(error), threadId, maxInFlight });
    } finally {
      inFlight--;
    }
  });
}

port.postMessage({ ready: threadId });
