// A model's config parameter through the real handler, SSM SDK and undici against loopback
// servers (docs/contract.md, "Model configuration"; docs/models.md): request and response mappings,
// errorWhen, exposeUpstreamErrors, timeoutMs, rejection of a bad config with the last good one
// serving, the config hash in log lines, explain and the model list.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { PREFIX, endpointParameter } from '../support/harness.ts';
import { envelope, predictPath, restEvent } from '../support/events.ts';
import { answerJson, type Behaviour } from '../support/model-server.ts';
import { assertLogsClean, assertNoLeak, captureLogs, expectError, expectSuccess, marker, setup } from '../support/catalogue.ts';
import { configHash } from '../../lambda/config/model-config.ts';

const configParameter = (model: string): string => `${PREFIX}/models/${model}/config`;
const TAG = 'b-7';
const SECRET = marker('B-SECRET');
const MODEL_SECRET = marker('MODEL-SECRET');

// TTL 0: every request reads SSM again, so a test sees a parameter change at once.
const s = await setup({ env: { PARAMETER_CACHE_TTL_SECONDS: '0', UPSTREAM_TIMEOUT_MS: '2000' } });
after(() => s.close());
const leak = () => ({ servers: s.servers, secrets: [SECRET, MODEL_SECRET] });

const ask = (data: unknown, model = 'iris', headers: Record<string, string> = {}) =>
  s.invoke(restEvent({ path: predictPath(model), headers: { 'Content-Type': 'application/json', ...headers }, body: envelope(TAG, data) }));
const configure = (config: unknown, model = 'iris'): string => {
  const text = JSON.stringify(config);
  s.parameters[configParameter(model)] = text;
  return configHash(text);
};
const lastReceived = () => s.model.received.at(-1)!;

