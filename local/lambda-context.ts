// A Lambda invocation context for local runs: what the Node.js runtime hands a handler,
// with a deadline that counts down from the budget given for this one invocation.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { LOCAL_ACCOUNT_ID } from './rest-event.ts';

/** API Gateway's integration timeout: no invocation behind it can usefully run longer. */
export const API_GATEWAY_BUDGET_MS = 29_000;

export interface LambdaContextOptions {
  functionName: string;
  /** How long this invocation may run, from now. */
  budgetMs?: number;
  region?: string;
  memoryLimitInMB?: number;
  /** Injected for tests. */
  now?: () => number;
}

/**
 * One execution environment per process, as in Lambda, where the log stream is named once per
 * environment; naming it per invocation cost a getrandom call (~10 us) on every request.
 */
const ENVIRONMENT_ID = randomBytes(16).toString('hex');

export function createLambdaContext(options: LambdaContextOptions): Context {
  const now = options.now ?? Date.now;
  const deadline = now() + (options.budgetMs ?? API_GATEWAY_BUDGET_MS);
  const region = options.region ?? 'us-east-1';
  const day = new Date(now()).toISOString().slice(0, 10).replaceAll('-', '/');
  // The deprecated callback-era methods exist so that nothing calling them crashes; an
  // async handler's answer is its promise, as in the real runtime.
  const ignored = (): void => {};
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: options.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${options.functionName}`,
    memoryLimitInMB: String(options.memoryLimitInMB ?? 1024),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${options.functionName}`,
    logStreamName: `${day}/[$LATEST]${ENVIRONMENT_ID}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - now()),
    done: ignored,
    fail: ignored,
    succeed: ignored,
  };
}
