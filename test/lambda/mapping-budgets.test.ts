// Mapping bounds and budgets through the real handler, SSM SDK and undici against loopback
// servers (docs/models.md, "Mappings"): an exponential expression refused at load without
// stalling another model, an amplifying response mapping cut at its budget (502), a request
// mapping over too much data (400), a model answer nested too deep (502), exact numbers computed
// exactly, and B's data nested 1,000 deep through a request mapping.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { PREFIX } from '../support/harness.ts';
import { predictPath, restEvent } from '../support/events.ts';
import { answerJson } from '../support/model-server.ts';
import { assertLogsClean, assertNoLeak, captureLogs, expectError, expectSuccess, marker, setup } from '../support/catalogue.ts';
import { configHash } from '../../lambda/config/model-config.ts';

const configParameter = (model: string): string => `${PREFIX}/models/${model}/config`;
const TAG = 'b-budget';
const MODEL_SECRET = marker('MODEL-SECRET');

// TTL 0: every request reads SSM again, so a test sees a parameter change at once.
const s = await setup({ env: { PARAMETER_CACHE_TTL_SECONDS: '0', UPSTREAM_TIMEOUT_MS: '2000' } });
after(() => s.close());

const ask = (body: string, model = 'iris') => s.invoke(restEvent({ path: predictPath(model), body }));
const envelopeText = (dataText: string) => `{"userTag":"${TAG}","data":${dataText}}`;
const configure = (config: unknown, model = 'iris'): string => {
  const text = JSON.stringify(config);
  s.parameters[configParameter(model)] = text;
  return configHash(text);
};
const requestLine = (lines: string[]) => lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.message === 'request');

/** `` `1` | [@,@] | [@,@] ... ``: each stage doubles what the one before built. */
const doubling = (stages: number): string => `\`1\`${' | [@,@]'.repeat(stages)}`;

describe('bounds at load', () => {
  test('H63 a 470-character errorWhen that would build 2^58 copies is refused at once, naming the limit; the last good config keeps serving', async () => {
    const goodHash = configure({ response: '{good: response.v}' });
    s.model.behave(answerJson('{"v":1}'));
    assert.equal(expectSuccess(await ask(envelopeText('{}')), TAG), '{"good":1}');

    const errorWhen = `${doubling(58)}   `;
    assert.equal(errorWhen.length, 470);
    const logs = captureLogs();
    const badText = JSON.stringify({ errorWhen, response: '{bad: response.v}' });
    s.parameters[configParameter('iris')] = badText;
    assert.equal(expectSuccess(await ask(envelopeText('{}')), TAG), '{"good":1}', 'refused: the last good config serves');
    const rejected = logs.lines().map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.message === 'model config rejected');
    assert.deepEqual(rejected, {
      ...rejected,
      model: 'iris',
      configHash: configHash(badText),
      reason: 'expression: /errorWhen could build more than 1048576 copies of its input',
      servingConfigHash: goodHash,
    });
  });

  test('H68 a config that would never finish compiling under a probe does not delay another model', { timeout: 60_000 }, async () => {
    // Two equal 2^40-element values compared: evaluated against null at load (what the old
    // code did to compile), this never finishes, and every model waits for the snapshot.
    const chain = doubling(40);
    const errorWhen = `[${chain}, ${chain}] | @[0] == @[1]`;
    assert.ok(errorWhen.length < 700);
    await s.addModel('heavy', answerJson('{}'));
    await s.addModel('churn', answerJson('{"label":"stay"}'));
    configure({ errorWhen }, 'heavy');
    configure({ response: '{label: response.label}' }, 'churn');
    assert.equal(expectSuccess(await ask(envelopeText('{}'), 'churn'), TAG), '{"label":"stay"}');
    expectError(await ask(envelopeText('{}'), 'heavy'), 503, 'CONFIG_UNAVAILABLE', TAG);
  });
});

