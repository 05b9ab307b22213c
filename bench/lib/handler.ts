// The exported Lambda handler, imported the way Lambda does it: settings come from the
// environment at import, so the environment is set first. Each call gets a fresh module
// instance (and so a cold configuration cache, its own SSM client and keep-alive agent).
import type { Context } from 'aws-lambda';
import type { HttpResult } from '../../lambda/contract/response.ts';
import type { GatewayEvent } from '../../lambda/http/event.ts';
import { lambdaContext } from '../../test/support/events.ts';

export type Handler = (event: GatewayEvent, context: Context) => Promise<HttpResult>;

let instance = 0;

export async function importHandler(env: Record<string, string>): Promise<Handler> {
  Object.assign(process.env, env);
  const module = (await import(`../../lambda/handler.ts?bench=${++instance}`)) as { handler: Handler };
  return module.handler;
}

/** What the Lambda runtime passes: a fresh context per invocation, with time to spare. */
export const invocationContext = (): Context => lambdaContext(29_000);
