import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CONTENT_TYPE, GATEWAY_ERRORS } from '../../infra/gateway-responses.ts';
import { projectFile, resourcesOf, synthesize } from './synth.ts';

const { template } = synthesize();

/** The synthesized gateway responses by type. */
const responses = new Map(
  Object.values(resourcesOf(template, 'AWS::ApiGateway::GatewayResponse')).map((resource) => {
    const properties = resource.Properties ?? {};
    return [String(properties.ResponseType), properties];
  }),
);

const CONTRACT_CODES = [
  'INVALID_JSON',
  'INVALID_REQUEST',
  'NOT_FOUND',
  'UNKNOWN_MODEL',
  'METHOD_NOT_ALLOWED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'MODEL_REJECTED_INPUT',
  'UPSTREAM_ERROR',
  'UPSTREAM_BAD_RESPONSE',
  'UPSTREAM_UNAVAILABLE',
  'CONFIG_UNAVAILABLE',
  'UPSTREAM_TIMEOUT',
  'INTERNAL',
];

/** The body API Gateway would send, with its request id substituted. */
function bodyOf(type: string): { userTag: unknown; error: Record<string, unknown> } {
  const templates = responses.get(type)?.ResponseTemplates as Record<string, string> | undefined;
  assert.ok(templates, `no gateway response for ${type}`);
  assert.deepEqual(Object.keys(templates), ['application/json']);
  const text = templates['application/json']!;
  // Only $context.requestId is substituted: nothing else may look like a variable.
  assert.equal(text.replaceAll('$context.requestId', '').includes('$'), false, text);
  return JSON.parse(text.replace('$context.requestId', 'req-1')) as { userTag: unknown; error: Record<string, unknown> };
}

describe('gateway responses', () => {
  it('shape every API Gateway error as the contract error body with userTag null and the request id', () => {
    for (const type of responses.keys()) {
      const body = bodyOf(type);
      assert.deepEqual(Object.keys(body), ['userTag', 'error'], type);
      assert.equal(body.userTag, null, type);
      assert.deepEqual(Object.keys(body.error), ['code', 'message', 'requestId', 'retryable'], type);
      assert.equal(body.error.requestId, 'req-1', type);
      assert.equal(typeof body.error.message, 'string', type);
      assert.equal(typeof body.error.retryable, 'boolean', type);
    }
  });

  it('answer application/json; charset=utf-8', () => {
    for (const [type, properties] of responses) {
      const headers = properties.ResponseParameters as Record<string, string>;
      assert.equal(headers['gatewayresponse.header.Content-Type'], `'${CONTENT_TYPE}'`, type);
    }
    assert.equal(CONTENT_TYPE, 'application/json; charset=utf-8');
  });

  it('map each error to its status and code', () => {
    const expected: [type: string, status: string | undefined, code: string, retryable: boolean][] = [
      ['DEFAULT_4XX', undefined, 'REQUEST_REJECTED', false],
      ['DEFAULT_5XX', undefined, 'INTERNAL', false],
      ['MISSING_AUTHENTICATION_TOKEN', '404', 'NOT_FOUND', false],
      ['RESOURCE_NOT_FOUND', '404', 'NOT_FOUND', false],
      ['INVALID_API_KEY', '403', 'UNAUTHORIZED', false],
      ['UNAUTHORIZED', '401', 'UNAUTHORIZED', false],
      ['ACCESS_DENIED', '403', 'FORBIDDEN', false],
      ['WAF_FILTERED', '403', 'FORBIDDEN', false],
      ['THROTTLED', '429', 'THROTTLED', true],
      ['QUOTA_EXCEEDED', '429', 'QUOTA_EXCEEDED', false],
      ['BAD_REQUEST_BODY', '400', 'INVALID_REQUEST', false],
      ['BAD_REQUEST_PARAMETERS', '400', 'INVALID_REQUEST', false],
      ['REQUEST_TOO_LARGE', '413', 'PAYLOAD_TOO_LARGE', false],
      ['UNSUPPORTED_MEDIA_TYPE', '415', 'UNSUPPORTED_MEDIA_TYPE', false],
      ['INTEGRATION_TIMEOUT', '504', 'UPSTREAM_TIMEOUT', true],
      ['INTEGRATION_FAILURE', '503', 'UPSTREAM_UNAVAILABLE', true],
    ];
    assert.deepEqual([...responses.keys()].sort(), expected.map(([type]) => type).sort());
    for (const [type, status, code, retryable] of expected) {
      assert.equal(responses.get(type)?.StatusCode, status, type);
      assert.equal(bodyOf(type).error.code, code, type);
      assert.equal(bodyOf(type).error.retryable, retryable, type);
    }
  });

  it('tell B when to retry a throttled or unavailable request', () => {
    for (const type of ['THROTTLED', 'INTEGRATION_FAILURE']) {
      const headers = responses.get(type)?.ResponseParameters as Record<string, string>;
      assert.equal(headers['gatewayresponse.header.Retry-After'], "'1'", type);
    }
  });

  it("use docs/contract.md's codes, and document every code that exists only at the gateway", () => {
    const deployDoc = readFileSync(projectFile('docs/deploy.md'), 'utf8');
    const gatewayOnly = [...new Set(GATEWAY_ERRORS.map((error) => error.code))].filter((code) => !CONTRACT_CODES.includes(code));
    assert.deepEqual(gatewayOnly.sort(), ['FORBIDDEN', 'QUOTA_EXCEEDED', 'REQUEST_REJECTED', 'THROTTLED', 'UNAUTHORIZED']);
    for (const code of gatewayOnly) assert.ok(deployDoc.includes(`\`${code}\``), `${code} is not in docs/deploy.md`);
  });
});
