import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { Template } from 'aws-cdk-lib/assertions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { createAdapterApp } from '../../infra/adapter-app.ts';
import { documentedFullContext, documentedProductionContext, synthesize } from './synth.ts';

const configurations = {
  demo: synthesize(),
  full: synthesize(documentedFullContext()),
  private: synthesize({ endpointType: 'PRIVATE', apiVpcEndpointIds: ['vpce-0a1b2c3d4e5f60718'] }),
  // docs/deploy.md's production options (consumers, a custom domain with its record, auth=jwt)
  // on the full context, and allAtOnce.
  jwt: synthesize({ ...documentedFullContext(), ...documentedProductionContext(), deployment: 'allAtOnce' }),
  cognito: synthesize({ auth: 'cognito', userPoolArn: 'arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbCdEf123' }),
  'managed-instances': synthesize({ compute: 'managed-instances' }),
  'managed-instances-full': synthesize({ ...documentedFullContext(), reservedConcurrency: undefined, memorySize: 4096, compute: 'managed-instances' }),
};

interface Finding {
  readonly rule: string;
  readonly path: string;
}

/** What the AWS Solutions pack reports, with (default) or without the acknowledgements applied. */
function findings(scope: IConstruct, honourAcknowledgements: boolean): Finding[] {
  const pack = new AwsSolutionsChecks();
  if (!honourAcknowledgements) {
    (pack as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
  }
  return pack
    .validateScope(scope)
    .violations.flatMap((violation) => violation.violatingResources.map((resource) => ({ rule: violation.ruleName, path: resource.constructPath ?? '' })));
}

/** Every acknowledgement of a cdk-nag rule in the tree: where, which finding, and why. */
function acknowledgements(scope: IConstruct): { path: string; rule: string; reason: string }[] {
  return scope.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
      .map(([id, reason]) => ({ path: construct.node.path, rule: id.replace(/^annotation::/i, ''), reason }))
      .filter((ack) => ack.rule.startsWith('AwsSolutions-')),
  );
}

describe('cdk-nag AwsSolutionsChecks', () => {
  for (const [name, { app }] of Object.entries(configurations)) {
    it(`reports no unacknowledged error or warning (${name})`, () => {
      assert.deepEqual(findings(app, true), []);
    });

    it(`has every acknowledgement name a finding that exists, on the construct that has it (${name})`, () => {
      const raw = findings(app, false);
      const acks = acknowledgements(app);
      assert.ok(acks.length > 0);
      for (const ack of acks) {
        const covered = raw.filter((finding) => finding.rule === ack.rule && (finding.path === ack.path || finding.path.startsWith(`${ack.path}/`)));
        assert.ok(covered.length > 0, `${ack.rule} acknowledged on ${ack.path} matches no finding`);
        assert.ok(ack.reason.length >= 60, `${ack.rule} on ${ack.path}: the reason is too thin`);
      }
    });
  }

  it('acknowledges only what the configuration needs: no WAF warning once the WAF is on', () => {
    const rules = (name: keyof typeof configurations) => new Set(acknowledgements(configurations[name].app).map((ack) => ack.rule));
    assert.ok(rules('demo').has('AwsSolutions-APIG3'));
    assert.ok(!rules('full').has('AwsSolutions-APIG3'));
    assert.ok(rules('demo').has('AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]'));
    assert.ok(!rules('full').has('AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]'));
  });

  it('acknowledges the authorization rules only where the auth option leaves them unmet', () => {
    const rules = (name: keyof typeof configurations) => new Set(acknowledgements(configurations[name].app).map((ack) => ack.rule));
    assert.ok(rules('demo').has('AwsSolutions-APIG4') && rules('demo').has('AwsSolutions-COG4'), 'apiKey: neither an authorizer nor Cognito');
    assert.ok(!rules('jwt').has('AwsSolutions-APIG4') && rules('jwt').has('AwsSolutions-COG4'), 'jwt: an authorizer, not Cognito');
    assert.ok(!rules('cognito').has('AwsSolutions-APIG4') && !rules('cognito').has('AwsSolutions-COG4'), 'cognito: both met');
    for (const name of Object.keys(configurations) as (keyof typeof configurations)[]) {
      assert.ok(rules(name).has('AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited]'), name);
    }
  });

  it('runs on every synth of the app and fails it on an unacknowledged finding', (t) => {
    const { stack } = createAdapterApp({ context: { 'aws:cdk:bundling-stacks': [] } });
    new Topic(stack, 'TopicWithoutTls');
    // The CDK prints the report before throwing; keep it out of the test output.
    t.mock.method(console, 'error', () => undefined);
    let reportPath = '';
    assert.throws(
      () => Template.fromStack(stack),
      (error: Error) => {
        reportPath = /found in: (\S+\.json)/.exec(error.message)?.[1] ?? '';
        return /Validation failed/.test(error.message);
      },
    );
    const report = readFileSync(reportPath, 'utf8');
    assert.match(report, /AwsSolutions-SNS3/);
    assert.match(report, /TopicWithoutTls/);
  });

  it('keeps each acknowledgement and its reason in the template', () => {
    const resources = configurations.demo.template.toJSON().Resources as Record<string, { Metadata?: { cdk_nag?: { rules_to_suppress: { id: string; reason: string }[] } } }>;
    const written = Object.values(resources).flatMap((resource) => resource.Metadata?.cdk_nag?.rules_to_suppress ?? []);
    assert.ok(written.some((rule) => rule.id === 'AwsSolutions-IAM5[Resource::*]' && rule.reason.includes('X-Ray')));
  });
});
