import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { AdapterApi } from './adapter-api.ts';
import { AdapterFunction } from './adapter-function.ts';
import { ModelParameters } from './model-parameters.ts';
import { AdapterNetwork } from './network.ts';
import { Operations } from './operations.ts';
import { parameterPrefix } from './settings.ts';
import type { Settings } from './settings.ts';

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
    const prefix = parameterPrefix(settings.stage);
    const logRetention = settings.logRetentionDays as RetentionDays;

    const network = new AdapterNetwork(this, 'Network', {
      network: settings.network,
      modelCidrs: settings.modelCidrs,
      modelPorts: settings.modelPorts,
      logRetention,
    });

    const handler = new AdapterFunction(this, 'Handler', {
      entry: 'lambda/handler.ts',
      // contract.md's "Lambda environment" table.
      environment: {
        PARAMETER_PREFIX: prefix,
        PARAMETER_CACHE_TTL_SECONDS: String(settings.parameterCacheTtlSeconds),
        UPSTREAM_TIMEOUT_MS: String(settings.upstreamTimeoutMs),
        MAX_REQUEST_BYTES: String(settings.maxRequestBytes),
        MAX_RESPONSE_BYTES: String(settings.maxResponseBytes),
        MAX_JSON_DEPTH: String(settings.maxJsonDepth),
        // The security group already confines egress to the CIDRs; the handler checks each
        // endpoint's host and resolved address too, so a bad parameter fails fast and says why.
        UPSTREAM_ALLOWLIST: [...settings.modelHosts, ...settings.modelCidrs].join(','),
        POWERTOOLS_SERVICE_NAME: 'contract-adapter',
        POWERTOOLS_METRICS_NAMESPACE: 'ContractAdapter',
      },
      memorySize: settings.memorySize,
      timeout: Duration.seconds(settings.timeoutSeconds),
      reservedConcurrency: settings.reservedConcurrency,
      logRetention,
      vpc: network.vpc,
      subnets: network.subnets,
      securityGroup: network.functionSecurityGroup,
    });

    const parameters = new ModelParameters(this, 'ModelParameters', { prefix, models: settings.models });
    parameters.grantRead(handler, settings.parameterKmsKeyArn);

    const api = new AdapterApi(this, 'Api', { settings, handler, logRetention });

    new Operations(this, 'Operations', {
      stageName: settings.stage,
      apiStage: api.api.deploymentStage,
      handler,
      p99LatencyMs: settings.alarmP99LatencyMs,
      alarmEmail: settings.alarmEmail,
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
