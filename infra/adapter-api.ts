import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  Period,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { IApiKey, IResource, MethodOptions } from 'aws-cdk-lib/aws-apigateway';
import { InterfaceVpcEndpoint } from 'aws-cdk-lib/aws-ec2';
import { AnyPrincipal, Effect, PolicyDocument, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ACCESS_LOG_FORMAT } from './access-log.ts';
import { ENVELOPE_SCHEMA } from './envelope-model.ts';
import { addGatewayResponses } from './gateway-responses.ts';
import { INTEGRATION_TIMEOUT_SECONDS } from './settings/api.ts';
import type { ApiSettings } from './settings/api.ts';
import { WebAcl } from './web-acl.ts';

export interface AdapterApiProps extends ApiSettings {
  /** The API stage's name, also in the API's, the key's and the usage plan's names. */
  readonly stageName: string;
  readonly handler: IFunction;
  readonly logRetention: RetentionDays;
}

/**
 * B's REST API: docs/contract.md's routes behind an API key and a usage plan, B's envelope checked
 * on the POST routes, JSON access logs, X-Ray, and every gateway error in the contract's shape.
 */
export class AdapterApi extends Construct {
  readonly api: RestApi;
  readonly apiKey: IApiKey;
  readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: AdapterApiProps) {
    super(scope, id);
    const { stageName } = props;
    const isPrivate = props.endpointType === 'PRIVATE';

    // Retained on teardown, like the function's logs: who called, and what they got.
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.accessLogs = accessLogs;

    this.api = new RestApi(this, 'Api', {
      restApiName: `contract-adapter-${stageName}`,
      description: `Contract adapter (${stageName}): B's {userTag, data} in front of A's models`,
      endpointConfiguration: isPrivate
        ? {
            types: [EndpointType.PRIVATE],
            vpcEndpoints: props.apiVpcEndpointIds.map((vpcEndpointId) =>
              InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes(this, vpcEndpointId, { vpcEndpointId, port: 443 }),
            ),
          }
        : { types: [EndpointType.REGIONAL] },
      ...(isPrivate ? { policy: privateApiPolicy(props.apiVpcEndpointIds) } : {}),
      // Execution logging needs the account-level role; an account that already has one opts out.
      // Retained on teardown: the account setting points at it, and other APIs may log through it.
      cloudWatchRole: props.apiGatewayCloudWatchRole,
      ...(props.apiGatewayCloudWatchRole ? { cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN } : {}),
      deployOptions: {
        stageName,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.custom(ACCESS_LOG_FORMAT),
        // Errors only, and never bodies: B's data and the models' answers stay out of the logs.
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: true,
        throttlingRateLimit: props.throttleRateLimit,
        throttlingBurstLimit: props.throttleBurstLimit,
      },
    });
    addGatewayResponses(this.api);

    const integration = new LambdaIntegration(props.handler, {
      proxy: true,
      timeout: Duration.seconds(INTEGRATION_TIMEOUT_SECONDS),
      allowTestInvoke: false,
    });
    const envelopeValidator = this.api.addRequestValidator('EnvelopeValidator', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const envelope = this.api.addModel('Envelope', { contentType: 'application/json', schema: ENVELOPE_SCHEMA });
    const keyed: MethodOptions = { apiKeyRequired: true };
    const predict = (pathParameter: string): MethodOptions => ({
      ...keyed,
      requestValidator: envelopeValidator,
      requestModels: { 'application/json': envelope },
      requestParameters: { [`method.request.path.${pathParameter}`]: true },
    });

    const v1 = this.api.root.addResource('v1');
    const models = v1.addResource('models');
    const modelPredict = models.addResource('{model}').addResource('predict');
    const ensemblePredict = v1.addResource('ensembles').addResource('{ensemble}').addResource('predict');
    models.addMethod('GET', integration, keyed);
    modelPredict.addMethod('POST', integration, predict('model'));
    ensemblePredict.addMethod('POST', integration, predict('ensemble'));
    // The Lambda's router is the authority on everything under /v1: any other method on a
    // known path gets its 405, and any other path its 404 (or UNKNOWN_MODEL for a model name
    // with a slash). API Gateway never falls back from a matched resource to the proxy, hence
    // ANY on each route's own resource as well.
    for (const resource of [models, modelPredict, ensemblePredict] satisfies IResource[]) {
      resource.addMethod('ANY', integration, keyed);
    }
    v1.addProxy({ anyMethod: true, defaultIntegration: integration, defaultMethodOptions: keyed });

    this.apiKey = this.api.addApiKey('ApiKey', { description: `B's key for the ${stageName} contract adapter` });
    const plan = this.api.addUsagePlan('UsagePlan', {
      description: `B's limits on the ${stageName} contract adapter`,
      throttle: { rateLimit: props.throttleRateLimit, burstLimit: props.throttleBurstLimit },
      quota: { limit: props.quotaLimit, period: Period[props.quotaPeriod] },
      apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
    });
    plan.addApiKey(this.apiKey);

    if (props.waf) {
      new WebAcl(this, 'WebAcl', { stage: this.api.deploymentStage, name: `contract-adapter-${stageName}` });
    } else {
      Validations.of(this.api.deploymentStage).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason:
          'WAF is opt-in (context waf=true) to spare its cost where the API is reached by B alone: every method requires B\'s API key, and the usage plan and stage throttle and cap the traffic.',
      });
    }

    for (const rule of ['AwsSolutions-APIG4', 'AwsSolutions-COG4']) {
      Validations.of(this.api).acknowledge({
        id: rule,
        reason:
          "B's contract is fixed: it authenticates with an API key in x-api-key (required on every method, tied to a usage plan), not with IAM, Cognito or a custom authorizer.",
      });
    }
    if (props.apiGatewayCloudWatchRole) {
      Validations.of(this.api).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          "API Gateway's account-level logging role, assumable only by apigateway.amazonaws.com; this AWS-managed policy is the one API Gateway documents for it and must cover every API's log groups in the region.",
      });
    }
  }
}

/** A private API answers only through the listed execute-api VPC endpoints. */
function privateApiPolicy(vpcEndpointIds: readonly string[]): PolicyDocument {
  const invoke = { principals: [new AnyPrincipal()], actions: ['execute-api:Invoke'], resources: ['execute-api:/*'] };
  return new PolicyDocument({
    statements: [
      new PolicyStatement({ ...invoke, effect: Effect.ALLOW }),
      new PolicyStatement({
        ...invoke,
        effect: Effect.DENY,
        conditions: { StringNotEquals: { 'aws:SourceVpce': [...vpcEndpointIds] } },
      }),
    ],
  });
}
