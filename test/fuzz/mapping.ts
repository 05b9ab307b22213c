// Fuzzed properties of the mapping engine (lambda/mapping/): whatever B or a model writes, a
// mapping carries numbers exactly, builds only the fields it names, and a compiled mapping
// never throws; an expression is compiled or refused with an ExpressionError. Inputs are JSON
// texts and strings, so a counterexample can be kept in counterexamples.json.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseLossless } from '../../lambda/contract/json-text.ts';
import { ExpressionBudgetExceeded, ExpressionError, ExpressionFailure, ExpressionTypeError, compileExpression } from '../../lambda/mapping/expression.ts';
import { applyMapping, compileMapping } from '../../lambda/mapping/mapping.ts';
import { identifier, jsonObjectText, jsonText } from '../support/json-arbitrary.ts';
import { parseExact } from '../support/json-numbers.ts';
import type { FuzzProperty } from './property.ts';

const wrap = compileMapping('{payload: data.value, copy: [data.value]}');

const expressionText = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: fc.constantFrom(...'{}[]().,:|&!@*`\'"=<>?a-zA-Z0-9_ '), maxLength: 30 }),
  fc.constantFrom('data.x', 'length(data)', 'sort(data)', 'data[?a > `1`]', 'max_by(data, &a)', 'to_number(data)', 'data | [0]', 'join(`,`, data)'),
);

/** Expressions built from the grammar's pieces over `data`, so that most of them parse. */
const grammarExpression: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('data', '@', 'data.*', 'data[]', 'data[*]', 'data[0]', 'data[-1]', 'data[::-1]', 'data[1:]', 'data.constructor', 'data."__proto__"', '`12345678901234567890`', '`-0`', "'s'", '`[1, "a"]`'),
    fc.tuple(tie('e'), fc.constantFrom('.a', '[0]', '[*]', '[]', '.*', '[?@]', '[?a > `1`]', ' | [0]', ' | length(@)')).map(([a, b]) => `${a}${b}`),
    fc.tuple(tie('e'), fc.constantFrom(' || ', ' && ', ' == ', ' != ', ' < ', ' >= ', ' | '), tie('e')).map(([a, op, b]) => `(${a})${op}(${b})`),
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => `[${a}, ${b}]`),
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => `{x: ${a}, y: ${b}}`),
    fc
      .tuple(fc.constantFrom('abs', 'avg', 'ceil', 'floor', 'keys', 'length', 'max', 'min', 'reverse', 'sort', 'sum', 'to_array', 'to_number', 'to_string', 'type', 'values', 'not_null'), tie('e'))
      .map(([f, a]) => `${f}(${a})`),
    fc.tuple(fc.constantFrom('contains', 'merge', 'not_null', 'join', 'starts_with'), tie('e'), tie('e')).map(([f, a, b]) => `${f}(${a}, ${b})`),
    fc.tuple(fc.constantFrom('sort_by', 'max_by', 'min_by'), tie('e'), tie('e')).map(([f, a, b]) => `${f}(${a}, &${b})`),
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => `map(&${a}, ${b})`),
  ),
})).e;

export const mappingProperties: FuzzProperty[] = [
  {
    name: 'mapping: a value carried by a path reaches the output with every number exactly as written',
    property: () =>
      fc.property(jsonText, (text) => {
        const outcome = applyMapping(wrap, parseLossless(`{"data":{"value":${text}}}`));
        assert.ok(outcome.ok);
        const output = parseExact(JSON.stringify(outcome.value)) as { payload: unknown; copy: unknown[] };
        assert.deepEqual(output.payload, parseExact(text));
        assert.deepEqual(output.copy, [parseExact(text)]);
      }),
  },
  {
    name: 'mapping: the output has exactly the keys the expression names, whatever else data holds',
    property: () =>
      fc.property(jsonObjectText, fc.uniqueArray(identifier, { minLength: 1, maxLength: 5 }), (dataText, names) => {
        const mapping = compileMapping(`{${names.map((n) => `${n}: data.${n}`).join(', ')}}`);
        const data = parseLossless(dataText) as Record<string, unknown>;
        const outcome = applyMapping(mapping, { data });
        assert.ok(outcome.ok);
        const built = outcome.value as Record<string, unknown>;
        assert.deepEqual(Object.keys(built), names);
        for (const name of names) {
          const expected = Object.hasOwn(data, name) ? parseExact(JSON.stringify(data[name])) : null;
          assert.deepEqual(parseExact(JSON.stringify(built[name] ?? null)), expected);
        }
      }),
  },
  {
    name: 'mapping: any expression compiles or is refused with an ExpressionError; a compiled one never throws',
    property: () =>
      fc.property(expressionText, jsonText, (source, text) => {
        let mapping;
        try {
          mapping = compileMapping(source);
        } catch (error) {
          assert.ok(error instanceof ExpressionError, `${source}: ${String(error)}`);
          return;
        }
        assert.equal(typeof applyMapping(mapping, { data: parseLossless(text) }).ok, 'boolean');
      }),
  },
  {
    name: 'mapping: an expression of the grammar gives JSON or fails with a type error or its budget, never another error',
    property: () =>
      fc.property(grammarExpression, jsonText, (source, text) => {
        let expression;
        try {
          expression = compileExpression(source);
        } catch (error) {
          assert.ok(error instanceof ExpressionError, `${source}: ${String(error)}`);
          return;
        }
        let value;
        try {
          value = expression.evaluate({ data: parseLossless(text) });
        } catch (error) {
          assert.ok(error instanceof ExpressionFailure, `${source}: ${String(error)}`);
          // A type error or a budget, never an error of the engine's own code wrapped as a failure.
          assert.ok(error.cause instanceof ExpressionTypeError || error.cause instanceof ExpressionBudgetExceeded, `${source}: ${String(error.cause)}`);
          return;
        }
        // What it gives is JSON: it serialises, and reads back as the same value.
        const serialised = JSON.stringify(value ?? null);
        assert.equal(JSON.stringify(parseLossless(serialised)), serialised, source);
      }),
  },
];
