// A model's own error rules, its data schema, and ensembles whose members refuse B's input,
// through the real handler (docs/models.md, "Error rules" and "Data schema"; docs/contract.md,
// "Errors" and "Ensembles").
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { parseModelConfig } from '../../lambda/config/model-config.ts';
import { assertLogsClean, assertNoLeak, captureLogs, expectError, expectSuccess, marker, setup } from '../support/catalogue.ts';
import { envelope, predictPath, restEvent } from '../support/events.ts';
import { PREFIX } from '../support/harness.ts';
import { answerJson, type Behaviour } from '../support/model-server.ts';
import { exchange, replay } from '../support/recorded-servers.ts';

const logs = captureLogs();
const s = await setup();
after(() => s.close());

const text =
  (body: string, status: number, headers: Record<string, string> = {}): Behaviour =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
    res.end(body);
  };

const configure = (name: string, config: unknown) => {
  s.parameters[`${PREFIX}/models/${name}/config`] = JSON.stringify(config);
};

const ruled = await s.addModel('ruled');
configure('ruled', {
  errors: {
    preset: 'kserve-v2',
    rules: [
      { status: [500], json: "error == 'overloaded'", outcome: { code: 'UPSTREAM_UNAVAILABLE', retryable: true } },
      { status: [500, 502], text: 'Internal Server Error', outcome: { code: 'UPSTREAM_ERROR', retryable: false } },
      { status: [500], textContains: 'bad row', outcome: 'MODEL_REJECTED_INPUT' },
      { status: [500], json: 'length(error) > `0` && error == "never"', outcome: 'MODEL_REJECTED_INPUT' },
      { status: [418], outcome: 'UPSTREAM_ERROR' },
      // Before the preset's rule for this body: the config's own rules come first.
      { status: [500], json: "starts_with(error, 'X has 9 features')", outcome: { code: 'UPSTREAM_ERROR', retryable: false } },
    ],
  },
  exposeUpstreamErrors: true,
});
configure('quiet', { errors: { rules: [{ status: [500], textContains: 'bad row', outcome: 'MODEL_REJECTED_INPUT' }] } });
const quiet = await s.addModel('quiet');
const schemaModel = await s.addModel('schema');
configure('schema', {
  dataSchema: {
    type: 'object',
    required: ['instances'],
    additionalProperties: false,
    properties: {
      instances: { type: 'array', minItems: 1, maxItems: 3, items: { type: 'array', minItems: 4, maxItems: 4, items: { type: 'number', minimum: 0 } } },
      mode: { enum: ['fast', 'exact'] },
      label: { type: ['string', 'null'], maxLength: 3 },
      'odd key': { type: 'integer' },
    },
  },
});

// An endpoint parameter written with `--value file://endpoint.txt` ends in the file's newline.
const fromFile = await s.addModel('from-file', answerJson('{"ok":true}'));
s.parameters[`${PREFIX}/models/from-file/endpoint`] = `${fromFile.url}/predict\n`;

const predict = (model: string, data: unknown = { instances: [[5.1, 3.5, 1.4, 0.2]] }) => s.invoke(restEvent({ path: predictPath(model), body: envelope('t-1', data) }));