describe('request mapping', () => {
  test('builds the model body from data: only the named fields travel, numbers exactly as B wrote them', async () => {
    configure({ request: '{inputs: [{name: `"input-0"`, data: data.rows[]}], id: data.id}' });
    s.model.behave(answerJson('{"ok":true}'));
    const body = `{"userTag":"${TAG}","data":{"rows":[[1,12345678901234567890],[1e400,-0]],"id":9007199254740993,"secret":"${SECRET}"}}`;
    const result = await s.invoke(restEvent({ body }));
    assert.equal(expectSuccess(result, TAG), '{"ok":true}');
    assert.equal(lastReceived().body, '{"inputs":[{"name":"input-0","data":[1,12345678901234567890,1e400,-0]}],"id":9007199254740993}');
    assert.ok(!lastReceived().body.includes(SECRET), 'a field the mapping does not name is not sent');
    assert.equal(lastReceived().headers['content-length'], String(Buffer.byteLength(lastReceived().body)));
  });

  test('sees only the headers that travel anyway: never Authorization, x-api-key or cookies', async () => {
    configure({ request: '{rid: headers."x-request-id", ip: headers."x-forwarded-for", auth: headers.authorization, key: headers."x-api-key", cookie: headers.cookie, all: keys(headers)}' });
    s.model.behave(answerJson('{}'));
    await s.invoke(restEvent({ headers: { 'Content-Type': 'application/json', Authorization: SECRET, 'x-api-key': SECRET, Cookie: SECRET }, body: envelope(TAG, {}), requestId: 'rid-1', sourceIp: '203.0.113.9' }));
    assert.deepEqual(JSON.parse(lastReceived().body), { rid: 'rid-1', ip: '203.0.113.9', auth: null, key: null, cookie: null, all: ['x-request-id', 'x-forwarded-for'] });
  });

  test('a required field B did not send: 400 INVALID_REQUEST naming it, userTag echoed, no model call', async () => {
    configure({ request: { expression: '{instances: data.rows}', required: ['data.rows'] } });
    const before = s.model.received.length;
    const logs = captureLogs();
    const result = await ask({ other: SECRET });
    const body = expectError(result, 400, 'INVALID_REQUEST', TAG);
    assert.match(body.error.message, /data\.rows is required by this model's request mapping\.$/);
    assert.equal(s.model.received.length, before);
    assertNoLeak(result, leak());
    assertLogsClean(logs.text(), leak());
  });

  test('a mapping that fails on B\'s data without a named field: 400 with a fixed message', async () => {
    configure({ request: '{n: length(data.rows)}' });
    const result = await ask({ rows: 5 });
    const body = expectError(result, 400, 'INVALID_REQUEST', TAG);
    assert.match(body.error.message, /data does not have what this model's request mapping needs\.$/);
  });

  test('without a request mapping the model receives data as it is', async () => {
    configure({ response: '@.response' });
    s.model.behave(answerJson('{}'));
    await ask({ a: [1, 2], b: 'x' });
    assert.equal(lastReceived().body, '{"a":[1,2],"b":"x"}');
  });
});

describe('response mapping', () => {
  test('builds result from {request, response}, request fields included, numbers exact', async () => {
    configure({ response: '{label: response.outputs[0].data[0], score: response.outputs[1].data[0], tag: request.userTag, case: request.data.caseId}' });
    s.model.behave(answerJson('{"outputs":[{"name":"label","data":["churn"]},{"name":"score","data":[0.98765432109876543210]}],"junk":1}'));
    const result = await s.invoke(restEvent({ body: `{"userTag":"${TAG}","data":{"caseId":12345678901234567890}}` }));
    assert.equal(expectSuccess(result, TAG), '{"label":"churn","score":0.98765432109876543210,"tag":"b-7","case":12345678901234567890}');
  });

  test('without a response mapping the model text is spliced verbatim (spacing, key order, big numbers)', async () => {
    configure({ request: '{x: data}' });
    const answer = '{ "z" : 1 , "a" : [ 12345678901234567890 , -0 ] }';
    s.model.behave(answerJson(answer));
    assert.equal(expectSuccess(await ask({}), TAG), answer.trim());
  });

  test('a response mapping that finds nothing or fails: 502 UPSTREAM_BAD_RESPONSE, model body not leaked', async () => {
    configure({ response: { expression: '{p: response.predictions}', required: ['response.predictions'] } });
    for (const answer of [`{"error":"${MODEL_SECRET}"}`, `{"predictions":null,"x":"${MODEL_SECRET}"}`]) {
      s.model.behave(answerJson(answer));
      const logs = captureLogs();
      const result = await ask({});
      expectError(result, 502, 'UPSTREAM_BAD_RESPONSE', TAG);
      assertNoLeak(result, leak());
      assertLogsClean(logs.text(), leak());
      assert.match(logs.text(), /"errorClass":"ResponseMappingFailed"/);
    }
    configure({ response: 'sum(response.values)' });
    s.model.behave(answerJson('{"values":"abc"}'));
    expectError(await ask({}), 502, 'UPSTREAM_BAD_RESPONSE', TAG);
  });
});

describe('errorWhen', () => {
  test("a 200 the rule matches is 502 UPSTREAM_ERROR; one it does not match is passed on", async () => {
    configure({ errorWhen: "status == 'FAILED'" });
    s.model.behave(answerJson(`{"status":"FAILED","reason":"${MODEL_SECRET}"}`));
    const logs = captureLogs();
    const failed = await ask({});
    expectError(failed, 502, 'UPSTREAM_ERROR', TAG);
    assertNoLeak(failed, leak());
    assert.match(logs.text(), /"errorClass":"ErrorWhenMatched"/);
    assertLogsClean(logs.text(), leak());
    s.model.behave(answerJson('{"status":"OK","value":1}'));
    assert.equal(expectSuccess(await ask({}), TAG), '{"status":"OK","value":1}', 'verbatim when only errorWhen is set');
  });

  test('applies before the response mapping', async () => {
    configure({ errorWhen: 'error', response: '{v: response.value}' });
    s.model.behave(answerJson('{"error":{"code":3},"value":1}'));
    expectError(await ask({}), 502, 'UPSTREAM_ERROR', TAG);
    s.model.behave(answerJson('{"error":null,"value":1}'));
    assert.equal(expectSuccess(await ask({}), TAG), '{"v":1}');
  });
});

describe('exposeUpstreamErrors', () => {
  const rejecting = (status: number, text: string): Behaviour => answerJson(text, status);

  test('off by default: a model 4xx is 422 with upstreamStatus and nothing of its body', async () => {
    configure({});
    s.model.behave(rejecting(400, `{"detail":"${MODEL_SECRET}"}`));
    const body = expectError(await ask({}), 422, 'MODEL_REJECTED_INPUT', TAG);
    assert.equal(body.error.upstreamStatus, 400);
    assert.equal((body.error as { details?: string }).details, undefined);
  });

  test('true: the body text as error.details, at most 1 KiB cut between characters; never in the log', async () => {
    configure({ exposeUpstreamErrors: true });
    const long = `{"detail":"${'é'.repeat(700)}${MODEL_SECRET}"}`;
    s.model.behave(rejecting(422, long));
    const logs = captureLogs();
    const body = expectError(await ask({}), 422, 'MODEL_REJECTED_INPUT', TAG) as { error: { details?: string } };
    assert.equal(body.error.details, long.slice(0, 11 + 506), '11 ASCII bytes then 506 two-byte characters fill 1023 of the 1024 bytes');
    assert.ok(Buffer.byteLength(body.error.details ?? '') <= 1024);
    assert.ok(!logs.text().includes('é'), 'the message is not logged');
  });

  test('an expression picks the message out of a JSON body; 401/403/404 and 5xx never expose anything', async () => {
    configure({ exposeUpstreamErrors: { message: 'detail' } });
    s.model.behave(rejecting(400, '{"detail":"features.contract: expected one of month-to-month, one-year, two-year","trace":"x"}'));
    const body = expectError(await ask({}), 422, 'MODEL_REJECTED_INPUT', TAG) as { error: { details?: string } };
    assert.equal(body.error.details, 'features.contract: expected one of month-to-month, one-year, two-year');
    s.model.behave(rejecting(400, '<html>not json</html>'));
    assert.equal((expectError(await ask({}), 422, 'MODEL_REJECTED_INPUT', TAG) as { error: { details?: string } }).error.details, undefined);
    for (const [status, code, httpStatus] of [[404, 'UPSTREAM_ERROR', 502], [500, 'UPSTREAM_ERROR', 502], [503, 'UPSTREAM_UNAVAILABLE', 503]] as const) {
      s.model.behave(rejecting(status, `{"detail":"${MODEL_SECRET}"}`));
      const result = await ask({});
      expectError(result, httpStatus, code, TAG);
      assertNoLeak(result, leak());
    }
  });
});

describe('timeoutMs', () => {
  test("the model's own deadline replaces UPSTREAM_TIMEOUT_MS", async () => {
    configure({ timeoutMs: 100 });
    s.model.behave(async (_req, res) => {
      await new Promise((resolve) => setTimeout(resolve, 400));
      answerJson('{}')(_req, res, '');
    });
    const started = performance.now();
    expectError(await ask({}), 504, 'UPSTREAM_TIMEOUT', TAG);
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 350, `answered at the model's 100 ms deadline, not the 2 s default (${Math.round(elapsed)} ms)`);
  });
});

describe('a config that does not validate', () => {
  test('is refused whole and logged with its reason and hash; the last good config keeps serving', async () => {
    const goodHash = configure({ response: '{good: response.v}' });
    s.model.behave(answerJson('{"v":1}'));
    assert.equal(expectSuccess(await ask({}), TAG), '{"good":1}');

    const logs = captureLogs();
    const badText = JSON.stringify({ response: '{bad: response.v', timeoutMs: 10 });
    s.parameters[configParameter('iris')] = badText;
    assert.equal(expectSuccess(await ask({}), TAG), '{"good":1}', 'the last good config serves');
    const rejected = logs.lines().map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.message === 'model config rejected');
    assert.equal(rejected.length, 1);
    assert.deepEqual(rejected[0], {
      ...rejected[0],
      level: 'WARN',
      model: 'iris',
      configHash: configHash(badText),
      reason: 'expression: /response syntax error at column 16',
      servingConfigHash: goodHash,
    });
    assert.equal(expectSuccess(await ask({}), TAG), '{"good":1}');
    assert.equal(logs.lines().filter((line) => line.includes('model config rejected')).length, 1, 'logged once per version');
    assertLogsClean(logs.text(), leak());
  });

  test('with no good version to fall back on, the model answers 503 CONFIG_UNAVAILABLE and is not listed', async () => {
    const model = await s.addModel('fresh');
    configure({ request: 7 }, 'fresh');
    const result = await ask({}, 'fresh');
    expectError(result, 503, 'CONFIG_UNAVAILABLE', TAG);
    assert.equal(model.received.length, 0);
    const listed = JSON.parse((await s.invoke(restEvent({ method: 'GET', path: '/v1/models', headers: {} }))).body) as { models: string[] };
    assert.ok(!listed.models.includes('fresh'));
    configure({}, 'fresh');
    expectSuccess(await ask({}, 'fresh'), TAG);
  });

  test("every log line about a configured model's request carries its config hash", async () => {
    const hash = configure({ request: { expression: 'data', required: ['data.x'] } });
    const logs = captureLogs();
    await ask({});
    const line = logs.lines().map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.message === 'request');
    assert.equal(line?.configHash, hash);
    assert.equal(line?.model, 'iris');
  });
});

