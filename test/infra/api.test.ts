import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import type { Template } from 'aws-cdk-lib/assertions';
import { ACCESS_LOG_FORMAT } from '../../infra/access-log.ts';
import { documentedFullContext, onlyResource, resourcesOf, synthesize } from './synth.ts';

const demo = synthesize();
const full = synthesize(documentedFullContext());
const privateApi = synthesize({ endpointType: 'PRIVATE', apiVpcEndpointIds: ['vpce-0a1b2c3d4e5f60718'] });

interface RouteMethod {
  readonly route: string;
  readonly properties: Record<string, unknown>;
}

/** Every method as "VERB /path", built by walking the resources' parents up to the root. */
function routes(template: Template): Map<string, RouteMethod['properties']> {
  const resources = resourcesOf(template, 'AWS::ApiGateway::Resource');
  const pathOf = (id: string): string => {
    const properties = resources[id]?.Properties ?? {};
    const parent = properties.ParentId as { Ref?: string };
    const prefix = parent.Ref === undefined ? '' : pathOf(parent.Ref);
    return `${prefix}/${String(properties.PathPart)}`;
  };
  const methods = new Map<string, Record<string, unknown>>();
  for (const method of Object.values(resourcesOf(template, 'AWS::ApiGateway::Method'))) {
    const properties = method.Properties ?? {};
    const resource = (properties.ResourceId as { Ref: string }).Ref;
    methods.set(`${String(properties.HttpMethod)} ${pathOf(resource)}`, properties);
  }
  return methods;
}

const demoRoutes = routes(demo.template);

