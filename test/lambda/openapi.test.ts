// docs/openapi.yaml against the real handler: for every route, each documented status the
// handler can answer is driven through it (loopback SSM and model servers) and the answer's
// body and headers are validated against that route's documented response, with Ajv and the
// spec's own JSON Schemas (OpenAPI 3.1 is JSON Schema 2020-12). The statuses only API Gateway
// produces are listed as such, and the gateway's own bodies (infra/gateway-responses.ts, and
// local mode's imitation of them) are validated against the same responses.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { GATEWAY_ERRORS, gatewayErrorBody as deployedGatewayBody } from '../../infra/gateway-responses.ts';
import { LOCAL_GATEWAY_ERRORS, gatewayErrorBody as localGatewayBody } from '../../local/api-server.ts';
import type { HttpResult } from '../../lambda/contract/response.ts';
import { captureLogs, closedPort, setup, type Setup } from '../support/catalogue.ts';
import { envelope, restEvent } from '../support/events.ts';
import { PREFIX, startHarness, type Harness } from '../support/harness.ts';
import { answerJson } from '../support/model-server.ts';

// ---------------------------------------------------------------------------------------------
// The spec

interface MediaType {
  schema: unknown;
}
interface Header {
  required?: boolean;
  schema: Record<string, unknown>;
}
interface Response {
  $ref?: string;
  description: string;
  headers?: Record<string, Header>;
  content?: Record<string, MediaType>;
}
interface Operation {
  operationId: string;
  responses: Record<string, Response>;
}
interface Spec {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; responses: Record<string, Response> };
}

const spec = parse(readFileSync(new URL('../../docs/openapi.yaml', import.meta.url), 'utf8')) as Spec;
const SPEC_ID = 'https://contract-adapter.invalid/openapi';

/** The spec's `#/components/schemas/X` references, as references into the schema Ajv holds. */
function rewriteRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => [
      key,
      key === '$ref' && typeof value === 'string' ? value.replace('#/components/schemas/', `${SPEC_ID}#/$defs/`) : rewriteRefs(value),
    ]),
  );
}

const ajv = new Ajv2020({ allErrors: true, strict: true });
ajv.addSchema({ $id: SPEC_ID, $defs: rewriteRefs(spec.components.schemas) as Record<string, object> });
const compiled = new Map<unknown, ValidateFunction>();
const validator = (schema: unknown): ValidateFunction => {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(rewriteRefs(schema) as object);
    compiled.set(schema, validate);
  }
  return validate;
};

const resolve = (response: Response): Response => {
  if (!response.$ref) return response;
  const name = response.$ref.replace('#/components/responses/', '');
  const target = spec.components.responses[name];
  assert.ok(target, `no response ${response.$ref}`);
  return target;
};

/** Every operation: its id, method and path. */
const OPERATIONS = Object.entries(spec.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, operation]) => ({ id: operation.operationId, method: method.toUpperCase(), path, operation })),
);
const operation = (id: string) => {
  const found = OPERATIONS.find((o) => o.id === id);
  assert.ok(found, `no operation ${id}`);
  return found;
};

/** The documented response an answer with this status falls under: the status itself, else its range (4XX, 5XX). */
function documented(id: string, status: number): { key: string; response: Response } {
  const { responses } = operation(id).operation;
  const key = String(status) in responses ? String(status) : `${String(status)[0]}XX`;
  const response = responses[key];
  assert.ok(response, `${id}: status ${status} is not documented`);
  return { key, response: resolve(response) };
}

