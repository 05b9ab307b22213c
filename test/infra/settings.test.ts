import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import {
  ALARM_KEYS,
  API_KEYS,
  AUTH_KEYS,
  COMPUTE_KEYS,
  CONSUMER_KEYS,
  DEPLOYMENT_KEYS,
  DOMAIN_KEYS,
  DEMO_VPC_CIDR,
  FUNCTION_KEYS,
  NETWORK_KEYS,
  PARAMETER_KEYS,
  parameterPrefix,
  parseSettings,
  SETTING_KEYS,
  SettingsError,
  STACK_KEYS,
} from '../../infra/settings/index.ts';
import type { SettingsContext } from '../../infra/settings/index.ts';
import { documentedFullContext, projectFile } from './synth.ts';

const imported = {
  vpcId: 'vpc-0a1b2c3d4e5f60718',
  subnetIds: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'],
  modelCidrs: ['10.40.16.0/20'],
  modelPorts: [8080],
};

/** The problems parseSettings reports for a context (fails if it accepts it). */
function problemsOf(context: SettingsContext): readonly string[] {
  try {
    parseSettings(context);
  } catch (error) {
    assert.ok(error instanceof SettingsError, `expected a SettingsError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail('parseSettings accepted an invalid context');
}

function assertProblem(context: SettingsContext, pattern: RegExp): void {
  const problems = problemsOf(context);
  assert.ok(problems.some((problem) => pattern.test(problem)), `no problem matches ${pattern}: ${problems.join(' | ')}`);
}

describe('parseSettings', () => {
  it('builds the demonstration setup from no context at all', () => {
    const settings = parseSettings({});
    assert.equal(settings.stack.stage, 'dev');
    assert.deepEqual(settings.network.vpc, { kind: 'demo' });
    assert.deepEqual(settings.network.modelCidrs, [DEMO_VPC_CIDR]);
    assert.deepEqual(settings.network.modelPorts, [8080]);
    assert.deepEqual([...settings.parameters.models], [['iris', 'http://10.20.0.10:8080/predict']]);
    assert.equal(settings.api.endpointType, 'REGIONAL');
    assert.equal(settings.api.waf, false);
    assert.equal(settings.function.reservedConcurrency, undefined);
    assert.equal(settings.alarms.alarmEmail, undefined);
  });

  it("defaults the Lambda environment to docs/contract.md's table", () => {
    const settings = parseSettings({});
    assert.equal(settings.function.parameterCacheTtlSeconds, 30);
    assert.equal(settings.function.upstreamTimeoutMs, 10_000);
    assert.equal(settings.function.maxRequestBytes, 1_048_576);
    assert.equal(settings.function.maxResponseBytes, 5_242_880);
    assert.equal(settings.function.maxJsonDepth, 64);
  });

  it('reads the documented full context', () => {
    const settings = parseSettings(documentedFullContext());
    assert.equal(settings.stack.stage, 'prod');
    assert.equal(settings.network.vpc.kind, 'imported');
    assert.deepEqual(settings.network.modelHosts, ['churn.models.internal']);
    assert.equal(settings.parameters.models.size, 2);
    assert.equal(settings.api.waf, true);
    assert.equal(settings.function.reservedConcurrency, 100);
    assert.equal(settings.api.quotaPeriod, 'MONTH');
  });

  it('reads `-c key=value` strings the same as JSON values', () => {
    const fromStrings = parseSettings({
      vpcId: imported.vpcId,
      subnetIds: imported.subnetIds.join(','),
      modelCidrs: '["10.40.16.0/20"]',
      modelPorts: '8080',
      models: '{"iris":"http://10.40.16.25:8080/predict"}',
      throttleRateLimit: '200',
      waf: 'true',
    });
    assert.deepEqual(fromStrings.network.vpc, {
      kind: 'imported',
      vpcId: imported.vpcId,
      subnetIds: imported.subnetIds,
      ssmEndpointSecurityGroupId: undefined,
      xrayEndpointSecurityGroupId: undefined,
    });
    assert.deepEqual(fromStrings.network.modelCidrs, ['10.40.16.0/20']);
    assert.deepEqual(fromStrings.network.modelPorts, [8080]);
    assert.equal(fromStrings.parameters.models.get('iris'), 'http://10.40.16.25:8080/predict');
    assert.equal(fromStrings.api.throttleRateLimit, 200);
    assert.equal(fromStrings.api.waf, true);
  });

  it('has no demo defaults once a VPC is given: the models and their egress are explicit', () => {
    const settings = parseSettings(imported);
    assert.equal(settings.parameters.models.size, 0);
    assertProblem({ vpcId: imported.vpcId, subnetIds: imported.subnetIds }, /^modelCidrs: required with vpcId/);
    assertProblem({ vpcId: imported.vpcId, subnetIds: imported.subnetIds }, /^modelPorts: required with vpcId/);
  });

  it('requires private subnets with a VPC, and a VPC for subnets', () => {
    assertProblem({ ...imported, subnetIds: undefined }, /^subnetIds: required with vpcId/);
    assertProblem({ subnetIds: imported.subnetIds }, /^subnetIds: only meaningful with vpcId/);
    assertProblem({ ...imported, vpcId: 'vpc-1' }, /^vpcId: expected a VPC id/);
    assertProblem({ ...imported, subnetIds: ['subnet-0a1b2c3d4e5f60001', 'sg-0a1b2c3d4e5f60001'] }, /^subnetIds: .*"sg-0a1b2c3d4e5f60001"/);
  });

  it('refuses CIDRs that are malformed, not canonical or wide open', () => {
    for (const cidr of ['0.0.0.0/0', '10.0.0.0/7', '10.40.16.1/20', '10.40.16.0/33', '10.40.16.0', '300.1.1.0/24']) {
      assertProblem({ ...imported, modelCidrs: [cidr] }, /^modelCidrs: /);
    }
  });

  it('refuses endpoints the contract, the security group or the allowlist would refuse', () => {
    const cases: [string, RegExp][] = [
      ['ftp://10.40.16.25:8080/predict', /must be http or https/],
      ['http://user@10.40.16.25:8080/predict', /userinfo/],
      ['http://10.40.16.25:8080/predict#x', /fragment/],
      ['http://10.40.16.25/predict', /port 80, which modelPorts/],
      ['http://10.41.0.1:8080/predict', /outside modelCidrs/],
      ['http://models.internal:8080/predict', /host models.internal, which modelHosts does not list/],
      ['not a url', /not an absolute URL/],
    ];
    for (const [endpoint, pattern] of cases) {
      assertProblem({ ...imported, models: { iris: endpoint } }, pattern);
    }
    const withHost = parseSettings({ ...imported, modelHosts: ['models.internal'], models: { iris: 'http://models.internal:8080/p' } });
    assert.equal(withHost.parameters.models.get('iris'), 'http://models.internal:8080/p');
  });

  it('reads CIDRs as node:net does, so UPSTREAM_ALLOWLIST takes what modelCidrs took', () => {
    // A leading zero passed the old hand-written parser, and the Lambda's allowlist refused it.
    for (const cidr of ['010.40.16.0/20', '10.40.016.0/20', '10.40.16.0/020']) {
      assertProblem({ ...imported, modelCidrs: [cidr] }, /^modelCidrs: /);
    }
    assert.deepEqual(parseSettings({ ...imported, modelCidrs: ['10.40.16.0/20', '10.1.2.3/32'] }).network.modelCidrs, ['10.40.16.0/20', '10.1.2.3/32']);
  });

  it('matches endpoint addresses against modelCidrs with a node:net BlockList', () => {
    const endpoints = { first: 'http://10.40.16.0:8080/p', last: 'http://10.40.31.255:8080/p', hex: 'http://0x0a.40.16.25:8080/p' };
    assert.deepEqual(Object.fromEntries(parseSettings({ ...imported, models: endpoints }).parameters.models), {
      first: 'http://10.40.16.0:8080/p',
      last: 'http://10.40.31.255:8080/p',
      hex: 'http://0x0a.40.16.25:8080/p',
    });
    assertProblem({ ...imported, models: { iris: 'http://10.40.32.0:8080/p' } }, /^models.iris: the endpoint points at 10.40.32.0, outside modelCidrs \(10.40.16.0\/20\)$/);
    assertProblem({ ...imported, models: { iris: 'http://10.40.15.255:8080/p' } }, /outside modelCidrs/);
    // IPv6, even an IPv4-mapped address inside a CIDR: the security group's rules are IPv4.
    for (const endpoint of ['http://[::1]:8080/p', 'http://[::ffff:10.40.16.25]:8080/p']) {
      assertProblem({ ...imported, models: { iris: endpoint } }, /^models.iris: the endpoint points at \[.*\], an IPv6 address: modelCidrs and the security group are IPv4 only$/);
    }
  });

  it("refuses model names docs/contract.md's {model} pattern refuses", () => {
    for (const name of ['../admin', 'a/b', '-lead', 'x'.repeat(65), '']) {
      assertProblem({ ...imported, models: { [name]: 'http://10.40.16.25:8080/predict' } }, /^models: .* is not a model name/);
    }
  });

  it('keeps the Lambda timeout below the integration timeout and the model deadline below both', () => {
    assertProblem({ timeoutSeconds: 29 }, /^timeoutSeconds: expected an integer from 3 to 28/);
    assertProblem({ timeoutSeconds: 10, upstreamTimeoutMs: 9500 }, /^upstreamTimeoutMs: must be at least 1000 ms below the Lambda timeout/);
    assert.equal(parseSettings({ timeoutSeconds: 10, upstreamTimeoutMs: 9000 }).function.upstreamTimeoutMs, 9000);
  });

  it('requires execute-api endpoints for a private API, and only for one', () => {
    assertProblem({ endpointType: 'PRIVATE' }, /^apiVpcEndpointIds: required when endpointType is PRIVATE/);
    assertProblem({ apiVpcEndpointIds: ['vpce-0a1b2c3d4e5f60718'] }, /^apiVpcEndpointIds: only meaningful/);
    const settings = parseSettings({ endpointType: 'PRIVATE', apiVpcEndpointIds: 'vpce-0a1b2c3d4e5f60718' });
    assert.deepEqual(settings.api.apiVpcEndpointIds, ['vpce-0a1b2c3d4e5f60718']);
  });

  it('refuses out-of-range numbers, unknown choices and non-booleans', () => {
    assertProblem({ memorySize: 64 }, /^memorySize: /);
    assertProblem({ throttleRateLimit: '1.5' }, /^throttleRateLimit: /);
    assertProblem({ quotaPeriod: 'YEAR' }, /^quotaPeriod: expected one of DAY, WEEK, MONTH/);
    assertProblem({ logRetentionDays: 31 }, /^logRetentionDays: must be one of/);
    assertProblem({ waf: 'yes' }, /^waf: expected true or false/);
    assertProblem({ maxRequestBytes: 4 * 1024 * 1024 }, /^maxRequestBytes: /);
    assertProblem({ stage: 'Prod' }, /^stage: /);
    assertProblem({ alarmEmail: 'oncall' }, /^alarmEmail: /);
    assertProblem({ parameterKmsKeyArn: 'alias/aws/ssm' }, /^parameterKmsKeyArn: /);
  });

  it('takes a customer managed key for SecureString parameters, and none by default', () => {
    const arn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    assert.equal(parseSettings({}).parameters.parameterKmsKeyArn, undefined);
    assert.equal(parseSettings({ parameterKmsKeyArn: arn }).parameters.parameterKmsKeyArn, arn);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({ stage: 'Prod', memorySize: 1, waf: 'maybe' });
    assert.equal(problems.length, 3);
    assert.match(new SettingsError(problems).message, /stage: [\s\S]*waf: [\s\S]*memorySize: /);
  });
});

describe('parameterPrefix', () => {
  it("is docs/contract.md's /contract-adapter/{stage}", () => {
    assert.equal(parameterPrefix('prod'), '/contract-adapter/prod');
  });
});

describe('SETTING_KEYS', () => {
  it("is every construct's keys, each once", () => {
    const groups = [STACK_KEYS, NETWORK_KEYS, PARAMETER_KEYS, API_KEYS, CONSUMER_KEYS, AUTH_KEYS, DOMAIN_KEYS, FUNCTION_KEYS, COMPUTE_KEYS, DEPLOYMENT_KEYS, ALARM_KEYS].flat();
    assert.equal(new Set(groups).size, groups.length, 'a key read by two constructs');
    assert.deepEqual([...SETTING_KEYS].sort(), [...groups].sort());
  });

  it("is docs/deploy.md's Settings table, in its order", () => {
    const doc = readFileSync(projectFile('docs/deploy.md'), 'utf8');
    const table = doc.slice(doc.indexOf('## Settings (CDK context)'), doc.indexOf('### Example: a full context'));
    const keys = [...table.matchAll(/^\| `([A-Za-z][A-Za-z0-9]*)` \|/gm)].map((match) => match[1]);
    assert.deepEqual(keys, [...SETTING_KEYS]);
  });

  it('orders problems as it lists the keys, whichever construct reads them', () => {
    const problems = problemsOf({ parameterKmsKeyArn: 'x', alarmEmail: 'x', maxJsonDepth: 0, logRetentionDays: 2, waf: 'x', models: 'x', stage: 'X' });
    assert.deepEqual(
      problems.map((problem) => problem.split(':')[0]),
      ['stage', 'models', 'waf', 'logRetentionDays', 'maxJsonDepth', 'alarmEmail', 'parameterKmsKeyArn'],
    );
  });
});
