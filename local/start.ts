// `npm start`: the adapter's real handler behind a loopback API Gateway, fed by a loopback
// SSM endpoint that serves local/parameters.json, with two demo prediction services for it
// to call. Only the edges are local: the handler, Middy, the SSM SDK and undici are the
// ones that run in Lambda.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startApiServer, type ApiServer, type RestApiHandler } from './api-server.ts';
import { DEFAULT_DEMO_PORTS, DEMO_EXAMPLES, startDemoModels, type DemoModels, type DemoPorts, type DemoService } from './demo-models.ts';
import { demoParameters } from './demo-parameters.ts';
import { DEFAULT_PARAMETER_PREFIX, parametersFileSource, readParametersFile, writeParametersFile } from './parameters-file.ts';
import { startSsmServer, type SsmServer } from './ssm-server.ts';

export const DEFAULT_API_PORT = 3000;
/** Short, so that an edit to the parameters file shows within seconds. */
export const DEFAULT_LOCAL_CACHE_TTL_SECONDS = 2;
export const DEFAULT_PARAMETERS_FILE = fileURLToPath(new URL('./parameters.json', import.meta.url));
const HANDLER_MODULE = new URL('../lambda/handler.ts', import.meta.url).href;

export interface LocalOptions {
  /** API port; PORT, else 3000. 0 picks a free one. */
  port?: number;
  /** Demo service ports; DEMO_IRIS_PORT, DEMO_CHURN_PORT, DEMO_IRIS_KSERVE_PORT, DEMO_FRAUD_PORT and DEMO_CHURN_V2_PORT, else 9101 to 9105. */
  demoPorts?: Partial<DemoPorts>;
  /** PARAMETERS_FILE, else local/parameters.json. Created, pointing at the demos, if missing. */
  parametersFile?: string;
  /** PARAMETER_PREFIX, else /contract-adapter/local. */
  parameterPrefix?: string;
  /** PARAMETER_CACHE_TTL_SECONDS, else 2. */
  cacheTtlSeconds?: number;
  /** Where unset options are read from; process.env by default. */
  env?: Record<string, string | undefined>;
  /** Request lines and notices. Silent by default. */
  log?: (line: string) => void;
}

export interface LocalSettings {
  port: number;
  demoPorts: DemoPorts;
  parametersFile: string;
  parameterPrefix: string;
  cacheTtlSeconds: number;
}

