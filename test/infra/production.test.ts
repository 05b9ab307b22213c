// The production-operations issue's stack options, pinned in the template: consumers (a key and
// a usage plan each, their ids in the function's environment), safe code deploys (the live alias
// and CodeDeploy), the custom domain, and the auth options (jwt, cognito). Each configuration's
// template is also checked for a dependency cycle, which CloudFormation would refuse.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import type { Template } from 'aws-cdk-lib/assertions';
import { AUTHORIZER_CACHE_SECONDS } from '../../infra/adapter-api.ts';
import { AUTHORIZER_ENVIRONMENT } from '../../lambda/authorizer/environment.ts';
import { readAuthorizerSettings } from '../../lambda/authorizer/authorizer.ts';
import { parseConsumerApiKeys } from '../../lambda/observability/consumer.ts';
import { documentedFullContext, onlyResource, resourcesOf, synthesize } from './synth.ts';
import type { Synthesized } from './synth.ts';

const CERT = 'arn:aws:acm:eu-west-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab';
const POOL = 'arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbCdEf123';
const ISSUER = 'https://login.example.com/tenant';

const demo = synthesize();
const full = synthesize(documentedFullContext());
const consumers = synthesize({
  consumers: { 'team-a': { throttleRateLimit: 20, throttleBurstLimit: 40, quotaLimit: 10_000, quotaPeriod: 'WEEK' }, 'fraud-ops': { apiKeys: ['2026-11', '2026-12'] } },
});
const migrated = synthesize({ consumers: { default: {}, 'team-a': {} } });
const allAtOnce = synthesize({ deployment: 'allAtOnce' });
const domain = synthesize({ domainName: 'predict.example.com', certificateArn: CERT, hostedZoneId: 'Z0123456789ABCDEFGHIJ' });
const domainNoZone = synthesize({ domainName: 'predict.example.com', certificateArn: CERT });
const jwt = synthesize({ auth: 'jwt', jwtIssuer: ISSUER, jwtAudience: ['contract-adapter'], jwtScopes: ['predict'], consumers: { 'team-a': {} } });
const cognito = synthesize({ auth: 'cognito', userPoolArn: POOL, jwtScopes: ['adapter/predict'] });

const methods = (template: Template) => Object.values(resourcesOf(template, 'AWS::ApiGateway::Method')).map((method) => method.Properties ?? {});

const adapterFunction = (template: Template) => {
  const found = Object.entries(resourcesOf(template, 'AWS::Lambda::Function')).filter(([id]) => id.startsWith('Handler'));
  assert.equal(found.length, 1);
  return { id: found[0]![0], properties: found[0]![1].Properties ?? {} };
};

/** Every Ref, Fn::GetAtt and DependsOn between the template's resources; throws on a cycle. */
function assertAcyclic(template: Template): void {
  const resources = template.toJSON().Resources as Record<string, { DependsOn?: string | string[] }>;
  const edges = new Map<string, Set<string>>();
  const walk = (node: unknown, into: Set<string>): void => {
    if (Array.isArray(node)) node.forEach((item) => walk(item, into));
    else if (node !== null && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'Ref' && typeof value === 'string' && value in resources) into.add(value);
        else if (key === 'Fn::GetAtt' && Array.isArray(value) && typeof value[0] === 'string' && value[0] in resources) into.add(value[0]);
        else walk(value, into);
      }
    }
  };
  for (const [id, resource] of Object.entries(resources)) {
    const into = new Set<string>([resource.DependsOn ?? []].flat());
    walk(resource, into);
    into.delete(id);
    edges.set(id, into);
  }
  const state = new Map<string, 'open' | 'done'>();
  const visit = (id: string, path: string[]): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'open') throw new Error(`dependency cycle: ${[...path, id].join(' -> ')}`);
    state.set(id, 'open');
    for (const next of edges.get(id) ?? []) visit(next, [...path, id]);
    state.set(id, 'done');
  };
  for (const id of edges.keys()) visit(id, []);
}

describe('every option', () => {
  const all: Record<string, Synthesized> = { demo, full, consumers, migrated, allAtOnce, domain, domainNoZone, jwt, cognito };
  for (const [name, { template }] of Object.entries(all)) {
    it(`synthesizes a template without a dependency cycle (${name})`, () => {
      assert.doesNotThrow(() => assertAcyclic(template));
    });
  }
});

