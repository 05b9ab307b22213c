// `npm start`: the adapter's real handler behind a loopback API Gateway, fed by a loopback
// SSM endpoint that serves local/parameters.json, with five demo prediction services for it
// to call. Only the edges are local: the handler, Middy, the SSM SDK and undici are the
// ones that run in Lambda.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTokenAuthorizer, type AuthorizerSettings } from '../lambda/authorizer/authorizer.ts';
import { CONSUMER_NAME_PATTERN } from '../lambda/observability/consumer.ts';
import { startApiServer, type ApiServer, type RestApiHandler, type TokenAuthorizerHandler } from './api-server.ts';
import { DEFAULT_MAX_CONCURRENCY, invocationRunner } from './invocation.ts';
import { DEMO_ADDRESSES, demoUrl, type DemoKey } from './demo-addresses.ts';
import { DEFAULT_DEMO_PORTS, DEMO_EXAMPLES, DEMO_STARTERS, startDemoModels, type DemoModels, type DemoPorts, type DemoService } from './demo-models.ts';
import { defaultDemoParameters } from './demo-parameters.ts';
import { DEFAULT_PARAMETER_PREFIX, parametersFileSource, readParametersFile, writeParametersFile } from './parameters-file.ts';
import { startSsmServer, type SsmServer } from './ssm-server.ts';

export const DEFAULT_API_PORT = 3000;
/** Short, so that an edit to the parameters file shows within seconds. */
export const DEFAULT_LOCAL_CACHE_TTL_SECONDS = 2;
export const DEFAULT_PARAMETERS_FILE = fileURLToPath(new URL('./parameters.json', import.meta.url));
const HANDLER_MODULE = new URL('../lambda/handler.ts', import.meta.url).href;

export interface LocalOptions {
  /**
   * API port; PORT, else 3000. 0 picks a free one. Only the default gives way to a free port
   * when it is taken: a port asked for (here or in PORT) that is taken is an error.
   */
  port?: number;
  /**
   * Demo service ports; DEMO_IRIS_PORT, DEMO_CHURN_PORT, DEMO_IRIS_KSERVE_PORT, DEMO_FRAUD_PORT
   * and DEMO_CHURN_V2_PORT, else 9101 to 9105, as for `port`. Wherever a demo runs, the SSM
   * endpoint serves its address in place of its default one.
   */
  demoPorts?: Partial<DemoPorts>;
  /** PARAMETERS_FILE, else local/parameters.json. Created with the demo parameters if missing. */
  parametersFile?: string;
  /** PARAMETER_PREFIX, else /contract-adapter/local. */
  parameterPrefix?: string;
  /** PARAMETER_CACHE_TTL_SECONDS, else 2. */
  cacheTtlSeconds?: number;
  /**
   * LOCAL_SSM_ENDPOINT: an external SSM endpoint instead of the loopback one over the
   * parameters file, `aws` for the region's real one; credentials and region then come from
   * the usual AWS environment, so a team's real parameters drive the handler.
   */
  ssmEndpoint?: string;
  /**
   * The JWT authorizer in front of every route, as the stack's auth=jwt puts it: JWT_ISSUER and
   * JWT_AUDIENCE (comma-separated), with JWT_SCOPES and JWT_JWKS_URI ({issuer}/.well-known/jwks.json
   * by default), else none. `jwksCa` trusts a test CA for the JWKS endpoint.
   */
  auth?: AuthorizerSettings & { jwksCa?: string };
  /**
   * Consumer name -> API key value, as the stack's consumers give each its key: LOCAL_CONSUMERS
   * (a JSON object), else none. Given, every request needs one of the keys, and the handler
   * names its consumer in the request line (the key's id is `local-{name}`).
   */
  consumers?: Record<string, string>;
  /** Where unset options are read from; process.env by default. */
  env?: Record<string, string | undefined>;
  /** Request lines and notices. Silent by default. */
  log?: (line: string) => void;
}