const portFrom = (value: string | undefined, name: string, fallback: number): number => {
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${name} must be a port number, got ${JSON.stringify(value)}`);
  return port;
};

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
  return {
    port: options.port ?? portFrom(env.PORT, 'PORT', DEFAULT_API_PORT),
    demoPorts: Object.fromEntries(
      Object.entries(DEMO_PORT_VARIABLES).map(([key, variable]) => {
        const name = key as keyof DemoPorts;
        return [name, options.demoPorts?.[name] ?? portFrom(env[variable], variable, DEFAULT_DEMO_PORTS[name])];
      }),
    ) as DemoPorts,
    parametersFile: resolve(options.parametersFile ?? (env.PARAMETERS_FILE || DEFAULT_PARAMETERS_FILE)),
    parameterPrefix: options.parameterPrefix ?? (env.PARAMETER_PREFIX || DEFAULT_PARAMETER_PREFIX),
    cacheTtlSeconds: ttl,
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
  ssmUrl: string;
  ssm: SsmServer;
  demos: DemoService[];
  settings: LocalSettings;
  /** One ready-to-paste curl per demo model, keyed by model name. */
  curls: Record<string, string>;
  /** Curls for the other routes and features: the ensemble, a variant, explain. */
  moreCurls: string[];
  /** Notices worth printing, such as a model the parameters file points elsewhere. */
  notices: string[];
  close(): Promise<void>;
}

// The handler reads its settings from process.env once, at import; a second local mode in
// the same process would silently run with the first one's SSM endpoint.
let loadedWith: string | undefined;

async function loadHandler(env: Record<string, string>): Promise<RestApiHandler> {
  const snapshot = JSON.stringify(env);
  if (loadedWith !== undefined && loadedWith !== snapshot) {
    throw new Error('startLocal: the handler is already loaded with other settings; run one local mode per process');
  }
  Object.assign(process.env, env);
  loadedWith = snapshot;
  const module = (await import(HANDLER_MODULE)) as { handler?: unknown };
  if (typeof module.handler !== 'function') throw new Error('lambda/handler.ts does not export a handler function');
  return module.handler as RestApiHandler;
}

export async function startLocal(options: LocalOptions = {}): Promise<LocalMode> {
  const settings = localSettings(options);
  const log = options.log ?? (() => {});
  const env = options.env ?? process.env;
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.splice(0).reverse()) await close();
  };
  try {
    const demoModels: DemoModels = await startDemoModels(settings.demoPorts);
    closers.push(() => demoModels.close());
    const demos = demoModels.services;

    const notices: string[] = [];
    if (!existsSync(settings.parametersFile)) {
      writeParametersFile(settings.parametersFile, demoParameters(settings.parameterPrefix, demos));
      notices.push(`created ${settings.parametersFile}, pointing each demo model at its service`);
    }
    try {
      const parameters = readParametersFile(settings.parametersFile);
      for (const demo of demos) {
        const name = `${settings.parameterPrefix}/${demo.parameter}`;
        const configured = parameters[name];
        if (configured !== demo.url) notices.push(`${name} is ${configured ?? 'not set'}, not the demo at ${demo.url}`);
      }
    } catch (error) {
      notices.push(`${(error as Error).message}: the SSM endpoint answers 500 until it is fixed`);
    }

    const ssm = await startSsmServer({
      parameters: parametersFileSource(settings.parametersFile, (problem) =>
        log(problem === null ? `parameters file OK again: ${settings.parametersFile}` : `parameters file unusable, SSM answers 500: ${problem}`),
      ),
    });
    closers.push(() => ssm.close());

    const handler = await loadHandler({
      PARAMETER_PREFIX: settings.parameterPrefix,
      PARAMETER_CACHE_TTL_SECONDS: String(settings.cacheTtlSeconds),
      AWS_ENDPOINT_URL_SSM: ssm.url,
      AWS_REGION: env.AWS_REGION || 'us-east-1',
      // Fake credentials: the SDK signs with them and never looks for real ones.
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      // Powertools' local switch: the same request lines as in Lambda, indented to be read.
      POWERTOOLS_DEV: env.POWERTOOLS_DEV || 'true',
    });

    const api: ApiServer = await startApiServer({ handler, port: settings.port, log });
    closers.push(() => api.close());

    return {
      url: api.url,
      ssmUrl: ssm.url,
      ssm,
      demos,
      settings,
      curls: Object.fromEntries(DEMO_MODELS.map((model) => [model, curlFor(api.url, model, DEMO_EXAMPLES[model])])),
      moreCurls: [
        curlFor(api.url, 'iris-all', DEMO_EXAMPLES.iris, 'b-42', { path: '/ensembles/iris-all/predict' }),
        curlFor(api.url, 'churn', DEMO_EXAMPLES.churn, 'b-42', { headers: { 'x-model-variant': 'v2' } }),
        curlFor(api.url, 'iris-kserve', DEMO_EXAMPLES['iris-kserve'], 'b-42', { path: '/models/iris-kserve/explain' }),
      ],
      notices,
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
    `  SSM         ${local.ssmUrl}   (${local.settings.parametersFile}, prefix ${local.settings.parameterPrefix}, TTL ${local.settings.cacheTtlSeconds} s)`,
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
    const e = error as NodeJS.ErrnoException & { port?: number };
    console.error(
      e.code === 'EADDRINUSE'
        ? `local mode: port ${e.port} is in use (set PORT or ${Object.values(DEMO_PORT_VARIABLES).join(', ')})`
        : `local mode failed to start: ${e.stack ?? String(e)}`,
    );
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
}
