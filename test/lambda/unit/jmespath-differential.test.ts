// The mapping engine against jmespath.py 1.0.1, the reference implementation, on a table of our
// own expressions × inputs (scripts/jmespath-differential.ts generates the expectations into
// test/fixtures/jmespath-differential.json with Debian's python3-jmespath).
//
// How results compare: errors match errors (whatever their class); values by JSON value, where
// -0 and 0 are one number and an object's key order does not count. Python reads a number
// written with a fraction or an exponent as a double, so when jmespath.py answers such a number
// it is compared as a double; its integers are exact and are compared exactly. Python's inf
// (from 1e400) matches a number whose double is infinite. A string that is JSON text (what
// to_string gives) compares as the value it encodes, since Python and JavaScript spell numbers
// and escapes differently.
//
// DEVIATIONS lists where the engine deliberately answers otherwise, and pins what it answers.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parseLossless } from '../../../lambda/contract/json-text.ts';
import { ExpressionError, ExpressionFailure, compileExpression } from '../../../lambda/mapping/expression.ts';
import { decimalValue } from '../../support/json-numbers.ts';

interface Case {
  input: string;
  expression: string;
  result?: string;
  error?: string;
}
const fixture = JSON.parse(readFileSync(new URL('../../fixtures/jmespath-differential.json', import.meta.url), 'utf8')) as {
  reference: string;
  inputs: Record<string, string>;
  cases: Case[];
};

/** `input: expression` → why the engine differs, and what it gives instead ('error' or a JSON text). */
const DEVIATIONS: Record<string, { why: string; engine: string }> = {
  'exact: to_number(sd)': { why: 'the digits written are kept; Python rounds the text to a double', engine: '0.1000000000000000055511151231257827' },
  'exact: long': { why: 'carried as written; Python rounds it to a double', engine: '0.1000000000000000055511151231257827' },
  'exact: ceil(tiny)': { why: '1e-400 is above 0, so its ceiling is 1; Python reads it as 0.0', engine: '1' },
  'exact: avg(vals)': { why: 'the exact mean has no finite decimal: the mapping fails rather than round', engine: 'error' },
  'numbers: a[?@ > `"a"`]': { why: 'ordering a number and a string is null (the spec); jmespath.py raises a Python TypeError', engine: '[]' },
  'numbers: `1` < `"a"`': { why: 'ordering a number and a string is null (the spec); jmespath.py raises a Python TypeError', engine: 'null' },
  'numbers: contains(bools, `0`)': { why: 'false is not the number 0 (the spec); Python compares False == 0 as true', engine: 'false' },
  'numbers: to_number(`" 42"`)': { why: "to_number reads JSON's number syntax (the spec); Python's int() also takes spaces", engine: 'null' },
  'numbers: to_number(`"1_000"`)': { why: "to_number reads JSON's number syntax (the spec); Python's int() also takes underscores", engine: 'null' },
  'nested: `[0]` == `[false]`': { why: 'false is not 0 inside an array either; Python compares False == 0 as true', engine: 'false' },
  'nested: `{"k": 0}` == `{"k": false}`': { why: 'false is not 0 inside an object either; Python compares False == 0 as true', engine: 'false' },
  'nested: {x: list[0] y: list[1]}': { why: 'pairs of a multi-select hash are separated by commas (the grammar); jmespath.py reads two pairs', engine: 'error' },
  'nested: not_null(nul list)': { why: "a function's arguments are separated by commas (the grammar); jmespath.py reads two arguments", engine: 'error' },
};

/** JSON text with each number as {$n: its text}, so that no number is rounded before comparing. */
const parseNumbers = (text: string): unknown =>
  JSON.parse(text, (_key, value: unknown, context?: { source?: string }) => (typeof value === 'number' ? { $n: context?.source ?? String(value) } : value));

const isNumber = (v: unknown): v is { $n: string } => typeof v === 'object' && v !== null && Object.keys(v).length === 1 && '$n' in v;
const isNonFinite = (v: unknown): v is { $nonfinite: string } => typeof v === 'object' && v !== null && Object.keys(v).length === 1 && '$nonfinite' in v;
const exact = (text: string): string => decimalValue(text).replace(/^-0$/, '0');

function sameNumber(python: { $n: string } | { $nonfinite: string }, engine: string): boolean {
  if ('$nonfinite' in python) return Number(engine) === (python.$nonfinite === 'inf' ? Infinity : python.$nonfinite === '-inf' ? -Infinity : NaN);
  if (exact(python.$n) === exact(engine)) return true;
  return /[.eE]/.test(python.$n) && Number(python.$n) === Number(engine);
}

function sameValue(python: unknown, engine: unknown): boolean {
  if (isNumber(python) || isNonFinite(python)) return isNumber(engine) && sameNumber(python, engine.$n);
  if (typeof python === 'string') {
    if (python === engine) return true;
    if (typeof engine !== 'string') return false;
    try {
      return sameValue(parseNumbers(python.replace(/\bInfinity\b/g, '{"$nonfinite":"inf"}')), parseNumbers(engine));
    } catch {
      return false;
    }
  }
  if (Array.isArray(python)) return Array.isArray(engine) && python.length === engine.length && python.every((p, i) => sameValue(p, engine[i]));
  if (typeof python === 'object' && python !== null) {
    if (typeof engine !== 'object' || engine === null || Array.isArray(engine) || isNumber(engine)) return false;
    const keys = Object.keys(python);
    return keys.length === Object.keys(engine).length && keys.every((k) => Object.hasOwn(engine, k) && sameValue((python as Record<string, unknown>)[k], (engine as Record<string, unknown>)[k]));
  }
  return python === engine;
}

/** The engine's answer: a JSON text, or 'error' when it refuses the expression or the evaluation fails. */
function engineAnswer(c: Case): string {
  try {
    return JSON.stringify(compileExpression(c.expression).evaluate(parseLossless(fixture.inputs[c.input] as string)));
  } catch (error) {
    if (error instanceof ExpressionError || error instanceof ExpressionFailure) return 'error';
    throw error;
  }
}

describe(`the engine against ${fixture.reference}`, () => {
  test('the table covers every input, and each deviation names a case in it', () => {
    assert.ok(fixture.cases.length >= 300);
    const used = new Set(fixture.cases.map((c) => c.input));
    assert.deepEqual([...used].sort(), Object.keys(fixture.inputs).sort());
    for (const key of Object.keys(DEVIATIONS)) assert.ok(fixture.cases.some((c) => `${c.input}: ${c.expression}` === key), key);
  });

  for (const input of Object.keys(fixture.inputs)) {
    test(`agrees on every case of the ${input} input`, () => {
      const disagreements: string[] = [];
      for (const c of fixture.cases.filter((x) => x.input === input)) {
        const key = `${c.input}: ${c.expression}`;
        const answer = engineAnswer(c);
        const deviation = DEVIATIONS[key];
        if (deviation) {
          if (answer !== deviation.engine) disagreements.push(`${key}: a known deviation (${deviation.why}) now gives ${answer}, not ${deviation.engine}`);
          continue;
        }
        const agrees = c.error !== undefined ? answer === 'error' : answer !== 'error' && sameValue(parseNumbers(c.result as string), parseNumbers(answer));
        if (!agrees) disagreements.push(`${key}: jmespath.py ${c.error !== undefined ? `raises ${c.error}` : `gives ${c.result}`}, the engine ${answer}`);
      }
      assert.deepEqual(disagreements, []);
    });
  }
});