export interface LocalSettings {
  port: number;
  demoPorts: DemoPorts;
  /** The port variables left unset: each one's default port gives way to a free one when taken. */
  flexiblePorts: string[];
  parametersFile: string;
  parameterPrefix: string;
  cacheTtlSeconds: number;
  /** LOCAL_SSM_ENDPOINT: undefined for the loopback SSM endpoint over the parameters file. */
  ssmEndpoint: string | undefined;
}

/** LOCAL_SSM_ENDPOINT's value: `aws` or an http(s) URL; undefined when unset. */
function ssmEndpointFrom(value: string | undefined): string | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (text === 'aws' || (URL.canParse(text) && /^https?:$/.test(new URL(text).protocol))) return text;
  throw new Error(`LOCAL_SSM_ENDPOINT must be an http(s) URL or "aws", got ${JSON.stringify(value)}`);
}

/** The AWS variables the SDK reads for credentials and region, passed on to an external SSM endpoint's client. */
const AWS_ENVIRONMENT = ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_ENDPOINT_URL_SSM'] as const;

const portFrom = (value: string | undefined, name: string): number | undefined => {
  if (value === undefined || value === '') return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${name} must be a port number, got ${JSON.stringify(value)}`);
  return port;
};

/** A port asked for (PORT or a DEMO_*_PORT, or the option) that something else holds. */
export class PortInUseError extends Error {
  override name = 'PortInUseError';
  readonly variable: string;
  readonly port: number;
  constructor(variable: string, port: number, options?: ErrorOptions) {
    super(`port ${port} is in use (${variable}=${port}); set ${variable} to another port, or to 0 for a free one`, options);
    this.variable = variable;
    this.port = port;
  }
}

/**
 * Starts a server on `port`. When that port is taken: a flexible one (a default) gives way to a
 * free port, and the caller sees the port it got; one asked for is a PortInUseError.
 */
export async function listenOn<T>(variable: string, port: number, flexible: boolean, start: (port: number) => Promise<T>): Promise<T> {
  try {
    return await start(port);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0) throw error;
    if (!flexible) throw new PortInUseError(variable, port, { cause: error });
    return start(0);
  }
}

/** The environment variable that moves each demo service. */
export const DEMO_PORT_VARIABLES: Readonly<Record<keyof DemoPorts, string>> = {
  iris: 'DEMO_IRIS_PORT',
  churn: 'DEMO_CHURN_PORT',
  irisKserve: 'DEMO_IRIS_KSERVE_PORT',
  fraud: 'DEMO_FRAUD_PORT',
  churnV2: 'DEMO_CHURN_V2_PORT',
};

/** Options first, then the environment, then the defaults. */
export function localSettings(options: LocalOptions = {}): LocalSettings {
  const env = options.env ?? process.env;
  const ttl = options.cacheTtlSeconds ?? (env.PARAMETER_CACHE_TTL_SECONDS ? Number(env.PARAMETER_CACHE_TTL_SECONDS) : DEFAULT_LOCAL_CACHE_TTL_SECONDS);
  if (!Number.isSafeInteger(ttl) || ttl < 0) throw new Error(`PARAMETER_CACHE_TTL_SECONDS must be a whole number of seconds, got ${JSON.stringify(env.PARAMETER_CACHE_TTL_SECONDS)}`);
  const flexiblePorts: string[] = [];
  const chosen = (option: number | undefined, variable: string, fallback: number): number => {
    const port = option ?? portFrom(env[variable], variable);
    if (port !== undefined) return port;
    flexiblePorts.push(variable);
    return fallback;
  };
  return {
    port: chosen(options.port, 'PORT', DEFAULT_API_PORT),
    demoPorts: Object.fromEntries(
      Object.entries(DEMO_PORT_VARIABLES).map(([key, variable]) => {
        const name = key as keyof DemoPorts;
        return [name, chosen(options.demoPorts?.[name], variable, DEFAULT_DEMO_PORTS[name])];
      }),
    ) as DemoPorts,
    flexiblePorts,
    parametersFile: resolve(options.parametersFile ?? (env.PARAMETERS_FILE || DEFAULT_PARAMETERS_FILE)),
    parameterPrefix: options.parameterPrefix ?? (env.PARAMETER_PREFIX || DEFAULT_PARAMETER_PREFIX),
    cacheTtlSeconds: ttl,
    ssmEndpoint: ssmEndpointFrom(options.ssmEndpoint ?? env.LOCAL_SSM_ENDPOINT),
  };
}

/**
 * A shell command that works as printed: the JSON is single-quoted, quotes escaped. `path`
 * is the route after /v1 (the model's predict route by default).
 */
export function curlFor(apiUrl: string, model: string, data: unknown, userTag = 'b-42', options: { path?: string; headers?: Record<string, string> } = {}): string {
  const body = JSON.stringify({ userTag, data }).replaceAll("'", `'\\''`);
  const headers = Object.entries(options.headers ?? {}).map(([name, value]) => ` -H '${name}: ${value}'`).join('');
  return `curl -s ${apiUrl}/v1${options.path ?? `/models/${model}/predict`} -H 'content-type: application/json'${headers} -d '${body}'`;
}