/** Checks an answer against the route's documented response for its status: body, content type, headers. */
function assertDocumented(id: string, answer: { statusCode: number; headers: Record<string, string | undefined>; body: string }): string {
  const { key, response } = documented(id, answer.statusCode);
  const contentType = answer.headers['content-type'] ?? '';
  const media = Object.entries(response.content ?? {}).find(([type]) => contentType.split(';')[0]?.trim() === type);
  assert.ok(media, `${id} ${answer.statusCode}: content-type ${contentType} is not one of ${Object.keys(response.content ?? {}).join(', ')}`);
  const validate = validator(media[1].schema);
  const body = JSON.parse(answer.body) as unknown;
  assert.ok(validate(body), `${id} ${answer.statusCode}: the body does not match the spec: ${ajv.errorsText(validate.errors)}\n${answer.body.slice(0, 500)}`);
  for (const [name, header] of Object.entries(response.headers ?? {})) {
    const value = answer.headers[name.toLowerCase()];
    if (value === undefined) {
      assert.ok(!header.required, `${id} ${answer.statusCode}: the ${name} header is missing`);
      continue;
    }
    const typed = header.schema.type === 'integer' && /^-?\d+$/.test(value) ? Number(value) : value;
    const check = validator(header.schema);
    assert.ok(check(typed), `${id} ${answer.statusCode}: ${name}: ${value}: ${ajv.errorsText(check.errors)}`);
  }
  if (response.headers?.Allow) assert.equal(answer.headers.allow, operation(id).method, `${id}: Allow names the route's method`);
  return key;
}

// ---------------------------------------------------------------------------------------------
// The statuses only API Gateway answers, per route; everything else documented is driven below.

const GATEWAY_ONLY: Readonly<Record<string, readonly string[]>> = {
  listModels: ['401', '403', '413', '429', '502', '504', '4XX', '5XX'],
  predict: ['401', '403', '429', '4XX', '5XX'],
  explain: ['401', '403', '429', '502', '504', '4XX', '5XX'],
  predictEnsemble: ['401', '403', '429', '4XX', '5XX'],
};

// ---------------------------------------------------------------------------------------------
// The handler

captureLogs();
const TAG = 'b-42';
const json = { 'content-type': 'application/json' };
const predictEvent = (model: string, body = envelope(TAG, { instances: [[1, 2, 3, 4]] }), headers: Record<string, string> = json) =>
  restEvent({ path: `/v1/models/${model}/predict`, body, headers });
const explainEvent = (model: string, body = envelope(TAG, { instances: [[1, 2, 3, 4]] }), headers: Record<string, string> = json) =>
  restEvent({ path: `/v1/models/${model}/explain`, body, headers });
const ensembleEvent = (name: string, body = envelope(TAG, { instances: [[1, 2, 3, 4]] }), headers: Record<string, string> = json) =>
  restEvent({ path: `/v1/ensembles/${name}/predict`, body, headers });
const listEvent = (method = 'GET') => restEvent({ method, path: '/v1/models', body: null, headers: {} });
const tooLarge = envelope(TAG, { blob: 'x'.repeat(1024 * 1024) });

let s: Setup;
let unavailable: Harness;
let broken: Harness;

before(async () => {
  // A 300 ms model deadline, so that the slow model times out quickly.
  s = await setup({ env: { UPSTREAM_TIMEOUT_MS: '300' } });
  await s.addModel('rejecting', answerJson('{"error":"feature 3 is missing"}', 400));
  await s.addModel('broken', answerJson('{"trace":"..."}', 500));
  await s.addModel('garbage', answerJson('not json'));
  await s.addModel('slow', (_req, res) => {
    const timer = setTimeout(() => answerJson('{"late":true}')(_req, res, ''), 2_000);
    res.on('close', () => clearTimeout(timer));
  });
  s.parameters[`${PREFIX}/models/refused/endpoint`] = `http://127.0.0.1:${await closedPort()}/predict`;
  s.parameters[`${PREFIX}/ensembles/flowers`] = JSON.stringify({ members: ['iris'], policy: 'all', deadlineMs: 2000 });
  s.parameters[`${PREFIX}/ensembles/failing`] = JSON.stringify({ members: ['broken'], policy: 'all', deadlineMs: 2000 });
  s.parameters[`${PREFIX}/ensembles/refusing`] = JSON.stringify({ members: ['rejecting'], policy: 'all', deadlineMs: 2000 });
  s.parameters[`${PREFIX}/ensembles/stalled`] = JSON.stringify({ members: ['slow'], policy: 'all', deadlineMs: 200 });
});
after(async () => {
  await s?.close();
  await unavailable?.close();
  await broken?.close();
});

