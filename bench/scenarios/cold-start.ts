// The Lambda bundle exactly as the CDK stack builds it, its size, and the time a fresh `node`
// process takes to import it and answer a first request, beside an empty bundle built the
// same way (what any function costs: Node's own start and an ESM import).
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type BuildOptions } from 'esbuild';
import { ADAPTER_BUNDLING } from '../../infra/adapter-function.ts';
import { PROJECT_ROOT } from '../lib/paths.ts';
import { predictEvent } from '../lib/workload.ts';

/**
 * Mirrors infra/adapter-function.ts (ADAPTER_BUNDLING, the NodejsFunction `bundling` props) as
 * aws-cdk-lib's NodejsFunction turns them into esbuild arguments: `--bundle lambda/handler.ts
 * --target=node24 --platform=node --format=esm --outfile=index.mjs --minify --sourcemap
 * --sources-content=false --define:esbuildDetection=1 --banner:js=... --main-fields=module,main`,
 * then its `esbuildArgs` (`--alias:module=./stand-in` and `--external:path` for each entry),
 * run from the project root (so the aliases' relative paths resolve the same), and no other
 * `--external` because bundleAwsSDK is true. `checkMirrorsInfra` fails the bench if the two
 * drift apart, and test/infra/synth-cli.test.ts checks that this builds the very bytes
 * `cdk synth` does.
 */
export const CDK_ESBUILD_OPTIONS = {
  bundle: true,
  target: 'node24',
  platform: 'node',
  format: 'esm',
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  banner: { js: "import{createRequire}from'node:module';const require=createRequire(import.meta.url);" },
  mainFields: ['module', 'main'],
  define: { esbuildDetection: '1' },
  alias: {
    '@aws-sdk/credential-provider-node': './infra/bundle/credentials-from-env.ts',
    'node:http': './infra/bundle/node-http.cjs',
  },
  external: ['../llhttp/llhttp-wasm.js', '../web/fetch/body.js', '../web/fetch/formdata', '../web/webidl', '@smithy/core/event-streams'],
  logLevel: 'warning',
} satisfies BuildOptions;

/** The entry the stack deploys (infra/adapter-stack.ts). */
export const HANDLER_ENTRY = 'lambda/handler.ts';

/** The adapter's dependencies alone, used as on its first request: the floor under its own code. */
export const DEPENDENCIES_ENTRY = 'bench/lib/dependencies-only-handler.ts';

/** The function's NODE_OPTIONS (infra/adapter-function.ts sets none), which the cold process runs with; a test holds the two together. */
export const FUNCTION_NODE_OPTIONS = '';

export function checkMirrorsInfra(): void {
  const infra = ADAPTER_BUNDLING;
  const mirrored = {
    format: CDK_ESBUILD_OPTIONS.format,
    target: CDK_ESBUILD_OPTIONS.target,
    mainFields: CDK_ESBUILD_OPTIONS.mainFields,
    minify: CDK_ESBUILD_OPTIONS.minify,
    sourceMap: CDK_ESBUILD_OPTIONS.sourcemap,
    sourcesContent: CDK_ESBUILD_OPTIONS.sourcesContent,
    bundleAwsSDK: true,
    banner: CDK_ESBUILD_OPTIONS.banner.js,
    define: CDK_ESBUILD_OPTIONS.define,
    esbuildArgs: {
      '--alias': Object.entries(CDK_ESBUILD_OPTIONS.alias).map(([module, standIn]) => `${module}=${standIn}`),
      '--external': CDK_ESBUILD_OPTIONS.external,
    },
  };
  const known = new Set(Object.keys(mirrored));
  const unknown = Object.keys(infra).filter((key) => !known.has(key));
  const differing = Object.entries(mirrored).filter(
    ([key, value]) => JSON.stringify((infra as Record<string, unknown>)[key]) !== JSON.stringify(value),
  );
  if (unknown.length > 0 || differing.length > 0) {
    throw new Error(
      `bench/scenarios/cold-start.ts no longer mirrors infra/adapter-function.ts ADAPTER_BUNDLING` +
        ` (new: ${unknown.join(', ') || 'none'}; different: ${differing.map(([k]) => k).join(', ') || 'none'})`,
    );
  }
}

export interface BundleFigures {
  file: string;
  bytesMin: number;
  bytesGzip: number;
  bytesSourceMap: number;
}

async function bundle(outdir: string, entry: BuildOptions): Promise<BundleFigures> {
  mkdirSync(outdir, { recursive: true });
  const outfile = join(outdir, 'index.mjs');
  await build({ ...CDK_ESBUILD_OPTIONS, ...entry, absWorkingDir: PROJECT_ROOT, outfile });
  const code = readFileSync(outfile);
  return {
    file: outfile,
    bytesMin: code.length,
    bytesGzip: gzipSync(code).length,
    bytesSourceMap: statSync(`${outfile}.map`).size,
  };
}

export interface Bundles {
  adapter: BundleFigures;
  /** DEPENDENCIES_ENTRY, built the same way. */
  dependencies: BundleFigures;
  empty: BundleFigures;
}

export async function buildBundles(outdir: string): Promise<Bundles> {
  checkMirrorsInfra();
  const adapter = await bundle(join(outdir, 'adapter'), { entryPoints: [HANDLER_ENTRY] });
  const dependencies = await bundle(join(outdir, 'dependencies'), { entryPoints: [DEPENDENCIES_ENTRY] });
  const empty = await bundle(join(outdir, 'empty'), {
    stdin: {
      contents: "export const handler = async () => ({ statusCode: 200, body: '{}' });",
      loader: 'ts',
      resolveDir: PROJECT_ROOT,
      sourcefile: 'empty-handler.ts',
    },
  });
  return { adapter, dependencies, empty };
}

/** Run in the fresh process: import the bundle, answer one event, report ms since the process began. */
const RUNNER = `
const bundle = await import(process.env.BENCH_BUNDLE);
const importedMs = performance.now();
const context = { awsRequestId: 'cold-start', functionName: 'contract-adapter-bench', getRemainingTimeInMillis: () => 29000 };
const result = await bundle.handler(JSON.parse(process.env.BENCH_EVENT), context);
const answeredMs = performance.now();
process.stdout.write('\\nBENCH ' + JSON.stringify({ importedMs, answeredMs, statusCode: result.statusCode }) + '\\n');
process.exit(0);
`;

export interface ColdRun {
  /** From the process's time origin to the bundle's import resolving. */
  importedMs: number;
  /** From the process's time origin to the first answer. */
  answeredMs: number;
  /** spawn() to exit, seen from outside. */
  wallMs: number;
  statusCode: number;
}

export function coldRun(bundleFile: string, env: Record<string, string>): Promise<ColdRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--input-type=module', '--eval', RUNNER], {
      env: {
        PATH: process.env.PATH ?? '',
        ...env,
        NODE_OPTIONS: FUNCTION_NODE_OPTIONS,
        BENCH_BUNDLE: pathToFileURL(bundleFile).href,
        BENCH_EVENT: JSON.stringify(predictEvent()),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      const wallMs = performance.now() - started;
      const line = out.split('\n').find((l) => l.startsWith('BENCH '));
      if (code !== 0 || !line) return reject(new Error(`cold start of ${bundleFile} failed (exit ${code}): ${out.slice(0, 500)}`));
      resolve({ ...(JSON.parse(line.slice('BENCH '.length)) as Omit<ColdRun, 'wallMs'>), wallMs });
    });
  });
}
