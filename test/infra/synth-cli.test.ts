// The real `cdk synth`, as an operator runs it: the pinned CLI, cdk.json's app on Node 24,
// esbuild bundling the real handler, cdk-nag, and no AWS credentials, config or network.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { documentedFullContext, projectFile } from './synth.ts';

const run = promisify(execFile);
const projectRoot = projectFile('');
const bin = projectFile('node_modules/.bin');

/** The environment of an operator with no AWS credentials or config at all. */
function credentialFreeEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('AWS_') && !key.startsWith('CDK_')) env[key] = value;
  }
  return {
    ...env,
    HOME: home,
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    CDK_DISABLE_VERSION_CHECK: '1',
    CDK_DISABLE_CLI_TELEMETRY: '1',
  };
}

interface Synth {
  readonly code: number;
  readonly stderr: string;
  readonly outdir: string;
  readonly seconds: number;
}

const workDirs: string[] = [];
after(() => {
  for (const dir of workDirs) rmSync(dir, { recursive: true, force: true });
});

async function cdkSynth(context: Record<string, unknown>): Promise<Synth> {
  const work = mkdtempSync(join(tmpdir(), 'adapter-synth-'));
  workDirs.push(work);
  const outdir = join(work, 'cdk.out');
  const contextArgs = Object.entries(context).flatMap(([key, value]) => ['-c', `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`]);
  const started = performance.now();
  try {
    const { stderr } = await run(join(bin, 'cdk'), ['synth', '--quiet', '--no-notices', '-o', outdir, ...contextArgs], {
      cwd: projectRoot,
      env: credentialFreeEnv(work),
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stderr, outdir, seconds: (performance.now() - started) / 1000 };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, stderr: failed.stderr, outdir, seconds: (performance.now() - started) / 1000 };
  }
}

function template(outdir: string, stack: string): { Resources: Record<string, { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, string> }> } {
  return JSON.parse(readFileSync(join(outdir, `${stack}.template.json`), 'utf8'));
}

describe('npx cdk synth', { concurrency: true }, () => {
  it('works with no context and no credentials, and bundles a handler that loads on its own', async (t) => {
    const synth = await cdkSynth({});
    assert.equal(synth.code, 0, synth.stderr);
    const resources = template(synth.outdir, 'ContractAdapter-dev').Resources;
    const [, fn] = Object.entries(resources).find(([id, resource]) => id.startsWith('Handler') && resource.Type === 'AWS::Lambda::Function') ?? [];
    assert.ok(fn?.Metadata?.['aws:asset:path'], 'the function has no bundled asset');
    const asset = join(synth.outdir, fn.Metadata['aws:asset:path']);

    // One minified ESM file with its source map and the require banner; the SDK inside it.
    const bundle = readFileSync(join(asset, 'index.mjs'), 'utf8');
    assert.ok(existsSync(join(asset, 'index.mjs.map')), 'no source map');
    assert.ok(bundle.startsWith("import{createRequire}from'node:module';"), 'no createRequire banner');
    // Minified: long lines (only template literals keep their newlines), not ~40 characters each.
    assert.ok(bundle.length / bundle.split('\n').length > 500, 'not minified');
    const imports = [...bundle.matchAll(/(?:^|[;}])import\s*(?:[^;'"]*?from)?\s*["']([^"']+)["']/g)].map((match) => match[1]);
    assert.ok(imports.length > 0);
    assert.deepEqual(imports.filter((specifier) => !specifier?.startsWith('node:')), [], 'modules left outside the bundle');
    assert.match(bundle, /name:"@aws-sdk\/client-ssm",version:"/, 'the SSM client is not in the bundle');
    assert.ok(statSync(join(asset, 'index.mjs')).size < 5 * 1024 * 1024);

    // Outside the project (no node_modules above it), with the function's own environment.
    const environment = (fn.Properties.Environment as { Variables: Record<string, string> }).Variables;
    const { stdout } = await run(
      join(bin, 'node'),
      ['--input-type=module', '-e', "const m = await import('./index.mjs'); console.log(typeof m.handler);"],
      { cwd: asset, env: { PATH: process.env.PATH, AWS_REGION: 'eu-west-1', ...environment } },
    );
    assert.equal(stdout.trim(), 'function');
    t.diagnostic(`synth ${synth.seconds.toFixed(1)} s, bundle ${(bundle.length / 1024).toFixed(0)} KiB`);
  });

  it('works with the full context of docs/deploy.md, passed as -c flags', async () => {
    const synth = await cdkSynth(documentedFullContext());
    assert.equal(synth.code, 0, synth.stderr);
    const resources = Object.values(template(synth.outdir, 'ContractAdapter-prod').Resources);
    const fn = resources.find((resource) => resource.Type === 'AWS::Lambda::Function');
    assert.deepEqual((fn?.Properties.VpcConfig as { SubnetIds: string[] }).SubnetIds, ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002']);
    assert.equal(resources.filter((resource) => resource.Type === 'AWS::SSM::Parameter').length, 2);
    assert.equal(resources.filter((resource) => resource.Type === 'AWS::WAFv2::WebACL').length, 1);
  });

  it('refuses a bad context with a message that names the setting, and no stack trace', async () => {
    const synth = await cdkSynth({ timeoutSeconds: 40, models: { '../x': 'http://10.20.0.10:8080/' } });
    assert.notEqual(synth.code, 0);
    assert.match(synth.stderr, /timeoutSeconds: expected an integer from 3 to 28, got "40"/);
    assert.match(synth.stderr, /models: "\.\.\/x" is not a model name/);
    assert.doesNotMatch(synth.stderr, /\n\s+at .*\.ts:\d+/);
  });
});