/** What the handler answered, per route and documented status key, for the coverage check. */
const reached = new Map<string, Set<string>>();

interface Case {
  name: string;
  status: number;
  code?: string;
  invoke: () => Promise<HttpResult>;
}

function check(id: string, c: Case): void {
  test(`${id} ${c.status}: ${c.name}`, async () => {
    const answer = await c.invoke();
    assert.equal(answer.statusCode, c.status, answer.body);
    if (c.code) assert.equal((JSON.parse(answer.body) as { error: { code: string } }).error.code, c.code);
    const key = assertDocumented(id, answer);
    reached.set(id, (reached.get(id) ?? new Set()).add(key));
  });
}

/** 503 CONFIG_UNAVAILABLE: SSM fails and nothing is cached. 500 INTERNAL: a deployment setting is wrong. */
const whenUnavailable = async (event: unknown): Promise<HttpResult> => {
  if (!unavailable) {
    unavailable = await startHarness({});
    unavailable.ssm.setFault({ kind: 'error500' });
  }
  return unavailable.invoke(event);
};
const whenBroken = async (event: unknown): Promise<HttpResult> => {
  broken ??= await startHarness({}, { PARAMETER_PREFIX: '' });
  return broken.invoke(event);
};

describe('GET /v1/models (listModels)', () => {
  check('listModels', { name: 'the models, variants and ensembles', status: 200, invoke: () => s.invoke(listEvent()) });
  check('listModels', { name: 'another method', status: 405, code: 'METHOD_NOT_ALLOWED', invoke: () => s.invoke(listEvent('POST')) });
  check('listModels', { name: 'SSM failing, nothing cached', status: 503, code: 'CONFIG_UNAVAILABLE', invoke: () => whenUnavailable(listEvent()) });
  check('listModels', { name: 'a broken deployment', status: 500, code: 'INTERNAL', invoke: () => whenBroken(listEvent()) });
});