describe('budgets at evaluation', () => {
  test('H64 a 95-character response mapping that would turn a 7-byte answer into megabytes: 502 UPSTREAM_BAD_RESPONSE, not 500', async () => {
    const response = `@${'|[@,@,@,@]'.repeat(9)}|[@]`;
    assert.equal(response.length, 95);
    configure({ response });
    const answer = '{"a":1}';
    assert.equal(answer.length, 7);
    s.model.behave(answerJson(answer));
    const logs = captureLogs();
    const result = await ask(envelopeText(`{"note":"${'n'.repeat(200)}"}`));
    expectError(result, 502, 'UPSTREAM_BAD_RESPONSE', TAG);
    assert.equal(requestLine(logs.lines())?.errorClass, 'ExpressionBudgetExceeded');
    assertLogsClean(logs.text());
  });

  test('H64 errorWhen that exhausts its budget on the answer: 502 UPSTREAM_BAD_RESPONSE', async () => {
    configure({ errorWhen: 'rows[*].[@, @, @, @, @, @, @, @] | length(@) > `0`' });
    s.model.behave(answerJson(`{"rows":[${Array.from({ length: 20_000 }, (_, i) => i).join(',')}],"x":"${MODEL_SECRET}"}`));
    const logs = captureLogs();
    const result = await ask(envelopeText('{}'));
    expectError(result, 502, 'UPSTREAM_BAD_RESPONSE', TAG);
    assert.equal(requestLine(logs.lines())?.errorClass, 'ExpressionBudgetExceeded');
    assertNoLeak(result, { servers: s.servers, secrets: [MODEL_SECRET] });
  });

  test('H65 a request mapping that exhausts its budget on B\'s data: 400 INVALID_REQUEST with a fixed message, no model call', async () => {
    configure({ request: '{rows: data.rows[*].{a: @, b: @, c: @}}' });
    const before = s.model.received.length;
    const logs = captureLogs();
    const rows = Array.from({ length: 40_000 }, () => 0).join(',');
    const result = await ask(envelopeText(`{"rows":[${rows}]}`));
    const body = expectError(result, 400, 'INVALID_REQUEST', TAG);
    assert.equal(body.error.message, "The request envelope is invalid. data is too large for this model's request mapping.");
    assert.equal(s.model.received.length, before, 'the model is not called');
    assert.equal(requestLine(logs.lines())?.errorClass, 'ExpressionBudgetExceeded');
    // The same mapping on data of an ordinary size goes through.
    s.model.behave(answerJson('{}'));
    expectSuccess(await ask(envelopeText('{"rows":[1,2]}')), TAG);
    assert.equal(s.model.received.at(-1)?.body, '{"rows":[{"a":1,"b":1,"c":1},{"a":2,"b":2,"c":2}]}');
  });

  test('H65 the budget admits a linear mapping over any body under the default 1 MiB cap: 100,000 rows of [1,2,3,4] through the KServe request mapping', async () => {
    configure({
      request: {
        expression: "{inputs: [{name: 'input-0', shape: [length(data.instances), `4`], datatype: 'FP32', data: data.instances[]}]}",
        required: ['data.instances'],
      },
    });
    s.model.behave(answerJson('{"outputs":[]}'));
    const rows = Array.from({ length: 100_000 }, () => '[1,2,3,4]').join(',');
    const text = envelopeText(`{"instances":[${rows}]}`);
    assert.ok(Buffer.byteLength(text) < 1_048_576, `${Buffer.byteLength(text)} bytes`);
    expectSuccess(await ask(text), TAG);
    const sent = JSON.parse(s.model.received.at(-1)?.body ?? '{}') as { inputs: Array<{ shape: number[]; data: number[] }> };
    assert.deepEqual(sent.inputs[0]?.shape, [100_000, 4]);
    assert.equal(sent.inputs[0]?.data.length, 400_000);
  });

  test('H67 a model answer nested deeper than MAX_JSON_DEPTH, under a response mapping or errorWhen: 502 UPSTREAM_BAD_RESPONSE, not 500', async () => {
    const deep = (levels: number) => `{"v":${'['.repeat(levels)}1${']'.repeat(levels)}}`;
    for (const config of [{ response: '{v: response.v}' }, { errorWhen: 'v[0]' }, { response: 'response.v', errorWhen: 'error' }]) {
      configure(config);
      s.model.behave(answerJson(deep(100_000)));
      const logs = captureLogs();
      expectError(await ask(envelopeText('{}')), 502, 'UPSTREAM_BAD_RESPONSE', TAG);
      assert.equal(requestLine(logs.lines())?.errorClass, 'ResponseMappingFailed', JSON.stringify(config));
      // At the limit (MAX_JSON_DEPTH 64 counts the answer's own object) it is read.
      s.model.behave(answerJson(deep(63)));
      const result = await ask(envelopeText('{}'));
      assert.notEqual(result.statusCode, 500);
      if ('response' in config && !('errorWhen' in config)) assert.equal(expectSuccess(result, TAG), deep(63));
    }
  });
});

