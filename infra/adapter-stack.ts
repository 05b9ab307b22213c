import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { AdapterApi } from './adapter-api.ts';
import { AdapterFunction } from './adapter-function.ts';
import { AdapterDeployment } from './deployment.ts';
import { AdapterDomain } from './domain.ts';
import { ManagedInstances } from './managed-instances.ts';
import { ModelParameters } from './model-parameters.ts';
import { AdapterNetwork } from './network.ts';
import { Operations } from './operations.ts';
import { DEFAULT_CONSUMER, FIRST_KEY, lambdaEnvironment } from './settings/index.ts';
import type { Settings } from './settings/index.ts';

export interface AdapterStackProps extends StackProps {
  readonly settings: Settings;
}

/** Everything one stage of the contract adapter needs, from B's API keys to the models' egress. */
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

    // The API and its keys first: the function's environment names the keys' ids.
    const api = new AdapterApi(this, 'Api', {
      ...settings.api,
      consumers: settings.consumers.consumers,
      auth: settings.auth,
      stageName: stage,
      logRetention,
    });

    const fn = settings.function;
    const { compute } = settings;
    const handler = new AdapterFunction(this, 'Handler', {
      entry: 'lambda/handler.ts',
      // docs/contract.md's "Lambda environment" table.
      environment: lambdaEnvironment(fn, { consumerApiKeys: new Map(api.keys.map(({ key, consumer }) => [key.keyId, consumer])) }),
      memorySize: compute.kind === 'managed-instances' ? compute.memorySize : fn.memorySize,
      timeout: Duration.seconds(fn.timeoutSeconds),
      reservedConcurrency: fn.reservedConcurrency,
      logRetention,
      vpc: network.vpc,
      subnets: network.subnets,
      securityGroup: network.functionSecurityGroup,
      onManagedInstances: compute.kind === 'managed-instances',
      ...(compute.kind === 'managed-instances'
        ? { versionScaling: { minExecutionEnvironments: compute.minExecutionEnvironments, maxExecutionEnvironments: compute.maxExecutionEnvironments } }
        : {}),
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

    // API Gateway invokes the `live` alias, which CodeDeploy moves to each new version.
    const deployment = new AdapterDeployment(this, 'Deployment', { handler, deployment: settings.deployment.deployment });
    api.route(deployment.alias);

    const operations = new Operations(this, 'Operations', {
      ...settings.alarms,
      stageName: stage,
      apiStage: api.api.deploymentStage,
      handler,
      models: [...settings.parameters.models.keys()],
      cacheTtlSeconds: fn.parameterCacheTtlSeconds,
    });
    deployment.rollBackOn(operations.deploymentAlarms);

    const domain = settings.domain.kind === 'custom' ? new AdapterDomain(this, 'Domain', { domain: settings.domain, api: api.api }) : undefined;

    // RestApi adds its own URL output; one named output is clearer to the operator than two.
    api.api.node.tryRemoveChild('Endpoint');
    new CfnOutput(this, 'ApiUrl', {
      value: domain?.url ?? api.api.url,
      description: domain ? "B's base URL, on the custom domain: append v1/models/{model}/predict" : "B's base URL: append v1/models/{model}/predict",
    });
    const single = api.keys.find(({ consumer, label }) => consumer === DEFAULT_CONSUMER && label === FIRST_KEY);
    if (single !== undefined) {
      new CfnOutput(this, 'ApiKeyId', {
        value: single.key.keyId,
        description: "B's API key id (aws apigateway get-api-key --include-value reads the key)",
      });
    }
    new CfnOutput(this, 'ApiKeyIds', {
      value: Stack.of(this).toJsonString(Object.fromEntries(api.keys.map(({ consumer, label, key }) => [`${consumer}/${label}`, key.keyId]))),
      description: 'Every API key id, as {"consumer/key label": id} (aws apigateway get-api-key --include-value reads a key)',
    });
    new CfnOutput(this, 'ParameterPrefix', { value: prefix, description: 'Where the model endpoints live in SSM' });
    new CfnOutput(this, 'FunctionLogGroup', { value: handler.logGroup.logGroupName, description: 'The adapter function\'s logs' });
    new CfnOutput(this, 'AccessLogGroup', { value: api.accessLogs.logGroupName, description: "B's requests, one JSON line each" });
    new CfnOutput(this, 'LiveAlias', { value: deployment.alias.functionArn, description: 'The alias API Gateway invokes; CodeDeploy shifts it to each new version' });
    new CfnOutput(this, 'DeploymentGroup', {
      value: `${deployment.group.application.applicationName}/${deployment.group.deploymentGroupName}`,
      description: 'CodeDeploy application/deployment group of the function (aws deploy list-deployments ...)',
    });
  }
}