describe('the REST API', () => {
  it("has docs/contract.md's routes, and leaves every other method and path under /v1 to the Lambda's router", () => {
    assert.deepEqual([...demoRoutes.keys()].sort(), [
      'ANY /v1/ensembles/{ensemble}/predict',
      'ANY /v1/models',
      'ANY /v1/models/{model}/predict',
      'ANY /v1/{proxy+}',
      'GET /v1/models',
      'POST /v1/ensembles/{ensemble}/predict',
      'POST /v1/models/{model}/predict',
    ]);
  });

  it("sends every method to the adapter function's live alias through a Lambda proxy integration, keyed, with no authorizer by default", () => {
    const alias = onlyResource(demo.template, 'AWS::Lambda::Alias');
    for (const [route, method] of demoRoutes) {
      assert.equal(method.ApiKeyRequired, true, route);
      assert.equal(method.AuthorizationType, 'NONE', route);
      const integration = method.Integration as { Type: string; Uri: { 'Fn::Join': [string, unknown[]] } };
      assert.equal(integration.Type, 'AWS_PROXY', route);
      assert.ok(JSON.stringify(integration.Uri).includes(`{"Ref":"${alias.id}"}`), route);
    }
  });

  it("checks B's envelope on the POST routes with a request validator and a JSON Schema model", () => {
    const validator = onlyResource(demo.template, 'AWS::ApiGateway::RequestValidator');
    assert.equal(validator.properties.ValidateRequestBody, true);
    const model = onlyResource(demo.template, 'AWS::ApiGateway::Model');
    assert.equal(model.properties.ContentType, 'application/json');
    assert.deepEqual(model.properties.Schema, {
      $schema: 'http://json-schema.org/draft-04/schema#',
      title: 'Envelope',
      type: 'object',
      required: ['userTag', 'data'],
      properties: {
        userTag: { type: 'string', minLength: 1, maxLength: 512 },
        data: { type: 'object' },
      },
    });
    for (const [route, parameter] of [
      ['POST /v1/models/{model}/predict', 'model'],
      ['POST /v1/ensembles/{ensemble}/predict', 'ensemble'],
    ] as const) {
      const method = demoRoutes.get(route);
      assert.deepEqual(method?.RequestValidatorId, { Ref: validator.id }, route);
      assert.deepEqual(method?.RequestModels, { 'application/json': { Ref: model.id } }, route);
      assert.deepEqual(method?.RequestParameters, { [`method.request.path.${parameter}`]: true }, route);
    }
    assert.equal(demoRoutes.get('GET /v1/models')?.RequestValidatorId, undefined);
  });

  it("gives B one API key on a usage plan with the configured rate, burst and quota", () => {
    demo.template.resourceCountIs('AWS::ApiGateway::ApiKey', 1);
    demo.template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: 50, BurstLimit: 100 },
      Quota: { Limit: 1_000_000, Period: 'DAY' },
      ApiStages: [Match.objectLike({ ApiId: { Ref: Match.stringLikeRegexp('^Api') }, Stage: { Ref: Match.stringLikeRegexp('^ApiDeploymentStagedev') } })],
    });
    full.template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: 200, BurstLimit: 400 },
      Quota: { Limit: 5_000_000, Period: 'MONTH' },
    });
    const key = onlyResource(demo.template, 'AWS::ApiGateway::ApiKey');
    const plan = onlyResource(demo.template, 'AWS::ApiGateway::UsagePlan');
    demo.template.hasResourceProperties('AWS::ApiGateway::UsagePlanKey', {
      KeyId: { Ref: key.id },
      KeyType: 'API_KEY',
      UsagePlanId: { Ref: plan.id },
    });
  });

  it('writes JSON access logs of $context fields only: request id, source IP, status, latencies (G.46)', () => {
    const stage = onlyResource(demo.template, 'AWS::ApiGateway::Stage');
    const setting = stage.properties.AccessLogSetting as { Format: string; DestinationArn: unknown };
    assert.equal(setting.Format, ACCESS_LOG_FORMAT);
    const fields = JSON.parse(setting.Format) as Record<string, unknown>;
    for (const value of Object.values(fields)) {
      assert.match(String(value), /^\$context\.[A-Za-z.]+$/);
    }
    for (const variable of ['requestId', 'identity.sourceIp', 'status', 'responseLatency', 'integrationLatency']) {
      assert.ok(Object.values(fields).includes(`$context.${variable}`), variable);
    }
    assert.match(JSON.stringify(setting.DestinationArn), /"Ref":"ApiAccessLogs/);
  });

  it('logs execution errors only, never request or response data, and traces with X-Ray (G.46)', () => {
    demo.template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'dev',
      TracingEnabled: true,
      MethodSettings: [
        Match.objectLike({
          HttpMethod: '*',
          ResourcePath: '/*',
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
          MetricsEnabled: true,
          ThrottlingRateLimit: 50,
          ThrottlingBurstLimit: 100,
        }),
      ],
    });
  });

  it('is regional by default, and private only through the listed execute-api endpoints', () => {
    demo.template.hasResourceProperties('AWS::ApiGateway::RestApi', { EndpointConfiguration: { Types: ['REGIONAL'] } });
    assert.equal(onlyResource(demo.template, 'AWS::ApiGateway::RestApi').properties.Policy, undefined);
    privateApi.template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      EndpointConfiguration: { Types: ['PRIVATE'], VpcEndpointIds: ['vpce-0a1b2c3d4e5f60718'] },
      Policy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Allow', Action: 'execute-api:Invoke' }),
          Match.objectLike({
            Effect: 'Deny',
            Action: 'execute-api:Invoke',
            Condition: { StringNotEquals: { 'aws:SourceVpce': ['vpce-0a1b2c3d4e5f60718'] } },
          }),
        ]),
      },
    });
  });

  it('puts the optional WAF in front of the stage, counting (not blocking) the 8 KB body rule', () => {
    demo.template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    full.template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
      Rules: Match.arrayWith([
        Match.objectLike({
          Statement: {
            ManagedRuleGroupStatement: {
              VendorName: 'AWS',
              Name: 'AWSManagedRulesCommonRuleSet',
              RuleActionOverrides: [{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }],
            },
          },
        }),
      ]),
    });
    const acl = onlyResource(full.template, 'AWS::WAFv2::WebACL');
    full.template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      WebACLArn: { 'Fn::GetAtt': [acl.id, 'Arn'] },
      ResourceArn: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('/stages/'), { Ref: Match.stringLikeRegexp('^ApiDeploymentStageprod') }])] },
    });
  });

  it("sets the account's API Gateway logging role unless the operator says it exists", () => {
    demo.template.resourceCountIs('AWS::ApiGateway::Account', 1);
    full.template.resourceCountIs('AWS::ApiGateway::Account', 0);
  });
});