/** The demo models B can call, each with the data its curl sends. */
const DEMO_MODELS = Object.keys(DEMO_EXAMPLES) as (keyof typeof DEMO_EXAMPLES)[];

export interface LocalMode {
  url: string;
  /** The SSM endpoint the handler reads: the loopback one, LOCAL_SSM_ENDPOINT, or `aws`. */
  ssmUrl: string;
  /** The loopback SSM endpoint; none with LOCAL_SSM_ENDPOINT. */
  ssm: SsmServer | undefined;
  demos: DemoService[];
  settings: LocalSettings;
  /** One ready-to-paste curl per demo model, keyed by model name. */
  curls: Record<string, string>;
  /** Curls for the other routes and features: the ensemble, a variant, explain. */
  moreCurls: string[];
  /** Notices worth printing: a port that gave way, a demo not at its default address, a model the parameters file points elsewhere. */
  notices: string[];
  /** What the loopback SSM endpoint serves now: the parameters file, each demo at its actual address ({} with LOCAL_SSM_ENDPOINT). */
  parameters(): Record<string, string>;
  close(): Promise<void>;
}

/**
 * The demos that do not run at their default address: their default URL (what the parameters
 * file names them by) -> their actual one.
 */
function movedDemos(demos: ReadonlyMap<DemoKey, DemoService>): Map<string, string> {
  const moved = new Map<string, string>();
  for (const [key, demo] of demos) if (demo.url !== demoUrl(key)) moved.set(demoUrl(key), demo.url);
  return moved;
}

/** Endpoint parameters that name a demo at its default address, served at the demo's actual one; every other value as written. */
export function servedParameters(parameters: Record<string, string>, moved: ReadonlyMap<string, string>): Record<string, string> {
  if (moved.size === 0) return parameters;
  const served: Record<string, string> = {};
  for (const [name, value] of Object.entries(parameters)) served[name] = (name.endsWith('/endpoint') && moved.get(value)) || value;
  return served;
}

/** The authorizer settings from `auth`, else JWT_* in the environment, else none. */
export function localAuth(options: LocalOptions, env: Record<string, string | undefined>): LocalOptions['auth'] {
  if (options.auth) return options.auth;
  const issuer = env.JWT_ISSUER?.trim();
  if (!issuer) return undefined;
  const list = (text: string | undefined): string[] => (text ?? '').split(',').map((item) => item.trim()).filter((item) => item !== '');
  const audience = list(env.JWT_AUDIENCE);
  if (audience.length === 0) throw new Error('JWT_AUDIENCE is required with JWT_ISSUER');
  return { issuer, audience, scopes: list(env.JWT_SCOPES), jwksUri: env.JWT_JWKS_URI?.trim() || `${issuer.replace(/\/+$/, '')}/.well-known/jwks.json` };
}

