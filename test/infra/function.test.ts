import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { checkMirrorsInfra } from '../../bench/scenarios/cold-start.ts';
import { ADAPTER_BUNDLING, BUNDLE_ALIASES, BUNDLE_LEFT_OUT } from '../../infra/adapter-function.ts';
import { lambdaEnvironment } from '../../infra/settings/index.ts';
import { readSettings } from '../../lambda/settings.ts';
import { documentedFullContext, projectFile, resourcesOf, synthesize } from './synth.ts';

const demo = synthesize();
const full = synthesize(documentedFullContext());

/** The logical id of the only API key. */
const apiKeyId = (template: typeof demo.template): string => {
  const keys = Object.keys(resourcesOf(template, 'AWS::ApiGateway::ApiKey'));
  assert.equal(keys.length, 1);
  return keys[0]!;
};

/** The adapter function (the demo VPC also has CDK's default-security-group custom resource). */
function adapterFunction(template: typeof demo.template) {
  const found = Object.entries(resourcesOf(template, 'AWS::Lambda::Function')).filter(([id]) => id.startsWith('Handler'));
  assert.equal(found.length, 1);
  return { id: found[0]![0], properties: found[0]![1].Properties ?? {} };
}

describe('the adapter function', () => {
  it('runs lambda/handler.ts on nodejs24.x, arm64, with active tracing', () => {
    demo.template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      TracingConfig: { Mode: 'Active' },
      MemorySize: 1024,
    });
    full.template.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 1536, ReservedConcurrentExecutions: 100 });
  });

  it("has exactly docs/contract.md's environment, and no NODE_OPTIONS (source maps stay off at run time)", () => {
    const { properties } = adapterFunction(full.template);
    assert.deepEqual(properties.Environment, {
      Variables: {
        PARAMETER_PREFIX: '/contract-adapter/prod',
        PARAMETER_CACHE_TTL_SECONDS: '60',
        UPSTREAM_TIMEOUT_MS: '8000',
        MAX_REQUEST_BYTES: '1048576',
        MAX_RESPONSE_BYTES: '5242880',
        MAX_JSON_DEPTH: '64',
        UPSTREAM_ALLOWLIST: 'churn.models.internal,10.40.16.0/20,10.40.32.0/20',
        // The single key's id, joined in by CloudFormation (the consumer `default`).
        CONSUMER_API_KEYS: { 'Fn::Join': ['', ['{"', { Ref: apiKeyId(full.template) }, '":"default"}']] },
        POWERTOOLS_SERVICE_NAME: 'contract-adapter',
        POWERTOOLS_METRICS_NAMESPACE: 'ContractAdapter',
      },
    });
    demo.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ PARAMETER_PREFIX: '/contract-adapter/dev', UPSTREAM_ALLOWLIST: '10.20.0.0/16' }) },
    });
  });

  it("has lambdaEnvironment's variables, which the Lambda's readSettings reads without a complaint", () => {
    for (const { stack, template } of [demo, full]) {
      const variables = (adapterFunction(template).properties.Environment as { Variables: Record<string, unknown> }).Variables;
      // CloudFormation's join of the key id, done here with a stand-in id.
      const joined = { ...variables, CONSUMER_API_KEYS: '{"k0a1b2c3d4":"default"}' } as Record<string, string>;
      assert.deepEqual(joined, lambdaEnvironment(stack.settings.function, { consumerApiKeys: new Map([['k0a1b2c3d4', 'default']]) }));
      assert.doesNotThrow(() => readSettings(joined));
    }
  });

  it('has no reserved concurrency unless asked', () => {
    assert.equal(adapterFunction(demo.template).properties.ReservedConcurrentExecutions, undefined);
  });

  it('times out before API Gateway does, and leaves the model deadline room to answer (G.45)', () => {
    for (const { template } of [demo, full]) {
      const { properties } = adapterFunction(template);
      const timeoutMs = (properties.Timeout as number) * 1000;
      const methods = Object.values(resourcesOf(template, 'AWS::ApiGateway::Method'));
      assert.ok(methods.length > 0);
      for (const method of methods) {
        const integration = method.Properties?.Integration as { TimeoutInMillis?: number };
        // Unset means API Gateway's default, 29 s.
        assert.ok(timeoutMs < (integration.TimeoutInMillis ?? 29_000), `Lambda ${timeoutMs} ms vs integration ${integration.TimeoutInMillis}`);
      }
      const upstreamMs = Number((properties.Environment as { Variables: Record<string, string> }).Variables.UPSTREAM_TIMEOUT_MS);
      assert.ok(upstreamMs < timeoutMs, `UPSTREAM_TIMEOUT_MS ${upstreamMs} vs Lambda ${timeoutMs} ms`);
    }
    assert.equal(adapterFunction(demo.template).properties.Timeout, 15);
    assert.equal(adapterFunction(full.template).properties.Timeout, 20);
  });

  it('logs to its own log group, with a retention, kept on teardown', () => {
    const { properties } = adapterFunction(full.template);
    const logGroupId = (properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    const logGroup = resourcesOf(full.template, 'AWS::Logs::LogGroup')[logGroupId];
    assert.equal(logGroup?.Properties?.RetentionInDays, 90);
    assert.equal(logGroup?.DeletionPolicy, 'Retain');
  });

  it('runs in the private subnets behind its own security group', () => {
    full.template.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: {
        SubnetIds: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'],
        SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^NetworkFunctionSecurityGroup'), 'GroupId'] }],
      },
    });
  });

  it('is bundled as minified ESM for Node 24 with source maps and the AWS SDK inside', () => {
    assert.equal(ADAPTER_BUNDLING.format, OutputFormat.ESM);
    assert.equal(ADAPTER_BUNDLING.target, 'node24');
    assert.equal(ADAPTER_BUNDLING.minify, true);
    assert.equal(ADAPTER_BUNDLING.sourceMap, true);
    assert.equal(ADAPTER_BUNDLING.bundleAwsSDK, true);
    assert.equal(ADAPTER_BUNDLING.externalModules, undefined);
    assert.match(ADAPTER_BUNDLING.banner ?? '', /createRequire\(import\.meta\.url\)/);
  });

  it("leaves undici's unused WASM parser out of the bundle, by undici's own bundler flag", () => {
    assert.deepEqual(ADAPTER_BUNDLING.define, { esbuildDetection: '1' });
  });

  it('swaps in the env-only credential provider and a CommonJS node:http, and leaves out what no path reaches', () => {
    assert.deepEqual(BUNDLE_ALIASES, {
      '@aws-sdk/credential-provider-node': './infra/bundle/credentials-from-env.ts',
      'node:http': './infra/bundle/node-http.cjs',
    });
    for (const standIn of Object.values(BUNDLE_ALIASES)) assert.ok(existsSync(projectFile(standIn)), `${standIn} is missing`);
    assert.deepEqual(BUNDLE_LEFT_OUT, ['../llhttp/llhttp-wasm.js', '../web/fetch/body.js', '../web/fetch/formdata', '../web/webidl', '@smithy/core/event-streams']);
    // NodejsFunction turns each array item into `--alias:item` / `--external:item`.
    assert.deepEqual(ADAPTER_BUNDLING.esbuildArgs, {
      '--alias': ['@aws-sdk/credential-provider-node=./infra/bundle/credentials-from-env.ts', 'node:http=./infra/bundle/node-http.cjs'],
      '--external': [...BUNDLE_LEFT_OUT],
    });
  });

  it('pins the credential provider it swaps in to the version installed', () => {
    const pinned = (JSON.parse(readFileSync(projectFile('package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies;
    const installed = JSON.parse(readFileSync(projectFile('node_modules/@aws-sdk/credential-provider-env/package.json'), 'utf8')) as { version: string };
    assert.equal(pinned['@aws-sdk/credential-provider-env'], installed.version);
  });

  it("is what the bench's cold-start scenario builds (bench/scenarios/cold-start.ts mirrors it)", () => {
    assert.doesNotThrow(checkMirrorsInfra);
  });
});
