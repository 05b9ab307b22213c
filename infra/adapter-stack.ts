import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { AdapterApi } from './adapter-api.ts';
import { AdapterFunction } from './adapter-function.ts';
import { ManagedInstances } from './managed-instances.ts';
import { ModelParameters } from './model-parameters.ts';
import { AdapterNetwork } from './network.ts';
import { Operations } from './operations.ts';
import { lambdaEnvironment } from './settings/index.ts';
import type { Settings } from './settings/index.ts';

export interface AdapterStackProps extends StackProps {
  readonly settings: Settings;
}

/** Everything one stage of the contract adapter needs, from B's API key to the models' egress. */
export class AdapterStack extends Stack {
  readonly settings: Settings;

  constructor(scope: Construct, id: string, props: AdapterStackProps) {
    super(scope, id, props);
    const { settings } = props;
    this.settings = settings;
    const { stage, parameterPrefix: prefix } = settings.stack;
    const logRetention = settings.stack.logRetentionDays as RetentionDays;

    const network = new AdapterNetwork(this, 'Network', {
      vpc: settings.network.vpc,
      modelCidrs: settings.network.modelCidrs,
      modelPorts: settings.network.modelPorts,
      logRetention,
    });

    const fn = settings.function;
    const { compute } = settings;
    const handler = new AdapterFunction(this, 'Handler', {
      entry: 'lambda/handler.ts',
      // contract.md's "Lambda environment" table.
      environment: lambdaEnvironment(fn),
      memorySize: compute.kind === 'managed-instances' ? compute.memorySize : fn.memorySize,
      timeout: Duration.seconds(fn.timeoutSeconds),
      reservedConcurrency: fn.reservedConcurrency,
      logRetention,
      vpc: network.vpc,
      subnets: network.subnets,
      securityGroup: network.functionSecurityGroup,
      onManagedInstances: compute.kind === 'managed-instances',
    });
    if (compute.kind === 'managed-instances') {
      const instances = new ManagedInstances(this, 'ManagedInstances', {
        settings: compute,
        subnets: network.subnets,
        securityGroup: network.functionSecurityGroup,
        logRetention,
      });
      instances.attach(handler);
      new CfnOutput(this, 'CapacityProvider', { value: instances.capacityProvider.capacityProviderName, description: 'The Lambda Managed Instances capacity provider' });
    }

    const parameters = new ModelParameters(this, 'ModelParameters', { prefix, models: settings.parameters.models });
    parameters.grantRead(handler, settings.parameters.parameterKmsKeyArn);

    const api = new AdapterApi(this, 'Api', { ...settings.api, stageName: stage, handler, logRetention });

    new Operations(this, 'Operations', {
      ...settings.alarms,
      stageName: stage,
      apiStage: api.api.deploymentStage,
      handler,
    });

    // RestApi adds its own URL output; one named output is clearer to the operator than two.
    api.api.node.tryRemoveChild('Endpoint');
    new CfnOutput(this, 'ApiUrl', { value: api.api.url, description: "B's base URL: append v1/models/{model}/predict" });
    new CfnOutput(this, 'ApiKeyId', {
      value: api.apiKey.keyId,
      description: "B's API key id (aws apigateway get-api-key --include-value reads the key)",
    });
    new CfnOutput(this, 'ParameterPrefix', { value: prefix, description: 'Where the model endpoints live in SSM' });
    new CfnOutput(this, 'FunctionLogGroup', { value: handler.logGroup.logGroupName, description: 'The adapter function\'s logs' });
    new CfnOutput(this, 'AccessLogGroup', { value: api.accessLogs.logGroupName, description: "B's requests, one JSON line each" });
  }
}
