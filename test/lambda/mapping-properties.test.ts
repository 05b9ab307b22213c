// Properties of the mapping engine (lambda/mapping/), with fast-check: whatever B or a model
// writes, a mapping carries numbers exactly, builds only the fields it names, never mutates its
// input, and never throws anything but its own failures.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parseLossless } from '../../lambda/contract/json-text.ts';
import { ExpressionError, compileExpression } from '../../lambda/mapping/expression.ts';
import { applyMapping, compileMapping } from '../../lambda/mapping/mapping.ts';
import { identifier, jsonObjectText, jsonText } from '../support/json-arbitrary.ts';
import { parseExact } from '../support/json-numbers.ts';

const NUM_RUNS = 300;

describe('mapping properties', () => {
  test('a value carried by a path reaches the output with every number exactly as written', () => {
    const wrap = compileMapping('{payload: data.value, copy: [data.value]}');
    fc.assert(
      fc.property(jsonText, (text) => {
        const input = parseLossless(`{"data":{"value":${text}}}`);
        const outcome = applyMapping(wrap, input);
        if (text === 'null') return assert.equal(outcome.ok, true, 'null inside a built object is still a built object');
        assert.ok(outcome.ok);
        const output = parseExact(JSON.stringify(outcome.value)) as { payload: unknown; copy: unknown[] };
        assert.deepEqual(output.payload, parseExact(text));
        assert.deepEqual(output.copy, [parseExact(text)]);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('the output has exactly the keys the expression names, whatever else data holds', () => {
    fc.assert(
      fc.property(jsonObjectText, fc.uniqueArray(identifier, { minLength: 1, maxLength: 5 }), (dataText, names) => {
        const mapping = compileMapping(`{${names.map((n) => `${n}: data.${n}`).join(', ')}}`);
        const data = parseLossless(dataText) as Record<string, unknown>;
        const outcome = applyMapping(mapping, { data });
        assert.ok(outcome.ok);
        const built = outcome.value as Record<string, unknown>;
        assert.deepEqual(Object.keys(built), names);
        for (const name of names) {
          assert.deepEqual(parseExact(JSON.stringify(built[name] ?? null)), Object.hasOwn(data, name) ? parseExact(JSON.stringify(data[name])) : null);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('applying a mapping leaves its input unchanged and gives the same output twice', () => {
    const mapping = compileMapping('{a: data.*, b: data.*[], c: keys(data), d: values(data), e: merge(data, `{"x": 1}`), f: not_null(data.x, data.y)}');
    fc.assert(
      fc.property(jsonObjectText, (dataText) => {
        const input = { data: parseLossless(dataText) };
        const before = JSON.stringify(input);
        const first = applyMapping(mapping, input);
        assert.equal(JSON.stringify(input), before);
        assert.equal(JSON.stringify(applyMapping(mapping, input)), JSON.stringify(first));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('any expression text compiles or is refused with an ExpressionError; a compiled one never throws on any input', () => {
    const expressionText = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.string({ unit: fc.constantFrom(...'{}[]().,:|&!@*`\'"=<>?a-zA-Z0-9_ '), maxLength: 30 }),
      fc.constantFrom('data.x', 'length(data)', 'sort(data)', 'data[?a > `1`]', 'max_by(data, &a)', 'to_number(data)', 'data | [0]', 'join(`,`, data)'),
    );
    fc.assert(
      fc.property(expressionText, jsonText, (source, text) => {
        let mapping;
        try {
          mapping = compileMapping(source);
        } catch (error) {
          assert.ok(error instanceof ExpressionError, `${source}: ${String(error)}`);
          return;
        }
        const outcome = applyMapping(mapping, { data: parseLossless(text) });
        assert.equal(typeof outcome.ok, 'boolean');
      }),
      { numRuns: NUM_RUNS * 3 },
    );
  });

  test('compileExpression is what compileMapping uses: the same refusals', () => {
    assert.throws(() => compileExpression('{'), ExpressionError);
    assert.throws(() => compileMapping({ expression: 'data.x', required: ['data.'] }), ExpressionError);
  });
});