describe('a model\'s own error rules', () => {
  test('json, text and textContains rules decide the outcome; the first that holds wins; a rule that fails to evaluate does not hold', async () => {
    ruled.behave(answerJson('{"error":"overloaded"}', 500, { 'retry-after': '7' }));
    let result = await predict('ruled');
    let body = expectError(result, 503, 'UPSTREAM_UNAVAILABLE', 't-1');
    assert.equal(body.error.retryable, true);
    assert.equal(result.headers['retry-after'], '7', "the model's Retry-After, clamped");

    ruled.behave(text('Internal Server Error', 500));
    body = expectError(await predict('ruled'), 502, 'UPSTREAM_ERROR', 't-1');
    assert.equal(body.error.retryable, false, 'the rule states it');
    ruled.behave(text('Internal Server Error', 502));
    assert.equal(expectError(await predict('ruled'), 502, 'UPSTREAM_ERROR', 't-1').error.retryable, false);

    ruled.behave(text('row 3: bad row width', 500));
    body = expectError(await predict('ruled'), 422, 'MODEL_REJECTED_INPUT', 't-1');
    assert.deepEqual({ retryable: body.error.retryable, upstreamStatus: body.error.upstreamStatus, details: (body.error as { details?: string }).details }, { retryable: false, upstreamStatus: 500, details: 'row 3: bad row width' });

    // A JSON body is not text: the text rules do not see it, and no other rule holds.
    ruled.behave(answerJson('"Internal Server Error"', 500));
    assert.equal(expectError(await predict('ruled'), 502, 'UPSTREAM_ERROR', 't-1').error.retryable, true);
    // length(error) fails on a number: that rule does not hold, and neither does any other.
    ruled.behave(answerJson('{"error": 5}', 500));
    assert.equal(expectError(await predict('ruled'), 502, 'UPSTREAM_ERROR', 't-1').error.retryable, true);
    // A rule without a body match holds for any body of its status.
    ruled.behave(answerJson('{}', 418));
    assert.equal(expectError(await predict('ruled'), 502, 'UPSTREAM_ERROR', 't-1').error.retryable, true);
    // The config's rule before the preset's, which would say 422 for this body.
    ruled.behave(answerJson('{"error":"X has 9 features, but LogisticRegression is expecting 4 features as input."}', 500));
    assert.equal(expectError(await predict('ruled'), 502, 'UPSTREAM_ERROR', 't-1').error.retryable, false);
    // And the preset's rule where the config has none.
    ruled.behave(replay(exchange('kserve.json', 'v2 bad: 5 features')));
    body = expectError(await predict('ruled'), 422, 'MODEL_REJECTED_INPUT', 't-1');
    assert.equal((body.error as { details?: string }).details, 'X has 5 features, but LogisticRegression is expecting 4 features as input.');
  });

  test('a body over 64 KiB is judged by its first 64 KiB: a JSON rule sees no JSON; the socket goes', async () => {
    const big = `{"error":"overloaded","pad":"${'x'.repeat(70 * 1024)}"}`;
    ruled.behave(answerJson(big, 500));
    assert.equal(expectError(await predict('ruled'), 502, 'UPSTREAM_ERROR', 't-1').error.retryable, true);
    const prefix = `row 1: bad row ${'y'.repeat(70 * 1024)}`;
    ruled.behave(text(prefix, 500));
    const body = expectError(await predict('ruled'), 422, 'MODEL_REJECTED_INPUT', 't-1');
    assert.equal(Buffer.byteLength((body.error as { details?: string }).details ?? ''), 1024, 'details: at most 1 KiB');
  });

  test('the body never reaches the log; the log line names the rule\'s class', async () => {
    const secret = marker('model-body');
    ruled.behave(text(`bad row ${secret}`, 500));
    const mark = logs.lines().length;
    const result = await predict('ruled');
    expectError(result, 422, 'MODEL_REJECTED_INPUT', 't-1');
    const lines = logs.lines().slice(mark).join('\n');
    assertLogsClean(lines, { servers: s.servers, secrets: [secret] });
    assert.match(lines, /"errorClass":\s*"ErrorRuleMatched"/);
    // Without exposeUpstreamErrors the body reaches B as nothing at all.
    quiet.behave(text(`bad row ${secret}`, 500));
    const answered = await predict('quiet');
    expectError(answered, 422, 'MODEL_REJECTED_INPUT', 't-1');
    assertNoLeak(answered, { servers: s.servers, secrets: [secret] });
    assert.equal(quiet.received.length, 1);
  });

  test('the config schema refuses rules it cannot read, naming where', () => {
    const reason = (config: unknown) => {
      const parsed = parseModelConfig(JSON.stringify(config));
      return parsed.ok ? 'ok' : parsed.reason;
    };
    assert.equal(reason({ errors: { preset: 'kserve-v2' } }), 'ok');
    assert.equal(reason({ errors: { preset: 'triton' } }), 'schema: /errors/preset must be equal to one of the allowed values');
    assert.equal(reason({ errors: {} }), 'schema: /errors must NOT have fewer than 1 properties');
    assert.equal(reason({ errors: { rules: [{ status: [302], outcome: 'UPSTREAM_ERROR' }] } }), 'schema: /errors/rules/0/status/0 must be >= 400');
    assert.equal(reason({ errors: { rules: [{ status: [500], json: 'a', text: 'b', outcome: 'UPSTREAM_ERROR' }] } }), 'schema: /errors/rules/0 must NOT have more than 3 properties');
    assert.equal(reason({ errors: { rules: [{ status: [500], outcome: { code: 'MODEL_REJECTED_INPUT', retryable: true } }] } }), 'schema: /errors/rules/0/outcome/code must be equal to one of the allowed values');
    assert.equal(reason({ errors: { rules: [{ status: [500], outcome: 'INTERNAL' }] } }), 'schema: /errors/rules/0/outcome must be equal to one of the allowed values');
    assert.equal(reason({ errors: { rules: [{ status: [500], json: 'error ==', outcome: 'UPSTREAM_ERROR' }] } }), 'expression: /errors/rules/0/json syntax error at column 8');
  });
});

