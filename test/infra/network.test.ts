import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import type { Template } from 'aws-cdk-lib/assertions';
import { documentedFullContext, onlyResource, resourcesOf, synthesize } from './synth.ts';

const demo = synthesize();
const full = synthesize(documentedFullContext());
const sharedEndpoint = synthesize({ ...documentedFullContext(), ssmEndpointSecurityGroupId: 'sg-0a1b2c3d4e5f60718' });
const sharedEndpoints = synthesize({ ...documentedFullContext(), ssmEndpointSecurityGroupId: 'sg-0a1b2c3d4e5f60718', xrayEndpointSecurityGroupId: 'sg-0a1b2c3d4e5f60719' });

const ENDPOINTS = { ssm: 'SSM Parameter Store endpoint', xray: 'X-Ray endpoint (active tracing)' } as const;

/** The stack's interface endpoints by service (ssm, xray). */
function endpoints(template: Template): Map<string, { id: string; properties: Record<string, unknown> }> {
  return new Map(
    Object.entries(resourcesOf(template, 'AWS::EC2::VPCEndpoint')).map(([id, resource]) => {
      const name = (resource.Properties?.ServiceName as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1][2] as string;
      return [name.slice(1), { id, properties: resource.Properties ?? {} }];
    }),
  );
}

/** The function's security group: its logical id and its inline egress rules. */
function functionSecurityGroup(template: Template): { id: string; egress: Record<string, unknown>[] } {
  const found = Object.entries(resourcesOf(template, 'AWS::EC2::SecurityGroup')).filter(([id]) => id.startsWith('NetworkFunctionSecurityGroup'));
  assert.equal(found.length, 1);
  const [id, resource] = found[0]!;
  return { id, egress: (resource.Properties?.SecurityGroupEgress as Record<string, unknown>[]) ?? [] };
}

/** Standalone egress rules whose source is the function's security group. */
function standaloneEgress(template: Template, groupId: string): Record<string, unknown>[] {
  return Object.values(resourcesOf(template, 'AWS::EC2::SecurityGroupEgress'))
    .map((rule) => rule.Properties ?? {})
    .filter((rule) => JSON.stringify(rule.GroupId).includes(groupId));
}

