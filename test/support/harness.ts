// The adapter as it runs in Lambda: lambda/handler.ts imported with its environment pointing
// at a loopback SSM endpoint, so the real SDK, cache and undici agent are exercised.
import { startSsmServer, type SsmServer, type SsmServerOptions } from '../../local/ssm-server.ts';
import type { Context } from 'aws-lambda';
import type { HttpResult } from '../../lambda/contract/response.ts';
import { readSettings, type Settings } from '../../lambda/settings.ts';
import { lambdaContext } from './events.ts';

export const PREFIX = '/contract-adapter/test';
export const endpointParameter = (model: string): string => `${PREFIX}/models/${model}/endpoint`;

export interface Harness {
  ssm: SsmServer;
  parameters: Record<string, string>;
  invoke(event: unknown, context?: Context): Promise<HttpResult>;
  close(): Promise<void>;
}

let instance = 0;

export interface HarnessOptions {
  /** The loopback SSM endpoint's latency, throttling and hooks. */
  ssm?: Omit<SsmServerOptions, 'parameters'>;
  /** Settings no environment variable sets (the SSM budget), over those read from the environment. */
  settings?: Partial<Settings>;
}

/**
 * `parameters` may be changed in place between calls (the SSM endpoint reads it every time).
 * `env` adds to or overrides the adapter's environment for this instance of the handler.
 */
export async function startHarness(parameters: Record<string, string>, env: Record<string, string> = {}, options: HarnessOptions = {}): Promise<Harness> {
  const ssm = await startSsmServer({ ...options.ssm, parameters: () => parameters });
  const environment = {
    PARAMETER_PREFIX: PREFIX,
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_SSM: ssm.url,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    PARAMETER_CACHE_TTL_SECONDS: '30',
    ...env,
  };
  Object.assign(process.env, environment);
  // A fresh module instance per harness: the handler reads its settings once, at import.
  const module = (await import(`../../lambda/handler.ts?instance=${++instance}`)) as {
    handler: (event: unknown, context: Context) => Promise<HttpResult>;
    build: (settings: Settings) => (event: unknown, context: Context) => Promise<HttpResult>;
  };
  const handler = options.settings ? module.build({ ...readSettings(process.env), ...options.settings }) : module.handler;
  return {
    ssm,
    parameters,
    // The SDK reads AWS_ENDPOINT_URL_SSM at its first call, so each harness puts its own
    // environment back before invoking; harnesses in one file must not invoke concurrently.
    invoke: (event, context = lambdaContext()) => {
      Object.assign(process.env, environment);
      return handler(event, context);
    },
    close: () => ssm.close(),
  };
}

export interface ErrorBody {
  userTag: string | null;
  error: { code: string; message: string; requestId: string; retryable: boolean; upstreamStatus?: number };
}

export const parseBody = <T = ErrorBody>(result: HttpResult): T => JSON.parse(result.body) as T;
