// `-c compute=managed-instances`: the capacity provider in the function's subnets with the
// function's security group, the function attached to it with its concurrency, memory per
// vCPU and environments, and nothing of it on Lambda's default model (the default).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { parseSettings, SettingsError } from '../../infra/settings/index.ts';
import type { SettingsContext } from '../../infra/settings/index.ts';
import { documentedFullContext, onlyResource, resourcesOf, synthesize, type Synthesized } from './synth.ts';

const onDemand = synthesize();
const lmi = synthesize({ compute: 'managed-instances' });
const lmiImported = synthesize({
  ...documentedFullContext(),
  reservedConcurrency: undefined,
  compute: 'managed-instances',
  memorySize: 4096,
  maxVCpuCount: 48,
  minExecutionEnvironments: 2,
  maxExecutionEnvironments: 10,
});

const handlerOf = ({ template }: Synthesized) => {
  const found = Object.entries(resourcesOf(template, 'AWS::Lambda::Function')).filter(([id]) => id.startsWith('Handler'));
  assert.equal(found.length, 1);
  return { id: found[0]![0], properties: found[0]![1].Properties ?? {} };
};
const ref = (value: unknown): string => JSON.stringify(value);

describe('compute=managed-instances', () => {
  it('is off by default: no capacity provider, the function in the VPC as before', () => {
    lmi.template.resourceCountIs('AWS::Lambda::CapacityProvider', 1);
    onDemand.template.resourceCountIs('AWS::Lambda::CapacityProvider', 0);
    const { properties } = handlerOf(onDemand);
    assert.equal(properties.CapacityProviderConfig, undefined);
    assert.ok(properties.VpcConfig !== undefined);
    assert.equal(properties.MemorySize, 1024);
  });

  it("places the instances in the function's private subnets with the function's security group, arm64, auto-scaled under a vCPU cap", () => {
    const provider = onlyResource(lmi.template, 'AWS::Lambda::CapacityProvider').properties;
    // The SSM endpoint's subnets (the X-Ray endpoint sits in the same ones).
    const ssmEndpoint = Object.values(resourcesOf(onDemand.template, 'AWS::EC2::VPCEndpoint')).find((endpoint) => JSON.stringify(endpoint.Properties?.ServiceName).includes('.ssm'));
    assert.ok(ssmEndpoint, 'an SSM endpoint');
    const subnets = (ssmEndpoint.Properties?.SubnetIds as unknown[]).map(ref);
    const vpcConfig = provider.VpcConfig as { SubnetIds: unknown[]; SecurityGroupIds: unknown[] };
    assert.deepEqual(vpcConfig.SubnetIds.map(ref), subnets, 'the subnets the function (and the SSM endpoint) use');
    const onDemandFunctionGroups = (handlerOf(onDemand).properties.VpcConfig as { SecurityGroupIds: unknown[] }).SecurityGroupIds.map(ref);
    assert.deepEqual(vpcConfig.SecurityGroupIds.map(ref), onDemandFunctionGroups, "the function's security group, nothing more");
    assert.deepEqual(provider.InstanceRequirements, { Architectures: ['arm64'] });
    assert.deepEqual(provider.CapacityProviderScalingConfig, { MaxVCpuCount: 24, ScalingMode: 'Auto' });
    assert.ok(provider.TelemetryConfig !== undefined, 'system logs in a log group of the stack, with its retention');

    const imported = onlyResource(lmiImported.template, 'AWS::Lambda::CapacityProvider').properties;
    assert.deepEqual((imported.VpcConfig as { SubnetIds: unknown[] }).SubnetIds, ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002']);
    assert.deepEqual(imported.CapacityProviderScalingConfig, { MaxVCpuCount: 48, ScalingMode: 'Auto' });
  });

  it("keeps the security group's egress exactly as on Lambda's default model: the models' CIDRs and ports, and SSM", () => {
    const egress = (s: Synthesized) => JSON.stringify(Object.values(resourcesOf(s.template, 'AWS::EC2::SecurityGroup')).map((group) => group.Properties?.SecurityGroupEgress));
    assert.equal(egress(lmi), egress(onDemand));
    const rules = (s: Synthesized) => JSON.stringify(Object.values(resourcesOf(s.template, 'AWS::EC2::SecurityGroupEgress')).map((rule) => rule.Properties));
    assert.equal(rules(lmi), rules(onDemand));
  });

  it('attaches the function: 64 invocations per environment and vCPU, 2 GiB per vCPU, 2048 MB; the version the live alias invokes keeps three environments', () => {
    const { properties } = handlerOf(lmi);
    assert.deepEqual(properties.CapacityProviderConfig, {
      LambdaManagedInstancesCapacityProviderConfig: {
        CapacityProviderArn: { 'Fn::GetAtt': [onlyResource(lmi.template, 'AWS::Lambda::CapacityProvider').id, 'Arn'] },
        ExecutionEnvironmentMemoryGiBPerVCpu: 2,
        PerExecutionEnvironmentMaxConcurrency: 64,
      },
    });
    assert.equal(properties.MemorySize, 2048);
    // API Gateway invokes the live alias: the numbered versions keep the environments, and no
    // $LATEST.PUBLISHED is published to keep three more that nothing invokes.
    const versionOf = (s: Synthesized) => onlyResource(s.template, 'AWS::Lambda::Version').properties;
    assert.deepEqual(versionOf(lmi).FunctionScalingConfig, { MinExecutionEnvironments: 3 });
    assert.equal(properties.PublishToLatestPublished, false);
    assert.equal(properties.FunctionScalingConfig, undefined);
    const alias = onlyResource(lmi.template, 'AWS::Lambda::Alias').properties;
    assert.deepEqual(alias.FunctionVersion, { 'Fn::GetAtt': [onlyResource(lmi.template, 'AWS::Lambda::Version').id, 'Version'] });
    assert.equal(properties.VpcConfig, undefined, "the network is the capacity provider's");
    assert.equal(properties.Runtime, 'nodejs24.x');
    assert.deepEqual(properties.Architectures, ['arm64']);

    const imported = handlerOf(lmiImported).properties;
    assert.equal(imported.MemorySize, 4096);
    assert.equal((imported.CapacityProviderConfig as { LambdaManagedInstancesCapacityProviderConfig: { PerExecutionEnvironmentMaxConcurrency: number } }).LambdaManagedInstancesCapacityProviderConfig.PerExecutionEnvironmentMaxConcurrency, 128, '64 per vCPU, 2 vCPUs');
    assert.deepEqual(versionOf(lmiImported).FunctionScalingConfig, { MinExecutionEnvironments: 2, MaxExecutionEnvironments: 10 });
  });

  it("gives the function's role no network-interface actions, and the operator role AWS's policy and its own log group only", () => {
    const policies = (s: Synthesized) => JSON.stringify(Object.entries(resourcesOf(s.template, 'AWS::IAM::Policy')).filter(([id]) => id.startsWith('HandlerRole')));
    assert.match(policies(onDemand), /ec2:CreateNetworkInterface/);
    assert.doesNotMatch(policies(lmi), /ec2:/);
    lmi.template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })] }),
      ManagedPolicyArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AWSLambdaManagedEC2ResourceOperator']] }],
    });
    const operator = JSON.stringify(Object.entries(resourcesOf(lmi.template, 'AWS::IAM::Policy')).filter(([id]) => id.startsWith('ManagedInstancesOperatorRole')));
    assert.match(operator, /logs:PutLogEvents/);
    assert.match(operator, /ManagedInstancesSystemLogs/);
    lmi.template.hasOutput('CapacityProvider', {});
  });
});