/** Consumer name -> key value from `consumers`, else LOCAL_CONSUMERS, checked as the stack checks names. */
export function localConsumers(options: LocalOptions, env: Record<string, string | undefined>): Record<string, string> | undefined {
  let consumers = options.consumers;
  if (consumers === undefined && env.LOCAL_CONSUMERS?.trim()) {
    try {
      consumers = JSON.parse(env.LOCAL_CONSUMERS) as Record<string, string>;
    } catch {
      throw new Error('LOCAL_CONSUMERS must be a JSON object of consumer name -> API key');
    }
  }
  if (consumers === undefined) return undefined;
  for (const [name, key] of Object.entries(consumers)) {
    if (!CONSUMER_NAME_PATTERN.test(name)) throw new Error(`LOCAL_CONSUMERS: ${JSON.stringify(name)} is not a consumer name (${CONSUMER_NAME_PATTERN.source})`);
    if (typeof key !== 'string' || key === '') throw new Error(`LOCAL_CONSUMERS: ${name} needs a non-empty key`);
  }
  return consumers;
}

// The handler reads its settings from process.env once, at import; a second local mode in
// the same process would silently run with the first one's SSM endpoint.
let loadedWith: string | undefined;

async function loadHandler(env: Record<string, string>): Promise<{ handler: RestApiHandler; concurrent: boolean }> {
  const snapshot = JSON.stringify(env);
  if (loadedWith !== undefined && loadedWith !== snapshot) {
    throw new Error('startLocal: the handler is already loaded with other settings; run one local mode per process');
  }
  Object.assign(process.env, env);
  loadedWith = snapshot;
  // As the runtime does, the InvokeStore exists before the handler's init runs: with
  // AWS_LAMBDA_MAX_CONCURRENCY set, Powertools' Logger needs it from its constructor on.
  const { concurrent } = await invocationRunner();
  const module = (await import(HANDLER_MODULE)) as { handler?: unknown };
  if (typeof module.handler !== 'function') throw new Error('lambda/handler.ts does not export a handler function');
  return { handler: module.handler as RestApiHandler, concurrent };
}