describe('consumers', () => {
  it('without consumers: one key and one plan, with the logical ids and properties they had before (no stage keys, no name)', () => {
    const key = onlyResource(demo.template, 'AWS::ApiGateway::ApiKey');
    assert.match(key.id, /^ApiApiKey[0-9A-F]{8}$/);
    assert.deepEqual(key.properties, { Description: "B's key for the dev contract adapter", Enabled: true });
    assert.match(onlyResource(demo.template, 'AWS::ApiGateway::UsagePlan').id, /^ApiUsagePlan[0-9A-F]{8}$/);
    // Same logical ids when the consumer `default` is named alongside others: B keeps its key.
    assert.ok(Object.keys(resourcesOf(migrated.template, 'AWS::ApiGateway::ApiKey')).includes(key.id));
  });

  it('one usage plan per consumer with its own limits, and one key per label, each on its plan', () => {
    const plans = Object.values(resourcesOf(consumers.template, 'AWS::ApiGateway::UsagePlan')).map((plan) => plan.Properties ?? {});
    assert.deepEqual(plans.map((plan) => plan.UsagePlanName).sort(), ['contract-adapter-dev-fraud-ops', 'contract-adapter-dev-team-a']);
    consumers.template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      UsagePlanName: 'contract-adapter-dev-team-a',
      Throttle: { RateLimit: 20, BurstLimit: 40 },
      Quota: { Limit: 10_000, Period: 'WEEK' },
      ApiStages: [Match.objectLike({ Stage: { Ref: Match.stringLikeRegexp('^ApiDeploymentStagedev') } })],
    });
    consumers.template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      UsagePlanName: 'contract-adapter-dev-fraud-ops',
      Throttle: { RateLimit: 50, BurstLimit: 100 },
      Quota: { Limit: 1_000_000, Period: 'DAY' },
    });
    const keys = resourcesOf(consumers.template, 'AWS::ApiGateway::ApiKey');
    assert.deepEqual(Object.values(keys).map((key) => key.Properties?.Name).sort(), ['contract-adapter-dev-fraud-ops-2026-11', 'contract-adapter-dev-fraud-ops-2026-12', 'contract-adapter-dev-team-a-1']);
    for (const key of Object.values(keys)) assert.equal(key.Properties?.StageKeys, undefined, 'a stage key would make the function depend on itself');
    const links = Object.values(resourcesOf(consumers.template, 'AWS::ApiGateway::UsagePlanKey')).map((link) => link.Properties ?? {});
    assert.equal(links.length, 3);
    const planOf = (name: string) => Object.entries(resourcesOf(consumers.template, 'AWS::ApiGateway::UsagePlan')).find(([, plan]) => plan.Properties?.UsagePlanName === name)![0];
    const keyOf = (name: string) => Object.entries(keys).find(([, key]) => key.Properties?.Name === name)![0];
    const pairs: [key: string, plan: string][] = [
      ['contract-adapter-dev-team-a-1', 'contract-adapter-dev-team-a'],
      ['contract-adapter-dev-fraud-ops-2026-11', 'contract-adapter-dev-fraud-ops'],
      ['contract-adapter-dev-fraud-ops-2026-12', 'contract-adapter-dev-fraud-ops'],
    ];
    for (const [key, plan] of pairs) {
      assert.ok(links.some((link) => JSON.stringify(link) === JSON.stringify({ KeyId: { Ref: keyOf(key) }, KeyType: 'API_KEY', UsagePlanId: { Ref: planOf(plan) } })), key);
    }
  });

  it("writes each key's id and its consumer into CONSUMER_API_KEYS, which the Lambda reads back", () => {
    const value = (adapterFunction(consumers.template).properties.Environment as { Variables: Record<string, unknown> }).Variables.CONSUMER_API_KEYS as { 'Fn::Join': [string, unknown[]] };
    // CloudFormation's join, with each key's Ref replaced by its logical id as a stand-in id.
    const joined = value['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : (part as { Ref: string }).Ref)).join('');
    const byName = Object.fromEntries(Object.entries(resourcesOf(consumers.template, 'AWS::ApiGateway::ApiKey')).map(([id, key]) => [id, String(key.Properties?.Name)]));
    assert.deepEqual(
      Object.fromEntries([...parseConsumerApiKeys(joined)].map(([id, consumer]) => [byName[id], consumer])),
      { 'contract-adapter-dev-team-a-1': 'team-a', 'contract-adapter-dev-fraud-ops-2026-11': 'fraud-ops', 'contract-adapter-dev-fraud-ops-2026-12': 'fraud-ops' },
    );
  });

  it('outputs every key id by consumer and label, and ApiKeyId only for the single key', () => {
    const outputs = consumers.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    assert.equal(outputs.ApiKeyId, undefined);
    const text = JSON.stringify(outputs.ApiKeyIds?.Value);
    for (const label of ['team-a/1', 'fraud-ops/2026-11', 'fraud-ops/2026-12']) assert.ok(text.includes(label), label);
    assert.ok((demo.template.toJSON().Outputs as Record<string, unknown>).ApiKeyId);
  });
});