describe('compute settings', () => {
  const problemsOf = (context: SettingsContext): readonly string[] => {
    try {
      parseSettings(context);
    } catch (error) {
      assert.ok(error instanceof SettingsError);
      return error.problems;
    }
    return assert.fail('accepted');
  };

  it('defaults to on-demand, and on LMI to 2048 MB, 64 per vCPU, 24 vCPUs, three environments', () => {
    assert.deepEqual(parseSettings({}).compute, { kind: 'on-demand' });
    assert.deepEqual(parseSettings({ compute: 'managed-instances' }).compute, {
      kind: 'managed-instances',
      memorySize: 2048,
      vCpus: 1,
      maxConcurrency: 64,
      maxVCpuCount: 24,
      minExecutionEnvironments: 3,
      maxExecutionEnvironments: undefined,
    });
    assert.equal((parseSettings({ compute: 'managed-instances', memorySize: '8192', maxConcurrency: '100' }).compute as { maxConcurrency: number }).maxConcurrency, 100);
  });

  it('reports every problem at once, by key', () => {
    assert.deepEqual(problemsOf({ compute: 'fargate', maxConcurrency: 10 }).map((p) => p.split(':')[0]), ['compute', 'maxConcurrency']);
    assert.deepEqual(problemsOf({ maxConcurrency: 10, maxVCpuCount: 12, minExecutionEnvironments: 1, maxExecutionEnvironments: 2 }), [
      'maxConcurrency: applies only with compute=managed-instances',
      'maxVCpuCount: applies only with compute=managed-instances',
      'minExecutionEnvironments: applies only with compute=managed-instances',
      'maxExecutionEnvironments: applies only with compute=managed-instances',
    ]);
    const problems = problemsOf({ compute: 'managed-instances', memorySize: 1024, maxConcurrency: 0, maxVCpuCount: 4, minExecutionEnvironments: 5, maxExecutionEnvironments: 2 });
    assert.deepEqual(problems.map((p) => p.split(':')[0]), ['memorySize', 'maxConcurrency', 'maxVCpuCount', 'maxExecutionEnvironments']);
    assert.match(problems[0]!, /a multiple of 2048 MB .* at least 2048, got 1024/);
    assert.match(problemsOf({ compute: 'managed-instances', memorySize: 3000 })[0]!, /^memorySize: with compute=managed-instances/);
  });
});
