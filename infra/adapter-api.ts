import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  ApiKey,
  AuthorizationType,
  CognitoUserPoolsAuthorizer,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  Period,
  RestApi,
  TokenAuthorizer,
} from 'aws-cdk-lib/aws-apigateway';
import type { IApiKey, IAuthorizer, IResource, MethodOptions, UsagePlan } from 'aws-cdk-lib/aws-apigateway';
import { UserPool } from 'aws-cdk-lib/aws-cognito';
import { InterfaceVpcEndpoint } from 'aws-cdk-lib/aws-ec2';
import { AnyPrincipal, Effect, PolicyDocument, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { BEARER_TOKEN_PATTERN } from '../lambda/authorizer/environment.ts';
import { ACCESS_LOG_FORMAT } from './access-log.ts';
import { ENVELOPE_SCHEMA } from './envelope-model.ts';
import { addGatewayResponses, gatewayErrorsFor } from './gateway-responses.ts';
import { JwtAuthorizerFunction } from './jwt-authorizer.ts';
import { INTEGRATION_TIMEOUT_SECONDS } from './settings/api.ts';
import type { ApiSettings } from './settings/api.ts';
import type { AuthSettings } from './settings/auth.ts';
import { DEFAULT_CONSUMER, FIRST_KEY } from './settings/consumers.ts';
import type { Consumer } from './settings/consumers.ts';
import { WebAcl } from './web-acl.ts';

export interface AdapterApiProps extends ApiSettings {
  /** The API stage's name, also in the API's, the keys' and the usage plans' names. */
  readonly stageName: string;
  readonly consumers: readonly Consumer[];
  readonly auth: AuthSettings;
  readonly logRetention: RetentionDays;
}

/** One consumer's key, as the stack outputs it and CONSUMER_API_KEYS names it. */
export interface ConsumerKey {
  readonly consumer: string;
  readonly label: string;
  readonly key: IApiKey;
}

/** API Gateway caches an authorizer's answer per token this long: a revoked token still passes for up to a minute. */
export const AUTHORIZER_CACHE_SECONDS = 60;

/**
 * B's REST API: docs/contract.md's routes behind an API key and a usage plan per consumer (and, with
 * auth=jwt or auth=cognito, an authorizer), B's envelope checked on the POST routes, JSON access
 * logs, X-Ray, and every gateway error in the contract's shape. The keys come first and the
 * routes later (`route`): the function's environment names the keys' ids, and the routes invoke
 * the function, so the keys must not depend on the API's stage (no stage keys: the usage plans
 * tie them to the stage).
 */
export class AdapterApi extends Construct {
  readonly api: RestApi;
  readonly keys: readonly ConsumerKey[];
  readonly usagePlans: ReadonlyMap<string, UsagePlan>;
  readonly accessLogs: LogGroup;
  /** The JWT authorizer's function, with auth=jwt. */
  readonly authorizerFunction: JwtAuthorizerFunction | undefined;
  readonly #authorizer: IAuthorizer | undefined;
  readonly #auth: AuthSettings;

  constructor(scope: Construct, id: string, props: AdapterApiProps) {
    super(scope, id);
    const { stageName } = props;
    this.#auth = props.auth;
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
    addGatewayResponses(this.api, gatewayErrorsFor(props.auth.kind));

    // One key and one usage plan per consumer. The single key of a stack without consumers is
    // the consumer `default`'s: its key and plan keep the logical ids they had before consumers
    // existed, so an upgrade keeps B's key.
    const keys: ConsumerKey[] = [];
    const plans = new Map<string, UsagePlan>();
    for (const consumer of props.consumers) {
      const legacy = consumer.name === DEFAULT_CONSUMER;
      const plan = this.api.addUsagePlan(legacy ? 'UsagePlan' : `UsagePlan-${consumer.name}`, {
        ...(legacy ? { description: `B's limits on the ${stageName} contract adapter` } : { name: `contract-adapter-${stageName}-${consumer.name}`, description: `${consumer.name}'s limits on the ${stageName} contract adapter` }),
        throttle: { rateLimit: consumer.throttleRateLimit, burstLimit: consumer.throttleBurstLimit },
        quota: { limit: consumer.quotaLimit, period: Period[consumer.quotaPeriod] },
        apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
      });
      plans.set(consumer.name, plan);
      for (const label of consumer.apiKeys) {
        const key =
          legacy && label === FIRST_KEY
            ? new ApiKey(this.api, 'ApiKey', { description: `B's key for the ${stageName} contract adapter` })
            : new ApiKey(this.api, `ApiKey-${consumer.name}-${label}`, {
                apiKeyName: `contract-adapter-${stageName}-${consumer.name}-${label}`,
                description: `${consumer.name}'s key ${label} for the ${stageName} contract adapter`,
              });
        plan.addApiKey(key);
        keys.push({ consumer: consumer.name, label, key });
      }
    }
    this.keys = keys;
    this.usagePlans = plans;

    this.authorizerFunction = undefined;
    if (props.auth.kind === 'jwt') {
      const fn = new JwtAuthorizerFunction(this, 'JwtAuthorizer', { auth: props.auth, logRetention: props.logRetention });
      this.authorizerFunction = fn;
      this.#authorizer = new TokenAuthorizer(this, 'Authorizer', {
        handler: fn,
        identitySource: 'method.request.header.Authorization',
        // Anything but a bearer token is refused by API Gateway itself (401), without a call.
        validationRegex: BEARER_TOKEN_PATTERN,
        resultsCacheTtl: Duration.seconds(AUTHORIZER_CACHE_SECONDS),
      });
    } else if (props.auth.kind === 'cognito') {
      this.#authorizer = new CognitoUserPoolsAuthorizer(this, 'Authorizer', {
        cognitoUserPools: [UserPool.fromUserPoolArn(this, 'UserPool', props.auth.userPoolArn)],
        resultsCacheTtl: Duration.seconds(AUTHORIZER_CACHE_SECONDS),
      });
    } else {
      this.#authorizer = undefined;
    }

    if (props.waf) {
      new WebAcl(this, 'WebAcl', { stage: this.api.deploymentStage, name: `contract-adapter-${stageName}` });
    } else {
      Validations.of(this.api.deploymentStage).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason:
          'WAF is opt-in (context waf=true) to spare its cost where the API is reached by B alone: every method requires B\'s API key, and the usage plan and stage throttle and cap the traffic.',
      });
    }

    // cdk-nag's authorization rules, acknowledged only where the auth option leaves one unmet.
    if (props.auth.kind === 'apiKey') {
      Validations.of(this.api).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          "auth=apiKey (the default): B authenticates with an API key in x-api-key, required on every method and tied to its consumer's usage plan; auth=jwt or auth=cognito adds an authorizer in front of it.",
      });
    }
    if (props.auth.kind !== 'cognito') {
      Validations.of(this.api).acknowledge({
        id: 'AwsSolutions-COG4',
        reason:
          props.auth.kind === 'jwt'
            ? "auth=jwt: B's tokens come from its own issuer, not a Cognito user pool; the JWT authorizer function verifies each token's signature against that issuer's JWKS, and the API key is still required."
            : "auth=apiKey (the default): B authenticates with an API key in x-api-key, not with Cognito tokens; auth=cognito uses API Gateway's Cognito authorizer instead.",
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

  /**
   * contract.md's routes, each to `handler` (the adapter's `live` alias) through a Lambda proxy
   * integration, each requiring the API key and, with auth=jwt or auth=cognito, the authorizer.
   */
  route(handler: IFunction): void {
    const integration = new LambdaIntegration(handler, {
      proxy: true,
      timeout: Duration.seconds(INTEGRATION_TIMEOUT_SECONDS),
      allowTestInvoke: false,
    });
    const envelopeValidator = this.api.addRequestValidator('EnvelopeValidator', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const envelope = this.api.addModel('Envelope', { contentType: 'application/json', schema: ENVELOPE_SCHEMA });
    const auth = this.#auth;
    // Under every option the key stays required: it names the consumer, and its usage plan throttles it.
    const keyed: MethodOptions = {
      apiKeyRequired: true,
      ...(this.#authorizer === undefined ? {} : { authorizer: this.#authorizer }),
      ...(auth.kind === 'cognito' ? { authorizationType: AuthorizationType.COGNITO } : {}),
      ...(auth.kind === 'cognito' && auth.scopes.length > 0 ? { authorizationScopes: [...auth.scopes] } : {}),
    };
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