export async function startLocal(options: LocalOptions = {}): Promise<LocalMode> {
  const settings = localSettings(options);
  const log = options.log ?? (() => {});
  const env = options.env ?? process.env;
  const flexible = (variable: string): boolean => settings.flexiblePorts.includes(variable);
  const auth = localAuth(options, env);
  const consumers = localConsumers(options, env);
  const localKeyId = (name: string): string => `local-${name}`;
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.splice(0).reverse()) await close();
  };
  try {
    const notices: string[] = [];
    const byKey = new Map<DemoKey, DemoService>();
    const demoModels: DemoModels = await startDemoModels(settings.demoPorts, async (key, port) => {
      const variable = DEMO_PORT_VARIABLES[key];
      const demo = await listenOn(variable, port, flexible(variable), (p) => DEMO_STARTERS[key]({ port: p }));
      byKey.set(key, demo);
      return demo;
    });
    closers.push(() => demoModels.close());
    const demos = demoModels.services;
    for (const [key, demo] of byKey) {
      const { port: defaultPort, name } = DEMO_ADDRESSES[key];
      if (demo.port === defaultPort) continue;
      const variable = DEMO_PORT_VARIABLES[key];
      const asked = settings.demoPorts[key];
      const why = asked === demo.port ? `${variable}=${asked}` : asked === 0 ? `${variable}=0` : `port ${asked} is in use`;
      notices.push(`demo ${name} is on port ${demo.port}, not ${defaultPort} (${why}): the SSM endpoint serves its address where the parameters file names ${demoUrl(key)}`);
    }
    const moved = movedDemos(byKey);

    let ssm: SsmServer | undefined;
    let ssmUrl: string;
    let parameters: () => Record<string, string> = () => ({});
    let ssmEnvironment: Record<string, string>;
    if (settings.ssmEndpoint === undefined) {
      if (!existsSync(settings.parametersFile)) {
        writeParametersFile(settings.parametersFile, defaultDemoParameters(settings.parameterPrefix));
        notices.push(`created ${settings.parametersFile} with the demo parameters`);
      }
      try {
        const served = servedParameters(readParametersFile(settings.parametersFile), moved);
        for (const demo of demos) {
          const name = `${settings.parameterPrefix}/${demo.parameter}`;
          const configured = served[name];
          if (configured !== demo.url) notices.push(`${name} is ${configured ?? 'not set'}, not the demo at ${demo.url}`);
        }
      } catch (error) {
        notices.push(`${(error as Error).message}: the SSM endpoint answers 500 until it is fixed`);
      }
      const fileSource = parametersFileSource(settings.parametersFile, (problem) =>
        log(problem === null ? `parameters file OK again: ${settings.parametersFile}` : `parameters file unusable, SSM answers 500: ${problem}`),
      );
      parameters = (): Record<string, string> => servedParameters(fileSource(), moved);
      const loopback = await startSsmServer({ parameters });
      closers.push(() => loopback.close());
      ssm = loopback;
      ssmUrl = loopback.url;
      ssmEnvironment = {
        AWS_ENDPOINT_URL_SSM: loopback.url,
        AWS_REGION: env.AWS_REGION || 'us-east-1',
        // Fake credentials: the SDK signs with them and never looks for real ones.
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
      };
    } else {
      // The team's own parameters: its SSM endpoint (or AWS's), with the region and credentials the SDK finds as usual.
      ssmUrl = settings.ssmEndpoint;
      ssmEnvironment = {};
      for (const name of AWS_ENVIRONMENT) if (env[name]) ssmEnvironment[name] = env[name] as string;
      if (settings.ssmEndpoint !== 'aws') ssmEnvironment.AWS_ENDPOINT_URL_SSM = settings.ssmEndpoint;
      notices.push(
        `LOCAL_SSM_ENDPOINT: the handler reads ${settings.parameterPrefix} from ${settings.ssmEndpoint === 'aws' ? "AWS's SSM endpoint" : settings.ssmEndpoint} with the usual AWS credentials; ${settings.parametersFile} is not used`,
      );
    }

    const handler = await loadHandler({
      PARAMETER_PREFIX: settings.parameterPrefix,
      PARAMETER_CACHE_TTL_SECONDS: String(settings.cacheTtlSeconds),
      ...ssmEnvironment,
      // Powertools' local switch: the same request lines as in Lambda, indented to be read.
      POWERTOOLS_DEV: env.POWERTOOLS_DEV || 'true',
      // What Lambda sets in an on-demand environment. Powertools reports cold_start only there
      // (true on the environment's first invocation, false after); without it, always false.
      AWS_LAMBDA_INITIALIZATION_TYPE: env.AWS_LAMBDA_INITIALIZATION_TYPE || 'on-demand',
      // What the stack writes from its consumers: each key's id -> its consumer.
      ...(consumers ? { CONSUMER_API_KEYS: JSON.stringify(Object.fromEntries(Object.keys(consumers).map((name) => [localKeyId(name), name]))) } : {}),
      // Concurrent requests interleave in this one thread, as on Lambda Managed Instances: with
      // this set, the InvokeStore keeps each invocation's context apart (an AsyncLocalStorage)
      // and Powertools keeps its per-invocation state there (api-server.ts enters a context per
      // invocation, as the runtime does). It is not a cap: local mode takes every request.
      AWS_LAMBDA_MAX_CONCURRENCY: env.AWS_LAMBDA_MAX_CONCURRENCY || DEFAULT_MAX_CONCURRENCY,
    });
    if (!handler.concurrent) {
      notices.push('the InvokeStore of this process was made before AWS_LAMBDA_MAX_CONCURRENCY was set: concurrent requests share one invocation context');
    }

    let authorizer: TokenAuthorizerHandler | undefined;
    if (auth) {
      const { jwksCa, ...authSettings } = auth;
      const token = createTokenAuthorizer(authSettings, jwksCa === undefined ? {} : { jwksCa });
      authorizer = token.authorize;
      notices.push(`every route needs a bearer token from ${auth.issuer} (audience ${auth.audience.join(', ')}${auth.scopes.length > 0 ? `, a scope of ${auth.scopes.join(', ')}` : ''}), verified with the keys at ${auth.jwksUri}`);
    }
    const apiKeys = consumers ? new Map(Object.entries(consumers).map(([name, key]) => [key, localKeyId(name)])) : undefined;
    if (consumers) notices.push(`every route needs the x-api-key of a consumer: ${Object.keys(consumers).join(', ')}`);
    const api: ApiServer = await listenOn('PORT', settings.port, flexible('PORT'), (port) =>
      startApiServer({ handler: handler.handler, port, log, ...(authorizer ? { authorizer } : {}), ...(apiKeys ? { apiKeys } : {}) }),
    );
    closers.push(() => api.close());
    if (settings.port !== 0 && api.port !== settings.port) notices.unshift(`port ${settings.port} is in use: the API is on port ${api.port} instead (set PORT to choose one)`);

    return {
      url: api.url,
      ssmUrl,
      ssm,
      demos,
      settings,
      curls: Object.fromEntries(DEMO_MODELS.map((model) => [model, curlFor(api.url, model, DEMO_EXAMPLES[model])])),
      moreCurls: [
        curlFor(api.url, 'iris-all', DEMO_EXAMPLES.iris, 'b-42', { path: '/ensembles/iris-all/predict' }),
        curlFor(api.url, 'iris', DEMO_EXAMPLES.iris, 'b-42', { headers: { 'x-model-variant': 'green' } }),
        curlFor(api.url, 'iris-kserve', DEMO_EXAMPLES['iris-kserve'], 'b-42', { path: '/models/iris-kserve/explain' }),
      ],
      notices,
      parameters,
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

export function banner(local: LocalMode): string {
  const lines = [
    'contract-adapter local mode',
    `  API         ${local.url}   (lambda/handler.ts as a REST API, stage "local")`,
    local.ssm
      ? `  SSM         ${local.ssmUrl}   (${local.settings.parametersFile}, prefix ${local.settings.parameterPrefix}, TTL ${local.settings.cacheTtlSeconds} s)`
      : `  SSM         ${local.ssmUrl}   (LOCAL_SSM_ENDPOINT, prefix ${local.settings.parameterPrefix}, TTL ${local.settings.cacheTtlSeconds} s)`,
    ...local.demos.map((d) => `  demo ${d.name.padEnd(11)} ${d.url}`),
    ...local.notices.map((n) => `  note: ${n}`),
    '',
    'Try:',
    ...Object.values(local.curls).map((c) => `  ${c}`),
    ...local.moreCurls.map((c) => `  ${c}`),
    `  curl -s ${local.url}/v1/models`,
    '',
    'Edit the parameters file to repoint a model; Ctrl-C stops.',
  ];
  return lines.join('\n');
}

if (import.meta.main) {
  let local: LocalMode;
  try {
    local = await startLocal({ log: (line) => console.log(line) });
  } catch (error) {
    const e = error as Error;
    console.error(e instanceof PortInUseError ? `local mode: ${e.message}` : `local mode failed to start: ${e.stack ?? String(e)}`);
    process.exit(1);
  }
  console.log(banner(local));
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) process.exit(130);
    stopping = true;
    console.log(`\n${signal}: stopping`);
    local.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGHUP', () => stop('SIGHUP'));
  // `npm start` runs this through a shell (`sh -c "node local/start.ts"`). npm passes a SIGTERM
  // on to that shell only, and dash dies without passing it on: this process would be left
  // running, its parent gone. Under npm (or another runner that sets npm_lifecycle_event),
  // losing the parent stops it. Outside one, `nohup node local/start.ts &` keeps working.
  if (process.env.npm_lifecycle_event !== undefined) {
    const parent = process.ppid;
    const watch = setInterval(() => {
      if (process.ppid === parent) return;
      clearInterval(watch);
      // Already stopping on a signal: let that finish (a second stop would cut it short).
      if (!stopping) stop('parent process gone');
    }, 200);
    watch.unref();
  }
}