describe('the network', () => {
  it("lets the function reach only the models' CIDRs on the models' ports", () => {
    const { egress } = functionSecurityGroup(full.template);
    const rules = egress.map((rule) => `${String(rule.CidrIp)} tcp ${String(rule.FromPort)}-${String(rule.ToPort)}`).sort();
    assert.deepEqual(rules, [
      '10.40.16.0/20 tcp 443-443',
      '10.40.16.0/20 tcp 8080-8080',
      '10.40.32.0/20 tcp 443-443',
      '10.40.32.0/20 tcp 8080-8080',
    ]);
    for (const rule of egress) assert.equal(rule.IpProtocol, 'tcp');
    assert.deepEqual(
      functionSecurityGroup(demo.template).egress.map((rule) => [rule.CidrIp, rule.FromPort]),
      [['10.20.0.0/16', 8080]],
    );
  });

  it('lets the function reach SSM and X-Ray on 443 through their interface endpoints, and nothing else', () => {
    for (const { template } of [demo, full]) {
      const { id } = functionSecurityGroup(template);
      const found = endpoints(template);
      assert.deepEqual([...found.keys()].sort(), ['ssm', 'xray']);
      const egress = standaloneEgress(template, id);
      assert.equal(egress.length, 2);
      for (const [service, description] of Object.entries(ENDPOINTS)) {
        const endpoint = found.get(service)!;
        assert.equal(endpoint.properties.VpcEndpointType, 'Interface');
        assert.equal(endpoint.properties.PrivateDnsEnabled, true);
        assert.deepEqual(endpoint.properties.ServiceName, { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, `.${service}`]] });
        const endpointGroup = (endpoint.properties.SecurityGroupIds as { 'Fn::GetAtt': [string, string] }[])[0]!['Fn::GetAtt'][0];
        assert.deepEqual(
          egress.find((rule) => rule.Description === description),
          {
            GroupId: { 'Fn::GetAtt': [id, 'GroupId'] },
            IpProtocol: 'tcp',
            FromPort: 443,
            ToPort: 443,
            DestinationSecurityGroupId: { 'Fn::GetAtt': [endpointGroup, 'GroupId'] },
            Description: description,
          },
          service,
        );
        template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
          GroupId: { 'Fn::GetAtt': [endpointGroup, 'GroupId'] },
          SourceSecurityGroupId: { 'Fn::GetAtt': [id, 'GroupId'] },
          FromPort: 443,
          ToPort: 443,
        });
      }
    }
  });

  it("keeps the SSM endpoint's logical ids from before the X-Ray endpoint", () => {
    assert.match(endpoints(demo.template).get('ssm')!.id, /^NetworkSsmEndpoint[0-9A-F]{8}$/);
    assert.match(endpoints(demo.template).get('xray')!.id, /^NetworkXRayEndpoint[0-9A-F]{8}$/);
  });

  it('never opens the function to the internet', () => {
    for (const { template } of [demo, full, sharedEndpoint, sharedEndpoints]) {
      const text = JSON.stringify(template.toJSON());
      assert.ok(!text.includes('0.0.0.0/0'), '0.0.0.0/0 in the template');
      assert.ok(!text.includes('::/0'), '::/0 in the template');
    }
  });

  it('imports the given VPC and subnets by id, without creating a VPC', () => {
    full.template.resourceCountIs('AWS::EC2::VPC', 0);
    full.template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^Contract adapter function'),
      VpcId: 'vpc-0a1b2c3d4e5f60718',
    });
    full.template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcId: 'vpc-0a1b2c3d4e5f60718',
      SubnetIds: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'],
    });
  });

  it("uses an SSM endpoint the VPC already has, without touching that endpoint's security group", () => {
    assert.deepEqual([...endpoints(sharedEndpoint.template).keys()], ['xray']);
    sharedEndpoint.template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 1);
    const { id } = functionSecurityGroup(sharedEndpoint.template);
    assert.deepEqual(
      standaloneEgress(sharedEndpoint.template, id).find((rule) => rule.Description === ENDPOINTS.ssm),
      {
        GroupId: { 'Fn::GetAtt': [id, 'GroupId'] },
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
        DestinationSecurityGroupId: 'sg-0a1b2c3d4e5f60718',
        Description: ENDPOINTS.ssm,
      },
    );
  });

  it('uses the X-Ray endpoint the VPC already has too, when named: no endpoint, no ingress rule of ours', () => {
    sharedEndpoints.template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    sharedEndpoints.template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    const { id } = functionSecurityGroup(sharedEndpoints.template);
    assert.deepEqual(
      standaloneEgress(sharedEndpoints.template, id).map((rule) => [rule.Description, rule.DestinationSecurityGroupId]),
      [
        [ENDPOINTS.ssm, 'sg-0a1b2c3d4e5f60718'],
        [ENDPOINTS.xray, 'sg-0a1b2c3d4e5f60719'],
      ],
    );
  });

  it('builds a demonstration VPC of isolated subnets, with a flow log, when none is given', () => {
    // Both DNS attributes: the endpoints' private DNS needs them (docs/deploy.md, "DNS in the VPC").
    demo.template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.20.0.0/16', EnableDnsHostnames: true, EnableDnsSupport: true });
    demo.template.resourceCountIs('AWS::EC2::Subnet', 2);
    demo.template.resourceCountIs('AWS::EC2::NatGateway', 0);
    demo.template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    demo.template.hasResourceProperties('AWS::EC2::FlowLog', { ResourceType: 'VPC', TrafficType: 'REJECT' });
  });
});
