import { Fn, RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  CfnVPCEndpoint,
  FlowLogDestination,
  FlowLogTrafficType,
  InterfaceVpcEndpointAwsService,
  IpAddresses,
  Peer,
  Port,
  SecurityGroup,
  Subnet,
  SubnetType,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import type { ISecurityGroup, ISubnet, IVpc } from 'aws-cdk-lib/aws-ec2';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DEMO_VPC_CIDR } from './settings/network.ts';
import type { NetworkSettings } from './settings/network.ts';

export interface AdapterNetworkProps extends Pick<NetworkSettings, 'vpc' | 'modelCidrs' | 'modelPorts'> {
  readonly logRetention: RetentionDays;
}

/**
 * Where the adapter function runs and what it may reach: the models' CIDRs on the models'
 * ports, and SSM and X-Ray through interface endpoints. Nothing else leaves its security group.
 * The X-Ray endpoint is there for active tracing: AWS documents the daemon as running in the
 * function's execution environment and a VPC function as reaching AWS services only through a
 * NAT or an endpoint, and documents no exception for the daemon (docs/deploy.md, "Traces").
 */
export class AdapterNetwork extends Construct {
  readonly vpc: IVpc;
  readonly subnets: readonly ISubnet[];
  readonly functionSecurityGroup: SecurityGroup;

  constructor(scope: Construct, id: string, props: AdapterNetworkProps) {
    super(scope, id);
    const { vpc } = props;

    if (vpc.kind === 'imported') {
      // Attributes only, never fromLookup: synth stays offline and needs no credentials. The
      // subnets are chosen by id, so the VPC's AZs are never read: the region's list will do.
      this.vpc = Vpc.fromVpcAttributes(this, 'Vpc', { vpcId: vpc.vpcId, availabilityZones: Fn.getAzs() });
      this.subnets = vpc.subnetIds.map((subnetId) => Subnet.fromSubnetId(this, subnetId, subnetId));
      Validations.of(this).acknowledge(
        {
          id: 'Annotation::@aws-cdk/aws-ec2:vpcAttributeIsListTokenavailabilityZones',
          reason: 'The subnets are imported by id and selected explicitly; nothing in this stack reads the VPC\'s AZ list.',
        },
        {
          id: 'Annotation::@aws-cdk/aws-ec2:noSubnetRouteTableId',
          reason: 'The stack only places the function and the SSM endpoint in these subnets; it never reads or changes their routes.',
        },
      );
    } else {
      const demo = this.demoVpc(props.logRetention);
      this.vpc = demo;
      this.subnets = demo.isolatedSubnets;
    }

    this.functionSecurityGroup = new SecurityGroup(this, 'FunctionSecurityGroup', {
      vpc: this.vpc,
      description: 'Contract adapter function: egress to the models and to SSM only',
      allowAllOutbound: false,
    });
    for (const cidr of props.modelCidrs) {
      for (const port of props.modelPorts) {
        this.functionSecurityGroup.addEgressRule(Peer.ipv4(cidr), Port.tcp(port), `Models in ${cidr} on ${port}`);
      }
    }

    const ssmEndpointSecurityGroup =
      vpc.kind === 'imported' && vpc.ssmEndpointSecurityGroupId !== undefined
        ? // Someone else's endpoint: add our egress rule, leave their security group untouched.
          SecurityGroup.fromSecurityGroupId(this, 'SsmEndpointSecurityGroup', vpc.ssmEndpointSecurityGroupId, {
            mutable: false,
          })
        : this.interfaceEndpoint('Ssm', InterfaceVpcEndpointAwsService.SSM, 'SSM interface endpoint: HTTPS from the contract adapter function only');
    this.functionSecurityGroup.connections.allowTo(ssmEndpointSecurityGroup, Port.tcp(443), 'SSM Parameter Store endpoint');

    const xrayEndpointSecurityGroup =
      vpc.kind === 'imported' && vpc.xrayEndpointSecurityGroupId !== undefined
        ? SecurityGroup.fromSecurityGroupId(this, 'XRayEndpointSecurityGroup', vpc.xrayEndpointSecurityGroupId, { mutable: false })
        : this.interfaceEndpoint('XRay', InterfaceVpcEndpointAwsService.XRAY, 'X-Ray interface endpoint: HTTPS from the contract adapter function only');
    this.functionSecurityGroup.connections.allowTo(xrayEndpointSecurityGroup, Port.tcp(443), 'X-Ray endpoint (active tracing)');
  }

  /** Two AZs of isolated subnets, no NAT: the models and the SSM endpoint are all it needs. */
  private demoVpc(logRetention: RetentionDays): Vpc {
    const vpc = new Vpc(this, 'DemoVpc', {
      ipAddresses: IpAddresses.cidr(DEMO_VPC_CIDR),
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'private', subnetType: SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
    });
    const flowLogs = new LogGroup(this, 'DemoVpcFlowLogs', { retention: logRetention, removalPolicy: RemovalPolicy.DESTROY });
    vpc.addFlowLog('RejectedFlows', {
      destination: FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: FlowLogTrafficType.REJECT,
    });
    return vpc;
  }

  /**
   * An interface endpoint with private DNS, open to the function only (`name` is SSM's `Ssm`,
   * kept from when it was the only one, so its logical ids stay). The L1 resource, because the
   * L2 places one subnet per AZ and imported subnet ids carry no AZ without a lookup.
   */
  private interfaceEndpoint(name: string, service: InterfaceVpcEndpointAwsService, description: string): ISecurityGroup {
    const securityGroup = new SecurityGroup(this, `${name}EndpointSecurityGroup`, {
      vpc: this.vpc,
      description,
      allowAllOutbound: false,
    });
    new CfnVPCEndpoint(this, `${name}Endpoint`, {
      vpcId: this.vpc.vpcId,
      serviceName: service.name,
      vpcEndpointType: 'Interface',
      subnetIds: this.subnets.map((subnet) => subnet.subnetId),
      securityGroupIds: [securityGroup.securityGroupId],
      privateDnsEnabled: true,
    });
    return securityGroup;
  }
}
