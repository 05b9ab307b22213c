import { Validations } from 'aws-cdk-lib';
import type { IAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import { LambdaDeploymentConfig, LambdaDeploymentGroup } from 'aws-cdk-lib/aws-codedeploy';
import { Alias } from 'aws-cdk-lib/aws-lambda';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { DeploymentKind } from './settings/deployment.ts';

export interface AdapterDeploymentProps {
  readonly handler: LambdaFunction;
  readonly deployment: DeploymentKind;
}

/** The alias API Gateway invokes: CodeDeploy moves it from version to version. */
export const LIVE_ALIAS = 'live';

/**
 * Safe code deploys: API Gateway invokes the `live` alias, and each deploy that changes the
 * function publishes a new version (currentVersion) that CodeDeploy shifts the alias to: 10% of
 * the traffic for 5 minutes, then the rest (canary), or all at once (allAtOnce). If one of the
 * alarms given to `rollBackOn` fires meanwhile, or the deployment fails or is stopped, CodeDeploy
 * points the alias back at the version before.
 */
export class AdapterDeployment extends Construct {
  readonly alias: Alias;
  readonly group: LambdaDeploymentGroup;

  constructor(scope: Construct, id: string, props: AdapterDeploymentProps) {
    super(scope, id);
    this.alias = new Alias(this, 'LiveAlias', { aliasName: LIVE_ALIAS, version: props.handler.currentVersion });
    this.group = new LambdaDeploymentGroup(this, 'Group', {
      alias: this.alias,
      deploymentConfig: props.deployment === 'canary' ? LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES : LambdaDeploymentConfig.ALL_AT_ONCE,
      autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
    });
    Validations.of(this.group).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited]',
      reason:
        "CodeDeploy's service role for Lambda deployments, assumable only by codedeploy.amazonaws.com: the AWS-managed policy CodeDeploy documents for it, limited to reading alarms, updating aliases and invoking hooks named CodeDeployHook_*.",
    });
  }

  /** Alarms whose firing during a deployment rolls it back (CodeDeploy takes at most 10). */
  rollBackOn(alarms: readonly IAlarm[]): void {
    if (alarms.length > 10) throw new Error(`AdapterDeployment: CodeDeploy takes at most 10 alarms, got ${alarms.length}`);
    for (const alarm of alarms) this.group.addAlarm(alarm);
  }
}