describe('a declared data schema', () => {
  test('data that breaks it is 400 naming the path and the rule, never a value, and the model is not called', async () => {
    schemaModel.behave(answerJson('{"ok":true}'));
    const before = schemaModel.received.length;
    const cases: [unknown, string][] = [
      [{ instances: [[5.1, 3.5, 1.4, 0.2, 9.9]] }, 'data.instances[0] must have 4 items.'],
      [{ instances: [[5.1, 3.5, 1.4]] }, 'data.instances[0] must have 4 items.'],
      [{ instances: [[5.1, 3.5, 1.4, 0.2], [1, 2, 'x', 4]] }, 'data.instances[1][2] must be a number.'],
      [{ instances: [[5.1, 3.5, 1.4, -1]] }, 'data.instances[0][3] must be at least 0.'],
      [{ instances: [] }, 'data.instances must have at least 1 item.'],
      [{ instances: [[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4]] }, 'data.instances must have at most 3 items.'],
      [{ rows: [[1, 2, 3, 4]] }, 'data.instances is required.'],
      [{ instances: 'x' }, 'data.instances must be an array.'],
      [{ instances: [[1, 2, 3, 4]], mode: 'slow' }, 'data.mode must be one of ["fast","exact"].'],
      [{ instances: [[1, 2, 3, 4]], label: 7 }, 'data.label must be a string or null.'],
      [{ instances: [[1, 2, 3, 4]], label: 'long' }, 'data.label must have at most 3 characters.'],
      [{ instances: [[1, 2, 3, 4]], 'odd key': 1.5 }, 'data."odd key" must be an integer.'],
      [{ instances: [[1, 2, 3, 4]], 'secret-key-xyz': 1 }, 'data has a field this model does not take.'],
    ];
    for (const [data, detail] of cases) {
      const body = expectError(await predict('schema', data), 400, 'INVALID_REQUEST', 't-1');
      assert.equal(body.error.message, `The request envelope is invalid. ${detail}`, JSON.stringify(data));
    }
    assert.equal(schemaModel.received.length, before, 'the model is never called');
  });

  test('data that fits goes on, exact numbers included', async () => {
    schemaModel.behave(answerJson('{"ok":true}'));
    const data = '{"instances":[[12345678901234567890,1e400,-0,0.5]],"label":null,"odd key":12345678901234567890}';
    const result = await s.invoke(restEvent({ path: predictPath('schema'), body: `{"userTag":"t-1","data":${data}}` }));
    assert.equal(expectSuccess(result, 't-1'), '{"ok":true}');
    assert.equal(schemaModel.received.at(-1)?.body, data, 'forwarded exactly as B wrote it');
  });

  test('a schema beyond its bounds, or outside the subset, refuses the config', () => {
    let deep: Record<string, unknown> = { type: 'number' };
    for (let i = 0; i < 16; i++) deep = { type: 'array', items: deep };
    const refused = parseModelConfig(JSON.stringify({ dataSchema: deep }));
    assert.deepEqual(refused.ok ? 'ok' : refused.reason, 'schema: /dataSchema nests schemas more than 16 deep');
    const other = parseModelConfig(JSON.stringify({ dataSchema: { anyOf: [{ type: 'number' }] } }));
    assert.deepEqual(other.ok ? 'ok' : other.reason, 'schema: /dataSchema must NOT have additional properties ("anyOf")');
    const wide = { type: 'object', properties: Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`p${i}`, { type: 'object', properties: Object.fromEntries(Array.from({ length: 250 }, (_, j) => [`q${j}`, { type: 'number' }])) }])) };
    const many = parseModelConfig(JSON.stringify({ dataSchema: wide }));
    assert.deepEqual(many.ok ? 'ok' : many.reason, 'schema: /dataSchema has more than 1024 schemas');
  });
});

