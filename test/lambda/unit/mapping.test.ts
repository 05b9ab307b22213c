import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseLossless } from '../../../lambda/contract/json-text.ts';
import { ExpressionError, ExpressionFailure, compileExpression, isTruthy } from '../../../lambda/mapping/expression.ts';
import { applyMapping, compileMapping } from '../../../lambda/mapping/mapping.ts';

describe('compileExpression', () => {
  test('refuses syntax errors at load, with a column and without the parser message', () => {
    for (const source of ['{a: ', 'data.[', '{inputs: [data.x}', '', '   ']) {
      assert.throws(() => compileExpression(source), (error: Error) => {
        assert.ok(error instanceof ExpressionError, source);
        assert.match(error.message, /^syntax error( at column \d+)?$/);
        return true;
      });
    }
  });

  test('refuses an unknown function even in a branch that would not run for the probe', () => {
    assert.throws(() => compileExpression('data && lenght(data.x)'), /unknown function lenght\(\)/);
    assert.throws(() => compileExpression("{a: 'x(y)', b: nope(data)}"), /unknown function nope\(\)/);
    // Names inside string and JSON literals are not calls.
    assert.doesNotThrow(() => compileExpression("{a: 'nope(1)', b: `\"nope(1)\"`, c: \"nope(\"}"));
  });

  test('refuses a wrong argument count when the probe reaches it', () => {
    assert.throws(() => compileExpression('abs(`1`, `2`)'), /wrong number of arguments/);
  });

  test('reads fields named like JavaScript built-ins as the ordinary fields they are', () => {
    const input = JSON.parse('{"data":{"constructor":1,"toString":"t","hasOwnProperty":[2],"__proto__":{"x":3},"valueOf":null}}');
    for (const name of ['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf']) {
      // Present: the data's own value; absent: null, never Object.prototype's member.
      assert.deepEqual(compileExpression(`data.${name}`).evaluate(input), input.data[name], name);
      assert.deepEqual(compileExpression(`data."${name}"`).evaluate(input), input.data[name], name);
      assert.equal(compileExpression(`data.missing.${name}`).evaluate(input), null, name);
      assert.equal(compileExpression(name).evaluate({}), null, name);
      // As an output key it is only a key.
      const built = compileExpression(`{${name}: data.${name}}`).evaluate(input) as object;
      assert.deepEqual(Object.keys(built), [name]);
      assert.equal(JSON.stringify(built), JSON.stringify({ [name]: input.data[name] }));
    }
    // A __proto__ key the mapping builds is an own key: the object's prototype stays Object.prototype.
    const built = compileExpression('{__proto__: data.__proto__}').evaluate(input) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(built), Object.prototype);
    assert.ok(Object.hasOwn(built, '__proto__'));
    assert.equal(JSON.stringify(built), '{"__proto__":{"x":3}}');
    assert.equal((built as { x?: unknown }).x, undefined, 'nothing inherited from the value');
    // A quoted identifier that is an ordinary name still reads the field.
    assert.equal(compileExpression('data."my-field"').evaluate({ data: { 'my-field': 3 } }), 3);
  });

  test('a type error at run time is an ExpressionFailure', () => {
    const expression = compileExpression('length(data.x)');
    assert.equal(expression.evaluate({ data: { x: [1, 2] } }), 2);
    assert.throws(() => expression.evaluate({ data: {} }), ExpressionFailure);
  });

  test('JMESPath truth: 0 is true; false, null, "", [] and {} are false', () => {
    for (const value of [0, 1, 'a', [0], { a: null }, true, JSON.rawJSON('12345678901234567890')]) assert.equal(isTruthy(value), true, JSON.stringify(value));
    for (const value of [false, null, undefined, '', [], {}]) assert.equal(isTruthy(value), false, JSON.stringify(value));
  });
});

describe('applyMapping', () => {
  const kserve = compileMapping({
    expression: "{inputs: [{name: 'input-0', shape: [length(data.instances), `4`], datatype: 'FP32', data: data.instances[]}]}",
    required: ['data.instances'],
  });

  test('builds JSON structurally; only what the expression names is in it', () => {
    const outcome = applyMapping(kserve, { userTag: 't', data: { instances: [[1, 2, 3, 4]], secret: 'x' }, headers: {} });
    assert.deepEqual(outcome, { ok: true, value: { inputs: [{ name: 'input-0', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] } });
  });

  test('a missing required path is named; null does not count as present', () => {
    assert.deepEqual(applyMapping(kserve, { data: {} }), { ok: false, missing: 'data.instances' });
    assert.deepEqual(applyMapping(kserve, { data: { instances: null } }), { ok: false, missing: 'data.instances' });
  });

  test('a mapping that finds nothing, or fails on a type, is a failure and never throws', () => {
    assert.deepEqual(applyMapping(compileMapping('data.rows'), { data: {} }), { ok: false });
    const failed = applyMapping(compileMapping('sum(data.rows)'), { data: { rows: 'abc' } });
    assert.equal(failed.ok, false);
    assert.ok(!failed.ok && failed.cause instanceof ExpressionFailure);
  });

  test('numbers beyond a double are carried as B wrote them, through paths, projections and flattening', () => {
    const text = '{"data":{"id":12345678901234567890123,"rows":[[1e400,-0],[0.1000000000000000055511151231257827,2]],"n":9007199254740993}}';
    const input = parseLossless(text);
    const outcome = applyMapping(compileMapping('{id: data.id, flat: data.rows[], first: data.rows[*][0], n: [data.n]}'), input);
    assert.ok(outcome.ok);
    assert.equal(
      JSON.stringify(outcome.value),
      '{"id":12345678901234567890123,"flat":[1e400,-0,0.1000000000000000055511151231257827,2],"first":[1e400,0.1000000000000000055511151231257827],"n":[9007199254740993]}',
    );
  });

  test('a function that computes on such a number is exact, or fails the mapping instead of rounding it', () => {
    // Was: sum() on 2^53 + 1 failed the mapping (Powertools would have rounded it). The engine's
    // integer sum is exact, as jmespath.py's (Python's) is.
    const input = parseLossless('{"data":{"rows":[9007199254740993, 1],"third":[1, 1, 12345678901234567890],"long":[0.1000000000000000055511151231257827, 1]}}');
    const total = applyMapping(compileMapping('{total: sum(data.rows)}'), input);
    assert.ok(total.ok);
    assert.equal(JSON.stringify(total.value), '{"total":9007199254740994}');
    // No exact answer: the mapping fails, never a rounded number.
    for (const expression of ['avg(data.third)', 'sum(data.long)']) {
      const failed = applyMapping(compileMapping(expression), input);
      assert.ok(!failed.ok && failed.cause instanceof ExpressionFailure, expression);
    }
  });
});
