// The context keys of the production-operations issue: consumers, auth (jwt, cognito), the
// custom domain, the deployment style and a shared X-Ray endpoint, each read and checked by its
// construct's module, every problem reported at once.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSettings, SettingsError } from '../../infra/settings/index.ts';
import type { SettingsContext } from '../../infra/settings/index.ts';

function problemsOf(context: SettingsContext): readonly string[] {
  try {
    parseSettings(context);
  } catch (error) {
    assert.ok(error instanceof SettingsError, String(error));
    return error.problems;
  }
  assert.fail('parseSettings accepted an invalid context');
}

function assertProblem(context: SettingsContext, pattern: RegExp): void {
  const problems = problemsOf(context);
  assert.ok(problems.some((problem) => pattern.test(problem)), `no problem matches ${pattern}: ${problems.join(' | ')}`);
}

const imported = { vpcId: 'vpc-0a1b2c3d4e5f60718', subnetIds: ['subnet-0a1b2c3d4e5f60001'], modelCidrs: ['10.40.16.0/20'], modelPorts: [8080] };
const ISSUER = 'https://login.example.com/tenant';
const POOL = 'arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbCdEf123';
const CERT = 'arn:aws:acm:eu-west-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab';

describe('consumers', () => {
  it('unset: the single key, as the consumer default with the stage-wide limits and key 1', () => {
    assert.deepEqual(parseSettings({ throttleRateLimit: 80, quotaPeriod: 'WEEK' }).consumers.consumers, [
      { name: 'default', throttleRateLimit: 80, throttleBurstLimit: 100, quotaLimit: 1_000_000, quotaPeriod: 'WEEK', apiKeys: ['1'] },
    ]);
  });

  it('one key and one plan each, every field defaulting to the stage-wide key of its name', () => {
    const { consumers } = parseSettings({
      throttleRateLimit: 200,
      throttleBurstLimit: 400,
      consumers: { 'team-a': { throttleRateLimit: 50, quotaLimit: 1000, quotaPeriod: 'MONTH' }, 'fraud-ops': { apiKeys: ['2026-11', '2026-12'] } },
    }).consumers;
    assert.deepEqual(consumers, [
      { name: 'team-a', throttleRateLimit: 50, throttleBurstLimit: 400, quotaLimit: 1000, quotaPeriod: 'MONTH', apiKeys: ['1'] },
      { name: 'fraud-ops', throttleRateLimit: 200, throttleBurstLimit: 400, quotaLimit: 1_000_000, quotaPeriod: 'DAY', apiKeys: ['2026-11', '2026-12'] },
    ]);
  });

  it('reads a -c JSON text, numbers in strings included', () => {
    const { consumers } = parseSettings({ consumers: '{"team-a":{"throttleRateLimit":"20"}}' }).consumers;
    assert.equal(consumers[0]?.throttleRateLimit, 20);
  });

  it('refuses bad names, unknown fields, out-of-range limits and bad key lists, each by its path', () => {
    assertProblem({ consumers: { 'Team A': {} } }, /^consumers: "Team A" is not a consumer name/);
    assertProblem({ consumers: { 'team-a': { rate: 1 } } }, /^consumers.team-a: unknown "rate"/);
    assertProblem({ consumers: { 'team-a': 5 } }, /^consumers.team-a: expected an object/);
    assertProblem({ consumers: { 'team-a': { quotaPeriod: 'YEAR' } } }, /^consumers.team-a.quotaPeriod: expected one of DAY, WEEK, MONTH/);
    assertProblem({ consumers: { 'team-a': { quotaLimit: 0 } } }, /^consumers.team-a.quotaLimit: expected an integer from 1/);
    assertProblem({ consumers: { 'team-a': { apiKeys: [] } } }, /^consumers.team-a.apiKeys: /);
    assertProblem({ consumers: { 'team-a': { apiKeys: ['1', '2', '3'] } } }, /^consumers.team-a.apiKeys: /);
    assertProblem({ consumers: { 'team-a': { apiKeys: ['1', '1'] } } }, /^consumers.team-a.apiKeys: /);
    assertProblem({ consumers: { 'team-a': { apiKeys: ['Old Key'] } } }, /^consumers.team-a.apiKeys: /);
    assertProblem({ consumers: {} }, /^consumers: names no consumer/);
    assertProblem({ consumers: [] }, /^consumers: expected an object/);
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`c${i}`, {}]));
    assertProblem({ consumers: many }, /^consumers: 51 consumers, at most 50/);
  });

  it("never gives a consumer more than the stage's throttle, which caps them all together", () => {
    assertProblem({ throttleRateLimit: 50, consumers: { 'team-a': { throttleRateLimit: 60 } } }, /^consumers.team-a.throttleRateLimit: expected an integer from 1 to 50, got 60/);
    assertProblem({ throttleBurstLimit: 100, consumers: { 'team-a': { throttleBurstLimit: 101 } } }, /^consumers.team-a.throttleBurstLimit: expected an integer from 1 to 100/);
  });
});

