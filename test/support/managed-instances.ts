// The environment of a Lambda Managed Instances worker thread, for tests that interleave many
// invocations in one thread: AWS_LAMBDA_MAX_CONCURRENCY and LMI's initialization type set, and
// the process's InvokeStore made before anything else (the Lambda runtime makes it before the
// handler's init; its kind, AsyncLocalStorage or not, is decided once, by the first caller).
// Import this module first: importing it is what sets the environment up.
import { invocationRunner } from '../../local/invocation.ts';

process.env.AWS_LAMBDA_MAX_CONCURRENCY = process.env.AWS_LAMBDA_MAX_CONCURRENCY || '64';
process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'lambda-managed-instances';

const runner = await invocationRunner();
if (!runner.concurrent) throw new Error('the InvokeStore was made before AWS_LAMBDA_MAX_CONCURRENCY was set');

/** Runs `fn` as the runtime runs an invocation: in its own InvokeStore context. */
export const runInvocation = runner.run;
