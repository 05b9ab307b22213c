// The real `cdk synth`, as an operator runs it: the pinned CLI, cdk.json's app on Node 24,
// esbuild bundling the real handler, cdk-nag, and no AWS credentials, config or network.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { CDK_ESBUILD_OPTIONS, FUNCTION_NODE_OPTIONS, HANDLER_ENTRY } from '../../bench/scenarios/cold-start.ts';
import { BUNDLE_LEFT_OUT } from '../../infra/adapter-function.ts';
import { startSsmServer } from '../../local/ssm-server.ts';
import { envelope, predictPath, restEvent } from '../support/events.ts';
import { answerJson, startModelServer } from '../support/model-server.ts';
import { documentedFullContext, documentedProductionContext, projectFile } from './synth.ts';

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

/** The default synthesis, shared by the tests that look at its bundle. */
let defaultSynth: Promise<Synth> | undefined;
const synthDefault = (): Promise<Synth> => (defaultSynth ??= cdkSynth({}));

type Resources = Record<string, { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, string> }>;

/** The adapter function's resource and the directory of its bundled asset. */
function adapterAsset(synth: Synth): { fn: Resources[string]; asset: string } {
  const resources = template(synth.outdir, 'ContractAdapter-dev').Resources;
  const [, fn] = Object.entries(resources).find(([id, resource]) => id.startsWith('Handler') && resource.Type === 'AWS::Lambda::Function') ?? [];
  assert.ok(fn?.Metadata?.['aws:asset:path'], 'the function has no bundled asset');
  return { fn, asset: join(synth.outdir, fn.Metadata['aws:asset:path']) };
}

/** Runs in a fresh `node` in the asset directory: imports the bundle, answers one event, prints the result. */
const FIRST_REQUEST = `
const { handler } = await import('./index.mjs');
const context = { awsRequestId: 'first-request', functionName: 'contract-adapter', getRemainingTimeInMillis: () => 14000 };
const result = await handler(JSON.parse(process.env.EVENT), context);
process.stdout.write('RESULT ' + JSON.stringify(result) + '\\n');
`;

type Bundle = ReturnType<typeof adapterAsset>;

/**
 * The function's environment as Lambda would get it: CloudFormation's joins done here, each Ref
 * to a resource (an API key's id in CONSUMER_API_KEYS) standing in as its logical id.
 */
const functionEnvironment = ({ fn }: Bundle): Record<string, string> => {
  const resolve = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    if (join !== undefined) return join[1].map(resolve).join(join[0]);
    const ref = (value as { Ref?: string }).Ref;
    if (ref !== undefined) return ref;
    throw new Error(`cannot resolve ${JSON.stringify(value)}`);
  };
  const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
  return Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, resolve(value)]));
};

/** A fresh `node` in the asset directory answers one predict event; `aws` is what Lambda would add (the role's credentials, or none). */
async function firstRequest(synth: Synth, bundle: Bundle, ssmUrl: string, aws: Record<string, string>) {
  const functionEnv = functionEnvironment(bundle);
  // The single key's id, as CONSUMER_API_KEYS names it (its logical id stands in for it).
  const apiKeyId = /\{"([^"]+)":"default"\}/.exec(functionEnv.CONSUMER_API_KEYS ?? '')?.[1] ?? null;
  const event = restEvent({ method: 'POST', path: predictPath('iris'), body: envelope('b-0001', { instances: [[5.1, 3.5, 1.4, 0.2]] }), apiKeyId });
  const { stdout, stderr } = await run(join(bin, 'node'), ['--input-type=module', '-e', FIRST_REQUEST], {
    cwd: bundle.asset,
    env: {
      PATH: process.env.PATH,
      HOME: join(synth.outdir, '..'),
      ...functionEnv,
      // The function's own environment (no NODE_OPTIONS), the loopback endpoints, and
      // only what Lambda itself would add: a region and, when given, the role's credentials.
      NODE_OPTIONS: functionEnv.NODE_OPTIONS ?? '',
      UPSTREAM_ALLOWLIST: '127.0.0.1/32',
      AWS_ENDPOINT_URL_SSM: ssmUrl,
      AWS_REGION: 'eu-west-1',
      ...aws,
      EVENT: JSON.stringify(event),
    },
  });
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  assert.ok(line, `${stdout}${stderr}`);
  return { result: JSON.parse(line.slice('RESULT '.length)) as { statusCode: number; body: string }, log: `${stdout}${stderr}` };
}

interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A loopback SSM endpoint of this file's own: it records each request whole and answers GetParametersByPath with `parameter`. */
async function startRecordingSsm(parameter: Record<string, unknown>): Promise<{ url: string; requests: RecordedRequest[]; close(): Promise<void> }> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const text = JSON.stringify({ Parameters: [parameter] });
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': randomUUID() });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * AWS Signature Version 4 of a recorded request, computed here from its method, path, query,
 * signed headers and body (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html),
 * independently of the SDK's signer.
 */
function sigV4Signature(request: RecordedRequest, signedHeaders: string[], secretAccessKey: string, scope: string): string {
  const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
  const hmac = (key: string | Buffer, text: string): Buffer => createHmac('sha256', key).update(text, 'utf8').digest();
  const [path = '/', query = ''] = request.url.split('?');
  const canonicalQuery = query
    .split('&')
    .filter((pair) => pair !== '')
    .sort()
    .join('&');
  const canonicalHeaders = signedHeaders.map((name) => `${name}:${String(request.headers[name] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const canonicalRequest = [request.method, path, canonicalQuery, canonicalHeaders, signedHeaders.join(';'), sha256(request.body)].join('\n');
  const stringToSign = ['AWS4-HMAC-SHA256', String(request.headers['x-amz-date']), scope, sha256(canonicalRequest)].join('\n');
  const [date = '', region = '', service = '', terminator = ''] = scope.split('/');
  const signingKey = [region, service, terminator].reduce<Buffer>((key, part) => hmac(key, part), hmac(`AWS4${secretAccessKey}`, date));
  return hmac(signingKey, stringToSign).toString('hex');
}

function template(outdir: string, stack: string): { Resources: Resources } {
  return JSON.parse(readFileSync(join(outdir, `${stack}.template.json`), 'utf8'));
}

describe('npx cdk synth', { concurrency: true }, () => {
  it('works with no context and no credentials, and bundles a handler that loads on its own', async (t) => {
    const synth = await synthDefault();
    assert.equal(synth.code, 0, synth.stderr);
    const { fn, asset } = adapterAsset(synth);

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
    const environment = functionEnvironment({ fn, asset });
    const { stdout } = await run(
      join(bin, 'node'),
      ['--input-type=module', '-e', "const m = await import('./index.mjs'); console.log(typeof m.handler);"],
      { cwd: asset, env: { PATH: process.env.PATH, AWS_REGION: 'eu-west-1', ...environment } },
    );
    assert.equal(stdout.trim(), 'function');
    t.diagnostic(`synth ${synth.seconds.toFixed(1)} s, bundle ${(bundle.length / 1024).toFixed(0)} KiB`);
  });

  it('bundles byte for byte what the bench builds and measures (bench/scenarios/cold-start.ts)', async () => {
    const synth = await synthDefault();
    assert.equal(synth.code, 0, synth.stderr);
    const { asset } = adapterAsset(synth);
    const outdir = mkdtempSync(join(tmpdir(), 'adapter-bench-bundle-'));
    workDirs.push(outdir);
    await build({ ...CDK_ESBUILD_OPTIONS, entryPoints: [HANDLER_ENTRY], absWorkingDir: projectRoot, outfile: join(outdir, 'index.mjs') });
    assert.ok(readFileSync(join(outdir, 'index.mjs')).equals(readFileSync(join(asset, 'index.mjs'))), 'the bench builds another bundle than cdk synth');
  });

  it("writes cdk-nag's report where docs/deploy.md says: validation-report.json in the assembly directory, no findings when it passes", async () => {
    const synth = await synthDefault();
    assert.equal(synth.code, 0, synth.stderr);
    assert.match(readFileSync(projectFile('docs/deploy.md'), 'utf8'), /`cdk\.out\/validation-report\.json`/);
    const report = JSON.parse(readFileSync(join(synth.outdir, 'validation-report.json'), 'utf8')) as { title: string; pluginReports: unknown[] };
    assert.equal(report.title, 'Validation Report');
    assert.deepEqual(report.pluginReports, [], 'the acknowledged findings are in the template, not here');
    assert.equal(existsSync(join(synth.outdir, 'policy-validation-report.json')), false, 'the legacy name is written only with @aws-cdk/core:validationReportJson');
  });

  it('leaves out the SDK credential chain, the ESM facade of node:http and the unused undici and SDK parts; reaching one would throw', async () => {
    const synth = await synthDefault();
    assert.equal(synth.code, 0, synth.stderr);
    const bundle = readFileSync(join(adapterAsset(synth).asset, 'index.mjs'), 'utf8');
    // node:http only through the CommonJS stand-in: no static or dynamic ESM import of it.
    assert.doesNotMatch(bundle, /(?:^|[;}])import\s*[^;'"]*?from\s*["']node:http["']/m);
    assert.doesNotMatch(bundle, /import\(\s*["']node:http["']\s*\)/);
    assert.match(bundle, /getBuiltinModule\(["']node:http["']\)/);
    // Credentials from the environment only: none of the default chain's other links or clients.
    assert.match(bundle, /Unable to find environment variable credentials/);
    for (const gone of ['defaultProvider::fromSSO', 'Could not load credentials from any providers', 'AssumeRoleWithWebIdentity', 'nested-clients', 'AWS_CONTAINER_CREDENTIALS_FULL_URI']) {
      assert.ok(!bundle.includes(gone), `${gone} is in the bundle`);
    }
    // One llhttp WebAssembly module (the SIMD build; "AGFzbQ" is base64 for the magic "\0asm").
    assert.equal(bundle.split('AGFzbQ').length - 1, 1);
    // Each left-out module is still required or imported by its own path, so a path that ever
    // reaches one fails with MODULE_NOT_FOUND instead of running without it.
    for (const path of BUNDLE_LEFT_OUT) assert.ok(bundle.includes(`("${path}")`), `${path} is neither in the bundle nor required by it`);
  });

  it('answers a first request from its bundle alone: SSM and a model on loopback, credentials from the environment', async () => {
    const synth = await synthDefault();
    assert.equal(synth.code, 0, synth.stderr);
    const bundle = adapterAsset(synth);
    const functionEnv = functionEnvironment(bundle);
    const prefix = functionEnv.PARAMETER_PREFIX ?? '';
    assert.equal(functionEnv.NODE_OPTIONS ?? '', FUNCTION_NODE_OPTIONS, 'the bench\'s cold processes run with the function\'s NODE_OPTIONS');
    const model = await startModelServer(answerJson('{"predictions":[[0.9,0.1]]}'));
    const ssm = await startSsmServer({ parameters: () => ({ [`${prefix}/models/iris/endpoint`]: `${model.url}/v1/models/iris:predict` }) });
    try {
      const answered = await firstRequest(synth, bundle, ssm.url, { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'token' });
      assert.equal(answered.result.statusCode, 200, answered.log);
      assert.deepEqual(JSON.parse(answered.result.body), { userTag: 'b-0001', result: { predictions: [[0.9, 0.1]] } });
      // The bundle reads CONSUMER_API_KEYS: the single key's requests are the consumer default's.
      assert.match(answered.log, /"message":"request".*"consumer":"default"/);
      assert.deepEqual(ssm.calls, ['GetParametersByPath']);
      assert.equal(model.received.length, 1);

      // Without credentials in the environment nothing else is tried: the refresh fails before
      // anything is sent to SSM, is logged, and B gets the contract's 503.
      const refused = await firstRequest(synth, bundle, ssm.url, {});
      assert.equal(refused.result.statusCode, 503, refused.log);
      assert.match(refused.log, /"message":"configuration refresh failed"/);
      // Error classes read as written, not as the minifier renamed them.
      assert.match(refused.log, /"message":"configuration refresh failed".*"errorClass":"CredentialsProviderError"/);
      assert.deepEqual(ssm.calls, ['GetParametersByPath']);
      assert.equal(model.received.length, 1);
    } finally {
      await Promise.all([ssm.close(), model.close()]);
    }
  });

  it("signs its SSM request with the environment's credentials (the env-only stand-in): SigV4 under the access key, the session token sent and signed", async () => {
    const synth = await synthDefault();
    assert.equal(synth.code, 0, synth.stderr);
    const bundle = adapterAsset(synth);
    const prefix = functionEnvironment(bundle).PARAMETER_PREFIX ?? '';
    const model = await startModelServer(answerJson('{"predictions":[[0.9,0.1]]}'));
    const ssm = await startRecordingSsm({ Name: `${prefix}/models/iris/endpoint`, Type: 'String', Value: `${model.url}/v1/models/iris:predict`, Version: 1 });
    const credentials = {
      AWS_ACCESS_KEY_ID: 'ASIAENVONLYTEST00001',
      AWS_SECRET_ACCESS_KEY: 'env/secret+key/for/the/signing/test0000',
      AWS_SESSION_TOKEN: 'IQoJb3JpZ2luX2VjEnvOnlySessionToken//for+the+test==',
    };
    try {
      const answered = await firstRequest(synth, bundle, ssm.url, credentials);
      assert.equal(answered.result.statusCode, 200, answered.log);
      assert.equal(ssm.requests.length, 1);
      const request = ssm.requests[0]!;
      assert.equal(request.headers['x-amz-target'], 'AmazonSSM.GetParametersByPath');
      assert.equal(request.headers['x-amz-security-token'], credentials.AWS_SESSION_TOKEN);
      const authorization = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
        String(request.headers.authorization),
      );
      assert.ok(authorization, `not a SigV4 Authorization: ${request.headers.authorization}`);
      const [, accessKeyId, date, region, service, signedHeaders, signature] = authorization as unknown as string[];
      assert.equal(accessKeyId, credentials.AWS_ACCESS_KEY_ID);
      assert.equal(region, 'eu-west-1');
      assert.equal(service, 'ssm');
      assert.equal(String(request.headers['x-amz-date']).slice(0, 8), date);
      const signed = signedHeaders!.split(';');
      for (const header of ['host', 'x-amz-date', 'x-amz-security-token', 'x-amz-target']) assert.ok(signed.includes(header), `${header} is not signed`);
      // The signature, recomputed from the recorded request with the environment's secret key.
      assert.equal(signature, sigV4Signature(request, signed, credentials.AWS_SECRET_ACCESS_KEY, `${date}/${region}/${service}/aws4_request`));
    } finally {
      await Promise.all([ssm.close(), model.close()]);
    }
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

  it("works with docs/deploy.md's production options on its full context, as -c flags, and bundles the authorizer apart from the adapter", async () => {
    const synth = await cdkSynth({ ...documentedFullContext(), ...documentedProductionContext() });
    assert.equal(synth.code, 0, synth.stderr);
    const resources = Object.entries(template(synth.outdir, 'ContractAdapter-prod').Resources);
    const count = (type: string) => resources.filter(([, resource]) => resource.Type === type).length;
    assert.equal(count('AWS::ApiGateway::ApiKey'), 3);
    assert.equal(count('AWS::ApiGateway::UsagePlan'), 2);
    assert.equal(count('AWS::ApiGateway::DomainName'), 1);
    assert.equal(count('AWS::Route53::RecordSet'), 1);
    assert.equal(count('AWS::ApiGateway::Authorizer'), 1);
    assert.equal(count('AWS::WAFv2::WebACL'), 1);
    const [, group] = resources.find(([, resource]) => resource.Type === 'AWS::CodeDeploy::DeploymentGroup')!;
    assert.equal(group.Properties.DeploymentConfigName, 'CodeDeployDefault.LambdaCanary10Percent5Minutes');
    const [, authorizer] = resources.find(([id, resource]) => id.startsWith('ApiJwtAuthorizer') && resource.Type === 'AWS::Lambda::Function')!;
    const asset = join(synth.outdir, String(authorizer.Metadata?.['aws:asset:path']));
    const bundle = readFileSync(join(asset, 'index.mjs'), 'utf8');
    // aws-jwt-verify and the authorizer, nothing of the adapter, and only Node's own modules left outside.
    const size = statSync(join(asset, 'index.mjs')).size;
    assert.ok(size < 100 * 1024, `${size} bytes`);
    assert.match(bundle, /JWKS could not be fetched/);
    for (const absent of ['GetParametersByPath', 'UPSTREAM_ALLOWLIST', 'undici']) assert.ok(!bundle.includes(absent), absent);
    const imports = [...bundle.matchAll(/(?:^|[;}])import\s*(?:[^;'"]*?from)?\s*["']([^"']+)["']/g)].map((match) => match[1] ?? '');
    assert.deepEqual(imports.filter((specifier) => !specifier.startsWith('node:') && !['https', 'stream', 'crypto', 'util'].includes(specifier)), []);
    // The adapter's own bundle gained no authorizer code.
    const [, fn] = resources.find(([id, resource]) => id.startsWith('Handler') && resource.Type === 'AWS::Lambda::Function')!;
    assert.ok(!readFileSync(join(synth.outdir, String(fn.Metadata?.['aws:asset:path']), 'index.mjs'), 'utf8').includes('JWKS could not be fetched'));
  });

  it('refuses a bad context with a message that names the setting, and no stack trace', async () => {
    const synth = await cdkSynth({ timeoutSeconds: 40, models: { '../x': 'http://10.20.0.10:8080/' } });
    assert.notEqual(synth.code, 0);
    assert.match(synth.stderr, /timeoutSeconds: expected an integer from 3 to 28, got "40"/);
    assert.match(synth.stderr, /models: "\.\.\/x" is not a model name/);
    assert.doesNotMatch(synth.stderr, /\n\s+at .*\.ts:\d+/);
  });
});