describe('safe code deploys', () => {
  it('API Gateway invokes the live alias of the current version, and may invoke only the alias', () => {
    const alias = onlyResource(demo.template, 'AWS::Lambda::Alias');
    const version = onlyResource(demo.template, 'AWS::Lambda::Version');
    assert.equal(alias.properties.Name, 'live');
    assert.deepEqual(alias.properties.FunctionVersion, { 'Fn::GetAtt': [version.id, 'Version'] });
    assert.deepEqual(alias.properties.FunctionName, { Ref: adapterFunction(demo.template).id });
    const permissions = Object.values(resourcesOf(demo.template, 'AWS::Lambda::Permission')).map((p) => p.Properties ?? {}).filter((p) => p.Principal === 'apigateway.amazonaws.com');
    assert.ok(permissions.length > 0);
    for (const permission of permissions) assert.deepEqual(permission.FunctionName, { Ref: alias.id });
  });

  it('CodeDeploy shifts the alias: 10% for 5 minutes by default, all at once when asked, and rolls back on the adapter alarms', () => {
    const alias = Object.values(resourcesOf(demo.template, 'AWS::Lambda::Alias'))[0]!;
    const group = onlyResource(demo.template, 'AWS::CodeDeploy::DeploymentGroup');
    const application = onlyResource(demo.template, 'AWS::CodeDeploy::Application');
    assert.equal(application.properties.ComputePlatform, 'Lambda');
    assert.deepEqual((alias as { UpdatePolicy?: unknown }).UpdatePolicy, {
      CodeDeployLambdaAliasUpdate: { ApplicationName: { Ref: application.id }, DeploymentGroupName: { Ref: group.id } },
    });
    assert.deepEqual(group.properties.DeploymentConfigName, 'CodeDeployDefault.LambdaCanary10Percent5Minutes');
    assert.equal(onlyResource(allAtOnce.template, 'AWS::CodeDeploy::DeploymentGroup').properties.DeploymentConfigName, 'CodeDeployDefault.LambdaAllAtOnce');
    assert.deepEqual(group.properties.AutoRollbackConfiguration, { Enabled: true, Events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST', 'DEPLOYMENT_STOP_ON_ALARM'] });
    const alarms = (group.properties.AlarmConfiguration as { Enabled: boolean; Alarms: { Name: { Ref: string } }[] });
    assert.equal(alarms.Enabled, true);
    assert.deepEqual(
      alarms.Alarms.map(({ Name }) => Name.Ref.replace(/[0-9A-F]{8}$/, '')),
      ['OperationsApiServerErrorRate', 'OperationsApiP99Latency', 'OperationsFunctionErrors', 'OperationsConfigRefreshFailures'],
    );
  });
});

describe('the custom domain', () => {
  it('a regional domain name with TLS 1.2 and the given certificate, the stage mapped at its root', () => {
    const name = onlyResource(domain.template, 'AWS::ApiGateway::DomainName');
    assert.deepEqual(name.properties, {
      DomainName: 'predict.example.com',
      EndpointConfiguration: { Types: ['REGIONAL'] },
      RegionalCertificateArn: CERT,
      SecurityPolicy: 'TLS_1_2',
    });
    const mapping = onlyResource(domain.template, 'AWS::ApiGateway::BasePathMapping');
    assert.equal(mapping.properties.BasePath, undefined, 'the root: B calls https://predict.example.com/v1/...');
    assert.deepEqual(mapping.properties.DomainName, { Ref: name.id });
    assert.deepEqual(mapping.properties.RestApiId, { Ref: onlyResource(domain.template, 'AWS::ApiGateway::RestApi').id });
    assert.deepEqual(mapping.properties.Stage, { Ref: onlyResource(domain.template, 'AWS::ApiGateway::Stage').id });
  });

  it('an A alias record in the given hosted zone, none without one; the URL output is on the domain', () => {
    const name = onlyResource(domain.template, 'AWS::ApiGateway::DomainName');
    const record = onlyResource(domain.template, 'AWS::Route53::RecordSet');
    assert.deepEqual(record.properties, {
      Name: 'predict.example.com.',
      Type: 'A',
      HostedZoneId: 'Z0123456789ABCDEFGHIJ',
      AliasTarget: {
        DNSName: { 'Fn::GetAtt': [name.id, 'RegionalDomainName'] },
        HostedZoneId: { 'Fn::GetAtt': [name.id, 'RegionalHostedZoneId'] },
      },
    });
    domainNoZone.template.resourceCountIs('AWS::Route53::RecordSet', 0);
    for (const { template } of [domain, domainNoZone]) {
      assert.equal((template.toJSON().Outputs as Record<string, { Value: unknown }>).ApiUrl?.Value, 'https://predict.example.com/');
    }
    demo.template.resourceCountIs('AWS::ApiGateway::DomainName', 0);
  });
});

describe('auth=jwt', () => {
  it('a TOKEN authorizer on every method, the API key still required, its answers cached a minute', () => {
    const authorizer = onlyResource(jwt.template, 'AWS::ApiGateway::Authorizer');
    assert.equal(authorizer.properties.Type, 'TOKEN');
    assert.equal(authorizer.properties.IdentitySource, 'method.request.header.Authorization');
    assert.equal(authorizer.properties.AuthorizerResultTtlInSeconds, AUTHORIZER_CACHE_SECONDS);
    assert.equal(authorizer.properties.IdentityValidationExpression, '^Bearer [A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$');
    const all = methods(jwt.template);
    assert.equal(all.length, 7);
    for (const method of all) {
      assert.equal(method.AuthorizationType, 'CUSTOM');
      assert.deepEqual(method.AuthorizerId, { Ref: authorizer.id });
      assert.equal(method.ApiKeyRequired, true, 'the usage plan still throttles per consumer');
    }
    assert.equal(onlyResource(jwt.template, 'AWS::ApiGateway::RestApi').properties.ApiKeySourceType, undefined, 'keys from x-api-key (HEADER)');
  });

  it("the authorizer function: outside the VPC, its own log group and role, the issuer's settings in its environment", () => {
    const found = Object.entries(resourcesOf(jwt.template, 'AWS::Lambda::Function')).filter(([logical]) => logical.startsWith('ApiJwtAuthorizer'));
    assert.equal(found.length, 1);
    const [id, resource] = found[0]!;
    const fn = { Properties: resource.Properties ?? {} };
    assert.equal(fn.Properties.VpcConfig, undefined);
    assert.equal(fn.Properties.Runtime, 'nodejs24.x');
    const variables = (fn.Properties.Environment as { Variables: Record<string, string> }).Variables;
    assert.deepEqual(Object.keys(variables), AUTHORIZER_ENVIRONMENT.map((variable) => variable.name));
    assert.deepEqual(readAuthorizerSettings(variables), { issuer: ISSUER, audience: ['contract-adapter'], scopes: ['predict'], jwksUri: `${ISSUER}/.well-known/jwks.json` });
    const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const statements = Object.values(resourcesOf(jwt.template, 'AWS::IAM::Policy'))
      .filter((policy) => (policy.Properties?.Roles as { Ref: string }[]).some((role) => role.Ref === roleId))
      .flatMap((policy) => (policy.Properties?.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }).Statement);
    assert.deepEqual(statements.map((statement) => statement.Action), [['logs:CreateLogStream', 'logs:PutLogEvents']]);
    assert.match(JSON.stringify(statements[0]?.Resource), /ApiJwtAuthorizerLogs/);
    jwt.template.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: { 'Fn::GetAtt': [id, 'Arn'] },
      Principal: 'apigateway.amazonaws.com',
    });
  });

  it("answers a refused token in B's error shape: UNAUTHORIZED 401 asks for a bearer token, ACCESS_DENIED is 403 FORBIDDEN", () => {
    const response = (type: string) =>
      Object.values(resourcesOf(jwt.template, 'AWS::ApiGateway::GatewayResponse')).find((r) => r.Properties?.ResponseType === type)?.Properties ?? {};
    const body = (type: string) => JSON.parse((response(type).ResponseTemplates as Record<string, string>)['application/json']!) as { error: { code: string; message: string } };
    assert.equal(response('UNAUTHORIZED').StatusCode, '401');
    assert.deepEqual(body('UNAUTHORIZED').error.code, 'UNAUTHORIZED');
    assert.equal(body('UNAUTHORIZED').error.message, 'A valid bearer token is required.');
    assert.equal(response('ACCESS_DENIED').StatusCode, '403');
    assert.equal(body('ACCESS_DENIED').error.code, 'FORBIDDEN');
  });
});

describe('auth=cognito', () => {
  it("API Gateway's Cognito authorizer on the imported pool, on every method with the API key and the scopes", () => {
    const authorizer = onlyResource(cognito.template, 'AWS::ApiGateway::Authorizer');
    assert.equal(authorizer.properties.Type, 'COGNITO_USER_POOLS');
    assert.deepEqual(authorizer.properties.ProviderARNs, [POOL]);
    assert.equal(authorizer.properties.IdentitySource, 'method.request.header.Authorization');
    for (const method of methods(cognito.template)) {
      assert.equal(method.AuthorizationType, 'COGNITO_USER_POOLS');
      assert.deepEqual(method.AuthorizerId, { Ref: authorizer.id });
      assert.deepEqual(method.AuthorizationScopes, ['adapter/predict']);
      assert.equal(method.ApiKeyRequired, true);
    }
    assert.equal(Object.keys(resourcesOf(cognito.template, 'AWS::Lambda::Function')).filter((id) => id.startsWith('ApiJwtAuthorizer')).length, 0);
    cognito.template.resourceCountIs('AWS::Cognito::UserPool', 0);
  });
});