describe('exact numbers through mappings', () => {
  const data = '{"vals":[12345678901234567890,3,-7],"s":"12345678901234567890","negzero":-0,"ints":[9007199254740993,1],"rows":[{"id":12345678901234567891},{"id":12345678901234567890}]}';

  test('H66 max, min, sort, to_number, type, comparisons and sums keep every digit; -0 == 0', async () => {
    configure({
      request:
        '{top: max(vals), low: min(vals), sorted: sort(vals), n: to_number(s), t: type(vals[0]), z: negzero == `0`, above: vals[?@ > `12345678901234567889`], sum: sum(ints), first: min_by(rows, &id).id, lit: `12345678901234567890` == vals[0]}'.replace(
          /\b(vals|s|negzero|ints|rows)\b/g,
          'data.$1',
        ),
    });
    s.model.behave(answerJson('{}'));
    expectSuccess(await ask(envelopeText(data)), TAG);
    assert.equal(
      s.model.received.at(-1)?.body,
      '{"top":12345678901234567890,"low":-7,"sorted":[-7,3,12345678901234567890],"n":12345678901234567890,"t":"number","z":true,"above":[12345678901234567890],"sum":9007199254740994,"first":12345678901234567890,"lit":true}',
    );
  });

  test('H66 on the response side too; what has no exact answer fails the mapping (502), never a rounded number', async () => {
    configure({ response: '{top: max(response.vals), sorted: sort_by(response.rows, &id)[].id}' });
    s.model.behave(answerJson(data));
    assert.equal(expectSuccess(await ask(envelopeText('{}')), TAG), '{"top":12345678901234567890,"sorted":[12345678901234567890,12345678901234567891]}');
    configure({ response: '{mean: avg(response.vals)}' });
    expectError(await ask(envelopeText('{}')), 502, 'UPSTREAM_BAD_RESPONSE', TAG);
    configure({ request: '{mean: avg(data.vals)}' });
    expectError(await ask(envelopeText(data)), 400, 'INVALID_REQUEST', TAG);
  });

  test('H66 fields named like JavaScript built-ins are read as fields, not refused', async () => {
    // B's envelope may not hold a __proto__ key (the envelope check refuses it); a model's answer may.
    configure({ request: '{c: data.constructor, t: data.toString, none: data.valueOf}' });
    s.model.behave(answerJson('{}'));
    expectSuccess(await ask(envelopeText('{"constructor":"c","toString":12345678901234567890}')), TAG);
    assert.equal(s.model.received.at(-1)?.body, '{"c":"c","t":12345678901234567890,"none":null}');
    configure({ response: '{p: response.__proto__, c: response.constructor, __proto__: response.hasOwnProperty}' });
    s.model.behave(answerJson('{"__proto__":{"x":1},"constructor":[2]}'));
    assert.equal(expectSuccess(await ask(envelopeText('{}')), TAG), '{"p":{"x":1},"c":[2],"__proto__":null}');
  });
});

describe('B\'s data 1,000 deep through a request mapping', () => {
  test('H56 with MAX_JSON_DEPTH 1000: exact numbers and a \\u escape arrive intact', async (t) => {
    const deep = await setup({ env: { PARAMETER_CACHE_TTL_SECONDS: '0', UPSTREAM_TIMEOUT_MS: '2000', MAX_JSON_DEPTH: '1000' } });
    t.after(() => deep.close());
    deep.parameters[configParameter('iris')] = JSON.stringify({ request: { expression: '{id: data.id, name: data.name, tree: data.tree}', required: ['data.tree'] } });
    deep.model.behave(answerJson('{"ok":true}'));
    // data is one level, tree the other 999: `[` 998 times around an object.
    const leaf = '{"n":12345678901234567890,"z":-0,"e":1e400}';
    const tree = `${'['.repeat(998)}${leaf}${']'.repeat(998)}`;
    const body = `{"userTag":"${TAG}","data":{"id":9007199254740993,"name":"caf\\u00e9","tree":${tree}}}`;
    const result = await deep.invoke(restEvent({ path: predictPath('iris'), body }));
    assert.equal(expectSuccess(result, TAG), '{"ok":true}');
    assert.equal(deep.model.received.at(-1)?.body, `{"id":9007199254740993,"name":"café","tree":${tree}}`);
    // One level more is B's 400, before any mapping.
    const tooDeep = `{"userTag":"${TAG}","data":{"tree":[${tree}]}}`;
    expectError(await deep.invoke(restEvent({ path: predictPath('iris'), body: tooDeep })), 400, 'INVALID_REQUEST');
  });
});