describe('POST /v1/models/{model}/predict (predict)', () => {
  check('predict', { name: "the model's answer", status: 200, invoke: () => s.invoke(predictEvent('iris')) });
  check('predict', { name: 'not JSON', status: 400, code: 'INVALID_JSON', invoke: () => s.invoke(predictEvent('iris', '{"userTag":')) });
  check('predict', { name: 'no data', status: 400, code: 'INVALID_REQUEST', invoke: () => s.invoke(predictEvent('iris', JSON.stringify({ userTag: TAG }))) });
  check('predict', { name: 'an unknown model', status: 404, code: 'UNKNOWN_MODEL', invoke: () => s.invoke(predictEvent('nope')) });
  check('predict', { name: 'an unknown variant', status: 404, code: 'UNKNOWN_MODEL', invoke: () => s.invoke(predictEvent('iris', undefined, { ...json, 'X-Model-Variant': 'v9' })) });
  check('predict', { name: 'GET', status: 405, code: 'METHOD_NOT_ALLOWED', invoke: () => s.invoke(restEvent({ method: 'GET', path: '/v1/models/iris/predict', body: null, headers: {} })) });
  check('predict', { name: 'over MAX_REQUEST_BYTES', status: 413, code: 'PAYLOAD_TOO_LARGE', invoke: () => s.invoke(predictEvent('iris', tooLarge)) });
  check('predict', { name: 'text/plain', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', invoke: () => s.invoke(predictEvent('iris', undefined, { 'content-type': 'text/plain' })) });
  check('predict', { name: 'the model answers 400', status: 422, code: 'MODEL_REJECTED_INPUT', invoke: () => s.invoke(predictEvent('rejecting')) });
  check('predict', { name: 'the model answers 500', status: 502, code: 'UPSTREAM_ERROR', invoke: () => s.invoke(predictEvent('broken')) });
  check('predict', { name: 'the model answers what is not JSON', status: 502, code: 'UPSTREAM_BAD_RESPONSE', invoke: () => s.invoke(predictEvent('garbage')) });
  check('predict', { name: 'the model refuses connections', status: 503, code: 'UPSTREAM_UNAVAILABLE', invoke: () => s.invoke(predictEvent('refused')) });
  check('predict', { name: 'SSM failing, nothing cached', status: 503, code: 'CONFIG_UNAVAILABLE', invoke: () => whenUnavailable(predictEvent('iris')) });
  check('predict', { name: 'the model is too slow', status: 504, code: 'UPSTREAM_TIMEOUT', invoke: () => s.invoke(predictEvent('slow')) });
  check('predict', { name: 'a broken deployment', status: 500, code: 'INTERNAL', invoke: () => whenBroken(predictEvent('iris')) });
});

describe('POST /v1/models/{model}/explain (explain)', () => {
  check('explain', { name: 'what the model would receive', status: 200, invoke: () => s.invoke(explainEvent('iris')) });
  check('explain', { name: 'not JSON', status: 400, code: 'INVALID_JSON', invoke: () => s.invoke(explainEvent('iris', '[')) });
  check('explain', { name: 'an unknown model', status: 404, code: 'UNKNOWN_MODEL', invoke: () => s.invoke(explainEvent('nope')) });
  check('explain', { name: 'GET', status: 405, code: 'METHOD_NOT_ALLOWED', invoke: () => s.invoke(restEvent({ method: 'GET', path: '/v1/models/iris/explain', body: null, headers: {} })) });
  check('explain', { name: 'over MAX_REQUEST_BYTES', status: 413, code: 'PAYLOAD_TOO_LARGE', invoke: () => s.invoke(explainEvent('iris', tooLarge)) });
  check('explain', { name: 'text/plain', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', invoke: () => s.invoke(explainEvent('iris', undefined, { 'content-type': 'text/plain' })) });
  check('explain', { name: 'SSM failing, nothing cached', status: 503, code: 'CONFIG_UNAVAILABLE', invoke: () => whenUnavailable(explainEvent('iris')) });
  check('explain', { name: 'a broken deployment', status: 500, code: 'INTERNAL', invoke: () => whenBroken(explainEvent('iris')) });
});

describe('POST /v1/ensembles/{ensemble}/predict (predictEnsemble)', () => {
  check('predictEnsemble', { name: "every member's result", status: 200, invoke: () => s.invoke(ensembleEvent('flowers')) });
  check('predictEnsemble', { name: 'not an object', status: 400, code: 'INVALID_REQUEST', invoke: () => s.invoke(ensembleEvent('flowers', JSON.stringify({ userTag: TAG, data: [1] }))) });
  check('predictEnsemble', { name: 'an unknown ensemble', status: 404, code: 'UNKNOWN_MODEL', invoke: () => s.invoke(ensembleEvent('nope')) });
  check('predictEnsemble', { name: 'GET', status: 405, code: 'METHOD_NOT_ALLOWED', invoke: () => s.invoke(restEvent({ method: 'GET', path: '/v1/ensembles/flowers/predict', body: null, headers: {} })) });
  check('predictEnsemble', { name: 'over MAX_REQUEST_BYTES', status: 413, code: 'PAYLOAD_TOO_LARGE', invoke: () => s.invoke(ensembleEvent('flowers', tooLarge)) });
  check('predictEnsemble', { name: 'text/plain', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', invoke: () => s.invoke(ensembleEvent('flowers', undefined, { 'content-type': 'text/plain' })) });
  check('predictEnsemble', { name: 'the policy is not met', status: 502, code: 'UPSTREAM_ERROR', invoke: () => s.invoke(ensembleEvent('failing')) });
  check('predictEnsemble', { name: 'every member refused the input', status: 422, code: 'MODEL_REJECTED_INPUT', invoke: () => s.invoke(ensembleEvent('refusing')) });
  check('predictEnsemble', { name: 'SSM failing, nothing cached', status: 503, code: 'CONFIG_UNAVAILABLE', invoke: () => whenUnavailable(ensembleEvent('flowers')) });
  check('predictEnsemble', { name: 'every member timed out', status: 504, code: 'UPSTREAM_TIMEOUT', invoke: () => s.invoke(ensembleEvent('stalled')) });
  check('predictEnsemble', { name: 'a broken deployment', status: 500, code: 'INTERNAL', invoke: () => whenBroken(ensembleEvent('flowers')) });
});

// ---------------------------------------------------------------------------------------------
// API Gateway's own answers

describe("API Gateway's own answers", () => {
  /**
   * The statuses a gateway answer is documented under on a route. DEFAULT_4XX and DEFAULT_5XX
   * keep the status API Gateway raised: the 4XX and 5XX ranges, and for DEFAULT_5XX also 502,
   * its status when the function fails (as local mode imitates it).
   */
  const onRoutes = (error: (typeof GATEWAY_ERRORS)[number], id: string): string[] => {
    const { responses } = operation(id).operation;
    const statuses = error.statusCode ?? (error.code === 'REQUEST_REJECTED' ? ['4XX'] : ['5XX', '502']);
    return [statuses].flat().filter((status) => status in responses);
  };

  test('every gateway response with a status of its own is documented on every route it can answer, and its body and headers match', () => {
    for (const error of GATEWAY_ERRORS) {
      const body = deployedGatewayBody(error).replace('$context.requestId', 'a1b2c3d4-gateway');
      const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
      if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
      // Only outside /v1: every /v1 path reaches the function.
      if (error.code === 'NOT_FOUND') continue;
      for (const { id } of OPERATIONS) {
        // The request validator's checks (BAD_REQUEST_*, UNSUPPORTED_MEDIA_TYPE) are on the routes that take B's envelope.
        if ((error.statusCode === '400' || error.statusCode === '415') && id === 'listModels') continue;
        const statuses = onRoutes(error, id);
        assert.equal(statuses.length, error.statusCode === undefined && error.code === 'INTERNAL' ? 2 : 1, `${error.type.responseType} (${error.statusCode ?? 'as raised'}) is not documented on ${id}`);
        for (const status of statuses) {
          const statusCode = /^\d+$/.test(status) ? Number(status) : Number(`${status[0]}99`);
          assertDocumented(id, { statusCode, headers, body });
        }
      }
    }
  });

  test("local mode's imitations of them (413, 504, 502) match too", () => {
    for (const spec of Object.values(LOCAL_GATEWAY_ERRORS)) {
      for (const { id } of OPERATIONS) {
        assertDocumented(id, { statusCode: spec.status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: localGatewayBody(spec, 'local-request') });
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------

test('every documented status of every route is either answered by the handler above or listed as gateway-only', () => {
  assert.deepEqual(OPERATIONS.map((o) => o.id).sort(), Object.keys(GATEWAY_ONLY).sort(), 'one list per route');
  for (const { id, operation: op } of OPERATIONS) {
    const answered = [...(reached.get(id) ?? [])].sort();
    const gatewayOnly = [...(GATEWAY_ONLY[id] ?? [])].sort();
    assert.deepEqual(answered.filter((key) => gatewayOnly.includes(key)), [], `${id}: answered by the handler, yet listed as gateway-only`);
    assert.deepEqual([...answered, ...gatewayOnly].sort(), Object.keys(op.responses).sort(), `${id}: documented = answered + gateway-only`);
  }
});

test('data is an open object: any JSON object validates, anything else does not', () => {
  const validate = validator({ $ref: '#/components/schemas/PredictRequest' });
  assert.ok(validate({ userTag: 't', data: { instances: [[1]], nested: { a: [true, null] } } }), ajv.errorsText(validate.errors));
  assert.equal((spec.components.schemas.PredictRequest as { properties: { data: { additionalProperties: unknown } } }).properties.data.additionalProperties, true);
  for (const data of [[1], 'x', null, 1]) assert.equal(validate({ userTag: 't', data }), false, JSON.stringify(data));
});