const rejecting = exchange('kserve.json', 'v2 bad: 5 features');
const members = ['k1', 'k2', 'm1', 'ok1', 'down1'] as const;
for (const name of members) configure(name, { errors: { preset: name.startsWith('m') ? 'mlserver' : 'kserve-v2' }, exposeUpstreamErrors: true });
const servers = Object.fromEntries(await Promise.all(members.map(async (name) => [name, await s.addModel(name)] as const)));
servers.k1?.behave(replay(rejecting));
servers.k2?.behave(replay(rejecting));
servers.m1?.behave(replay(exchange('mlserver.json', 'v2 bad: 5 features')));
servers.ok1?.behave(answerJson('{"predictions":[1]}'));
servers.down1?.behave(answerJson('{}', 503));
const ensemble = (name: string, config: unknown) => {
  s.parameters[`${PREFIX}/ensembles/${name}`] = JSON.stringify(config);
};
ensemble('both-refuse', { members: ['k1', 'k2'], policy: 'any', deadlineMs: 2000 });
ensemble('all-one-refuses', { members: ['ok1', 'k1'], policy: 'all', deadlineMs: 2000 });
ensemble('refuse-and-down', { members: ['k1', 'down1'], policy: 'any', deadlineMs: 2000 });
ensemble('refuse-and-mlserver', { members: ['k1', 'm1'], policy: 'any', deadlineMs: 2000 });
ensemble('quorum-met', { members: ['ok1', 'k1'], policy: 'any', deadlineMs: 2000 });
const call = (name: string) => s.invoke(restEvent({ path: `/v1/ensembles/${name}/predict`, body: envelope('t-1', { instances: [[1, 2, 3, 4]] }) }));
const details = 'X has 5 features, but LogisticRegression is expecting 4 features as input.';
const refusal = { code: 'MODEL_REJECTED_INPUT', message: 'The model rejected the input.', retryable: false, upstreamStatus: 500, details };

describe('ensembles whose members refuse B\'s input', () => {
  test('every member refused: 422 with each member\'s error, not retryable', async () => {
    const result = await call('both-refuse');
    const body = expectError(result, 422, 'MODEL_REJECTED_INPUT', 't-1') as unknown as { error: { retryable: boolean; upstreamStatus?: number }; errors: unknown };
    assert.equal(body.error.retryable, false);
    assert.equal(body.error.upstreamStatus, undefined, 'the members\' statuses are in errors');
    assert.deepEqual(body.errors, { k1: refusal, k2: refusal });
  });

  test('policy all, one member refused: 422, the member that answered is not an error', async () => {
    const body = expectError(await call('all-one-refuses'), 422, 'MODEL_REJECTED_INPUT', 't-1') as unknown as { errors: unknown };
    assert.deepEqual(body.errors, { k1: refusal });
  });

  test('mixed failures: 502, retryable when a member\'s failure is', async () => {
    const down = expectError(await call('refuse-and-down'), 502, 'UPSTREAM_ERROR', 't-1') as unknown as { error: { retryable: boolean }; errors: Record<string, { code: string; retryable: boolean }> };
    assert.equal(down.error.retryable, true);
    assert.deepEqual(Object.keys(down.errors).sort(), ['down1', 'k1']);
    assert.deepEqual({ code: down.errors.down1?.code, retryable: down.errors.down1?.retryable }, { code: 'UPSTREAM_UNAVAILABLE', retryable: true });
    const neither = expectError(await call('refuse-and-mlserver'), 502, 'UPSTREAM_ERROR', 't-1') as unknown as { error: { retryable: boolean }; errors: Record<string, unknown> };
    assert.equal(neither.error.retryable, false, 'a refusal and a fault that will not change: retrying cannot help');
    assert.deepEqual(neither.errors.m1, { code: 'UPSTREAM_ERROR', message: 'The model failed to answer.', retryable: false });
  });

  test('policy met: 200, the refusing member\'s error with its status and details', async () => {
    const result = await call('quorum-met');
    assert.equal(result.statusCode, 200, result.body);
    assert.deepEqual(JSON.parse(result.body), { userTag: 't-1', result: { ok1: { predictions: [1] } }, partial: true, errors: { k1: refusal } });
  });
});

test('trailing newline: an endpoint written from a file (put-parameter --value file://endpoint.txt) serves as the URL without it', async () => {
  assert.equal(expectSuccess(await predict('from-file'), 't-1'), '{"ok":true}');
  assert.equal(fromFile.received.at(-1)?.url, '/predict');
});
