import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { documentedFullContext, resourcesOf, synthesize } from './synth.ts';
import type { Synthesized } from './synth.ts';

const demo = synthesize();
const full = synthesize(documentedFullContext());

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Every statement of every inline policy attached to the adapter function's role. */
function functionRoleStatements({ template }: Synthesized): Statement[] {
  const fn = Object.entries(resourcesOf(template, 'AWS::Lambda::Function')).find(([id]) => id.startsWith('Handler'));
  assert.ok(fn);
  const roleId = (fn[1].Properties?.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const policies = Object.values(resourcesOf(template, 'AWS::IAM::Policy')).filter((policy) =>
    (policy.Properties?.Roles as { Ref: string }[]).some((role) => role.Ref === roleId),
  );
  assert.ok(policies.length > 0);
  return policies.flatMap((policy) => (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
}

/** An ARN as CloudFormation will join it, with the pseudo parameters left as <AWS::...>. */
function render(resource: unknown): string {
  if (typeof resource === 'string') return resource;
  const join = (resource as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join !== undefined) return join[1].map(render).join(join[0]);
  const ref = (resource as { Ref?: string }).Ref;
  if (ref !== undefined) return `<${ref}>`;
  return JSON.stringify(resource);
}

describe('SSM parameters', () => {
  it('holds one String parameter per configured model under /contract-adapter/{stage}/models', () => {
    demo.template.resourceCountIs('AWS::SSM::Parameter', 1);
    demo.template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/contract-adapter/dev/models/iris/endpoint',
      Type: 'String',
      Value: 'http://10.20.0.10:8080/predict',
    });
    full.template.resourceCountIs('AWS::SSM::Parameter', 2);
    full.template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/contract-adapter/prod/models/churn-v2/endpoint',
      Type: 'String',
      Value: 'https://churn.models.internal/v2/predict',
    });
  });
});

describe("the function's permissions", () => {
  for (const [name, synthesized, stage] of [['demo', demo, 'dev'], ['full', full, 'prod']] as const) {
    it(`read the stage's prefix only, by path and below it (${name})`, () => {
      const ssm = functionRoleStatements(synthesized).filter((statement) => list(statement.Action).some((action) => action.startsWith('ssm:')));
      assert.equal(ssm.length, 1);
      const [statement] = ssm;
      assert.equal(statement!.Effect, 'Allow');
      assert.deepEqual(list(statement!.Action).sort(), ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath']);
      const base = `arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/contract-adapter/${stage}`;
      assert.deepEqual(list(statement!.Resource).map(render).sort(), [base, `${base}/*`]);
    });

    it(`hold no wildcard SSM action, no KMS, and no SSM on Resource * (${name})`, () => {
      for (const statement of functionRoleStatements(synthesized)) {
        const actions = list(statement.Action);
        for (const action of actions) {
          assert.ok(!/^(ssm:\*|\*|kms:)/.test(action), `unexpected action ${action}`);
        }
        if (actions.some((action) => action.startsWith('ssm:'))) {
          assert.ok(!list(statement.Resource).includes('*'), 'ssm on Resource *');
        }
      }
    });

    it(`write only to the function's own log group, and hold no AWS-managed policy (${name})`, () => {
      const logs = functionRoleStatements(synthesized).filter((statement) => list(statement.Action).some((action) => action.startsWith('logs:')));
      assert.equal(logs.length, 1);
      assert.deepEqual(list(logs[0]!.Action).sort(), ['logs:CreateLogStream', 'logs:PutLogEvents']);
      assert.match(JSON.stringify(logs[0]!.Resource), /^\{"Fn::GetAtt":\["HandlerLogs[0-9A-F]{8}","Arn"\]\}$/);
      const role = Object.entries(resourcesOf(synthesized.template, 'AWS::IAM::Role')).find(([id]) => id.startsWith('HandlerRole'));
      assert.equal(role?.[1].Properties?.ManagedPolicyArns, undefined);
    });
  }

  it('keep Resource * to the actions that have no resource-level permissions', () => {
    const wildcard = functionRoleStatements(full).filter((statement) => list(statement.Resource).includes('*'));
    const actions = wildcard.flatMap((statement) => list(statement.Action)).sort();
    assert.deepEqual(actions, [
      'ec2:AssignPrivateIpAddresses',
      'ec2:CreateNetworkInterface',
      'ec2:DeleteNetworkInterface',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeSubnets',
      'ec2:UnassignPrivateIpAddresses',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
  });
});

describe('SecureString parameters under a customer managed key (parameterKmsKeyArn)', () => {
  const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const withKey = synthesize({ ...documentedFullContext(), parameterKmsKeyArn: keyArn });

  it('add kms:Decrypt on that key alone, only through SSM', () => {
    const kms = functionRoleStatements(withKey).filter((statement) => list(statement.Action).some((action) => action.startsWith('kms:')));
    assert.equal(kms.length, 1);
    assert.deepEqual(list(kms[0]!.Action), ['kms:Decrypt']);
    assert.deepEqual(list(kms[0]!.Resource), [keyArn]);
    assert.deepEqual(JSON.parse(JSON.stringify(kms[0]!.Condition).replace(/\{"Ref":"AWS::Region"\}/g, '"<region>"')), {
      StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['ssm.', '<region>', '.amazonaws.com']] } },
    });
  });
});