describe('auth', () => {
  it('apiKey by default, and nothing else to give', () => {
    assert.deepEqual(parseSettings({}).auth, { kind: 'apiKey' });
    assertProblem({ jwtIssuer: ISSUER }, /^jwtIssuer: only meaningful with auth=jwt$/);
    assertProblem({ userPoolArn: POOL }, /^userPoolArn: only meaningful with auth=cognito$/);
    assertProblem({ jwtScopes: ['a'] }, /^jwtScopes: only meaningful with auth=jwt or auth=cognito$/);
    assertProblem({ auth: 'iam' }, /^auth: expected one of apiKey, jwt, cognito/);
  });

  it('jwt: an https issuer and the audiences required; scopes optional; the JWKS at the issuer unless given', () => {
    assert.deepEqual(parseSettings({ auth: 'jwt', jwtIssuer: ISSUER, jwtAudience: 'adapter,adapter-test', jwtScopes: 'predict:read' }).auth, {
      kind: 'jwt',
      issuer: ISSUER,
      audience: ['adapter', 'adapter-test'],
      scopes: ['predict:read'],
      jwksUri: `${ISSUER}/.well-known/jwks.json`,
    });
    const withUri = parseSettings({ auth: 'jwt', jwtIssuer: `${ISSUER}/`, jwtAudience: ['adapter'], jwtJwksUri: 'https://login.example.com/keys' }).auth;
    assert.equal(withUri.kind === 'jwt' && withUri.jwksUri, 'https://login.example.com/keys');
    assert.equal(parseSettings({ auth: 'jwt', jwtIssuer: `${ISSUER}/`, jwtAudience: ['a'] }).auth.kind === 'jwt' && true, true);
    assertProblem({ auth: 'jwt' }, /^jwtIssuer: required with auth=jwt/);
    assertProblem({ auth: 'jwt' }, /^jwtAudience: required with auth=jwt/);
    for (const issuer of ['http://login.example.com', 'https://login.example.com/?x=1', 'https://user@login.example.com', 'login.example.com']) {
      assertProblem({ auth: 'jwt', jwtIssuer: issuer, jwtAudience: ['a'] }, /^jwtIssuer: expected an https URL/);
    }
    assertProblem({ auth: 'jwt', jwtIssuer: ISSUER, jwtAudience: ['a b'] }, /^jwtAudience: /);
    assertProblem({ auth: 'jwt', jwtIssuer: ISSUER, jwtAudience: ['a'], jwtScopes: ['has space'] }, /^jwtScopes: /);
    assertProblem({ auth: 'jwt', jwtIssuer: ISSUER, jwtAudience: ['a'], jwtJwksUri: 'http://x.example.com/keys' }, /^jwtJwksUri: /);
  });

  it('cognito: a user pool ARN required, scopes optional', () => {
    assert.deepEqual(parseSettings({ auth: 'cognito', userPoolArn: POOL }).auth, { kind: 'cognito', userPoolArn: POOL, scopes: [] });
    assertProblem({ auth: 'cognito' }, /^userPoolArn: required with auth=cognito/);
    assertProblem({ auth: 'cognito', userPoolArn: 'eu-west-1_AbCdEf123' }, /^userPoolArn: expected a Cognito user pool ARN/);
    assertProblem({ auth: 'cognito', userPoolArn: POOL, jwtIssuer: ISSUER }, /^jwtIssuer: only meaningful with auth=jwt/);
  });
});

