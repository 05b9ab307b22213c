// Lambda Managed Instances for the adapter function (`-c compute=managed-instances`): a capacity
// provider that launches arm64 EC2 instances, which Lambda manages, in the same private subnets
// and with the same security group as the function has on Lambda's default model (egress to
// the models' CIDRs and ports and to SSM only), and the function attached to it. Each
// execution environment serves up to `maxConcurrency` invocations at once (worker threads, one
// per vCPU, each running many invocations); Lambda scales environments and instances on their
// CPU use, between the function's minimum and maximum environments and the provider's vCPU cap.
// docs/deploy.md, "Lambda Managed Instances".
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { ISecurityGroup, ISubnet } from 'aws-cdk-lib/aws-ec2';
import { ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, CapacityProvider, ScalingOptions } from 'aws-cdk-lib/aws-lambda';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { LMI_MEMORY_GIB_PER_VCPU } from './settings/compute.ts';
import type { ComputeSettings } from './settings/compute.ts';

export type ManagedInstancesSettings = Extract<ComputeSettings, { kind: 'managed-instances' }>;

export interface ManagedInstancesProps {
  readonly settings: ManagedInstancesSettings;
  /** The function's private subnets. */
  readonly subnets: readonly ISubnet[];
  /** The function's security group: the instances get exactly its rules. */
  readonly securityGroup: ISecurityGroup;
  readonly logRetention: RetentionDays;
}

export class ManagedInstances extends Construct {
  readonly capacityProvider: CapacityProvider;
  readonly settings: ManagedInstancesSettings;
  /** The capacity provider's own logs (instances and environments, not the function's). */
  readonly systemLogs: LogGroup;

  constructor(scope: Construct, id: string, props: ManagedInstancesProps) {
    super(scope, id);
    this.settings = props.settings;
    // Retained on teardown, as the function's logs are.
    this.systemLogs = new LogGroup(this, 'SystemLogs', { retention: props.logRetention, removalPolicy: RemovalPolicy.RETAIN });
    // The role Lambda assumes to run the instances: AWS's managed policy for it, whose EC2
    // actions (launch, describe, tag, terminate) Lambda scopes to what it manages, and writes
    // to this provider's log group only.
    const operatorRole = new Role(this, 'OperatorRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'Contract adapter capacity provider: Lambda manages its EC2 instances',
      managedPolicies: [ManagedPolicy.fromAwsManagedPolicyName('AWSLambdaManagedEC2ResourceOperator')],
    });
    operatorRole.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [this.systemLogs.logGroupArn] }),
    );
    Validations.of(operatorRole).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AWSLambdaManagedEC2ResourceOperator]',
      reason:
        "AWSLambdaManagedEC2ResourceOperator is the policy AWS documents for a capacity provider's operator role: the EC2 actions Lambda needs to launch, tag, describe and terminate the instances it manages, which AWS keeps in step with the service.",
    });

    this.capacityProvider = new CapacityProvider(this, 'CapacityProvider', {
      subnets: [...props.subnets],
      securityGroups: [props.securityGroup],
      // The function's architecture (adapter-function.ts): instances must be able to run it.
      architectures: [Architecture.ARM_64],
      maxVCpuCount: props.settings.maxVCpuCount,
      // Lambda targets a CPU utilization of its choosing; traffic that more than doubles
      // within 5 minutes may be throttled while instances are added.
      scalingOptions: ScalingOptions.auto(),
      operatorRole,
      logGroup: this.systemLogs,
    });
  }

  /** Runs `fn` on this provider: its concurrency per environment, its memory per vCPU, its environments. */
  attach(fn: IFunction): void {
    this.capacityProvider.addFunction(fn, {
      perExecutionEnvironmentMaxConcurrency: this.settings.maxConcurrency,
      executionEnvironmentMemoryGiBPerVCpu: LMI_MEMORY_GIB_PER_VCPU,
      // API Gateway invokes the `live` alias, on numbered versions (deployment.ts): each keeps
      // its own execution environments (AdapterFunction's versionScaling). $LATEST.PUBLISHED,
      // which only unqualified calls reach, would keep three more that nothing invokes.
      publishToLatestPublished: false,
    });
  }
}
