import { Arn, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { ParameterTier, StringParameter } from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';

export interface ModelParametersProps {
  /** docs/contract.md's PARAMETER_PREFIX, e.g. /contract-adapter/prod. */
  readonly prefix: string;
  /** Model name -> initial endpoint URL. */
  readonly models: ReadonlyMap<string, string>;
}

/**
 * One String parameter per model, `{prefix}/models/{model}/endpoint`. CloudFormation writes the
 * initial value; after that SSM is the source of truth (operators repoint with
 * `put-parameter --overwrite`), and CloudFormation only writes again when that model's
 * configured value changes.
 */
export class ModelParameters extends Construct {
  readonly prefix: string;

  constructor(scope: Construct, id: string, props: ModelParametersProps) {
    super(scope, id);
    this.prefix = props.prefix;
    for (const [model, endpoint] of props.models) {
      new StringParameter(this, `Model-${model}`, {
        parameterName: `${props.prefix}/models/${model}/endpoint`,
        stringValue: endpoint,
        tier: ParameterTier.STANDARD,
        description: `Endpoint of model ${model} (repoint with aws ssm put-parameter --overwrite)`,
      });
    }
  }

  /**
   * Read access to the whole prefix and nothing else. GetParametersByPath authorises on the
   * path itself, so the prefix's own ARN is listed beside the ARN of everything under it.
   * Endpoints and configs are plain String. TLS material for models (docs/models.md) is
   * SecureString: with the AWS managed key aws/ssm, SSM decrypts it for whoever may read the
   * parameter; with a customer managed key, `kmsKeyArn` adds kms:Decrypt on that key, only
   * through SSM.
   */
  grantRead(fn: IFunction, kmsKeyArn?: string): void {
    const stack = Stack.of(this);
    const pathArn = Arn.format({ service: 'ssm', resource: 'parameter', resourceName: this.prefix.slice(1) }, stack);
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['ssm:GetParametersByPath', 'ssm:GetParameter', 'ssm:GetParameters'],
        resources: [pathArn, `${pathArn}/*`],
      }),
    );
    if (kmsKeyArn !== undefined) {
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [kmsKeyArn],
          conditions: { StringEquals: { 'kms:ViaService': `ssm.${stack.region}.amazonaws.com` } },
        }),
      );
    }
    if (fn.role === undefined) throw new Error('ModelParameters.grantRead: the function has no role');
    Validations.of(fn.role.node.findChild('DefaultPolicy')).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter${this.prefix}/*]`,
      reason: `The adapter reads every model's configuration under ${this.prefix} with GetParametersByPath (recursive); the wildcard stays inside that prefix.`,
    });
  }
}