describe('the custom domain', () => {
  it('none by default; domainName with its certificate, and a hosted zone if given', () => {
    assert.deepEqual(parseSettings({}).domain, { kind: 'none' });
    assert.deepEqual(parseSettings({ domainName: 'predict.example.com', certificateArn: CERT, hostedZoneId: 'Z0123456789ABCDEFGHIJ' }).domain, {
      kind: 'custom',
      domainName: 'predict.example.com',
      certificateArn: CERT,
      hostedZoneId: 'Z0123456789ABCDEFGHIJ',
    });
    assert.equal(parseSettings({ domainName: 'predict.example.com', certificateArn: CERT }).domain.kind, 'custom');
  });

  it('refuses a certificate or zone without a name, a name without a certificate, a private API, and malformed values', () => {
    assertProblem({ certificateArn: CERT }, /^certificateArn: only meaningful with domainName/);
    assertProblem({ hostedZoneId: 'Z0123456789ABCDEFGHIJ' }, /^hostedZoneId: only meaningful with domainName/);
    assertProblem({ domainName: 'predict.example.com' }, /^certificateArn: required with domainName/);
    assertProblem({ domainName: 'Predict.Example.com', certificateArn: CERT }, /^domainName: /);
    assertProblem({ domainName: 'localhost', certificateArn: CERT }, /^domainName: /);
    assertProblem({ domainName: 'predict.example.com', certificateArn: 'arn:aws:iam::123456789012:server-certificate/x' }, /^certificateArn: /);
    assertProblem({ domainName: 'predict.example.com', certificateArn: CERT, hostedZoneId: 'example.com' }, /^hostedZoneId: /);
    assertProblem({ endpointType: 'PRIVATE', apiVpcEndpointIds: ['vpce-0a1b2c3d4e5f60718'], domainName: 'predict.example.com', certificateArn: CERT }, /^domainName: not with endpointType PRIVATE/);
  });
});

describe('deployment', () => {
  it('canary by default, allAtOnce when asked, nothing else', () => {
    assert.equal(parseSettings({}).deployment.deployment, 'canary');
    assert.equal(parseSettings({ deployment: 'allAtOnce' }).deployment.deployment, 'allAtOnce');
    assertProblem({ deployment: 'linear' }, /^deployment: expected one of canary, allAtOnce/);
  });
});

describe('a shared X-Ray endpoint', () => {
  it('only with vpcId, and then as given', () => {
    assertProblem({ xrayEndpointSecurityGroupId: 'sg-0a1b2c3d4e5f60718' }, /^xrayEndpointSecurityGroupId: only meaningful with vpcId/);
    const { vpc } = parseSettings({ ...imported, xrayEndpointSecurityGroupId: 'sg-0a1b2c3d4e5f60718' }).network;
    assert.equal(vpc.kind === 'imported' && vpc.xrayEndpointSecurityGroupId, 'sg-0a1b2c3d4e5f60718');
  });
});

describe('every problem at once, in the table order', () => {
  it('across the new keys', () => {
    const problems = problemsOf({ deployment: 'x', consumers: { 'Bad Name': {} }, auth: 'jwt', domainName: 'predict.example.com' });
    assert.deepEqual(problems.map((problem) => problem.split(':')[0]), ['consumers', 'jwtIssuer', 'jwtAudience', 'certificateArn', 'deployment']);
  });
});
