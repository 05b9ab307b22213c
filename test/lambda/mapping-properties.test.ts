// Properties of the mapping engine (lambda/mapping/) that are not fuzzed: a mapping never
// mutates its input and is deterministic. Exact numbers, named keys only and never throwing
// are fuzzed properties (test/fuzz/mapping.ts), run by fuzz.test.ts and `npm run fuzz`.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parseLossless } from '../../lambda/contract/json-text.ts';
import { ExpressionError, compileExpression } from '../../lambda/mapping/expression.ts';
import { applyMapping, compileMapping } from '../../lambda/mapping/mapping.ts';
import { jsonObjectText } from '../support/json-arbitrary.ts';

const NUM_RUNS = 300;

describe('mapping properties', () => {
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

  test('compileExpression is what compileMapping uses: the same refusals', () => {
    assert.throws(() => compileExpression('{'), ExpressionError);
    assert.throws(() => compileMapping({ expression: 'data.x', required: ['data.'] }), ExpressionError);
  });
});