describe('explain', () => {
  const explain = (data: unknown, headers: Record<string, string> = {}, model = 'iris') =>
    s.invoke(restEvent({ path: `/v1/models/${model}/explain`, headers: { 'Content-Type': 'application/json', ...headers }, body: typeof data === 'string' ? `{"userTag":"${TAG}","data":${data}}` : envelope(TAG, data), requestId: 'explain-1', sourceIp: '198.51.100.4' }));

  test('shows the body and headers the model would receive, without calling it or naming its endpoint', async () => {
    const hash = configure({ request: '{instances: data.rows, id: data.id}' });
    const before = s.model.received.length;
    const connections = s.model.connections;
    const result = await explain(`{"rows":[[1,2]],"id":12345678901234567890,"secret":"${SECRET}"}`);
    assert.equal(result.statusCode, 200);
    const body = `{"instances":[[1,2]],"id":12345678901234567890}`;
    assert.equal(
      result.body,
      `{"userTag":"${TAG}","result":{"model":"iris","variant":null,"configHash":"${hash}","method":"POST","headers":` +
        `{"content-type":"application/json","content-length":"${body.length}","accept":"application/json","user-agent":"contract-adapter",` +
        `"x-request-id":"explain-1","x-forwarded-for":"198.51.100.4"},"body":${body}}}`,
    );
    assert.equal(s.model.received.length, before);
    assert.equal(s.model.connections, connections, 'no socket');
    assertNoLeak(result, leak());
  });

  test('answers the errors predict would: unknown model, a mapping B\'s data does not fit, wrong method', async () => {
    configure({ request: { expression: 'data', required: ['data.rows'] } });
    expectError(await explain({}), 400, 'INVALID_REQUEST', TAG);
    expectError(await explain({}, {}, 'nosuch'), 404, 'UNKNOWN_MODEL', TAG);
    expectError(await s.invoke(restEvent({ method: 'GET', path: '/v1/models/iris/explain', headers: {} })), 405, 'METHOD_NOT_ALLOWED');
  });
});

describe('GET /v1/models', () => {
  test('lists the callable models, their usable variants and the ensembles', async () => {
    s.parameters[endpointParameter('lister')] = `${s.model.url}/lister`;
    s.parameters[`${PREFIX}/models/lister/variants/lab/endpoint`] = `${s.model.url}/lab`;
    s.parameters[`${PREFIX}/models/lister/variants/broken/endpoint`] = 'ftp://nowhere/';
    s.parameters[`${PREFIX}/ensembles/pair`] = JSON.stringify({ members: ['iris', 'lister'], policy: 'all', deadlineMs: 500 });
    s.parameters[`${PREFIX}/ensembles/bad`] = '{}';
    const result = await s.invoke(restEvent({ method: 'GET', path: '/v1/models', headers: {} }));
    const listed = JSON.parse(result.body) as { models: string[]; variants: Record<string, string[]>; ensembles: string[] };
    assert.ok(listed.models.includes('lister') && listed.models.includes('iris'));
    assert.deepEqual(listed.variants, { lister: ['lab'] });
    assert.deepEqual(listed.ensembles, ['pair']);
    assertNoLeak(result, leak());
  });
});
