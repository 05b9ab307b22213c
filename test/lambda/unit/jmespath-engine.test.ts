// The mapping engine (lambda/mapping/) area by area of the JMESPath specification, every one
// of its 26 functions, the static bounds and the evaluation budget, on inputs of our own. The
// expected values are the specification's (and jmespath.py's; jmespath-differential.test.ts
// checks a table against it), except where a comment says why the engine deliberately differs.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseLossless } from '../../../lambda/contract/json-text.ts';
import { MAX_COPIES, MAX_EXPRESSION_LENGTH, MAX_FAN_OUT, MAX_NESTING } from '../../../lambda/mapping/bounds.ts';
import {
  ExpressionBudgetExceeded,
  ExpressionError,
  ExpressionFailure,
  ExpressionTypeError,
  compileExpression,
  type Budget,
} from '../../../lambda/mapping/expression.ts';
import { FUNCTION_NAMES } from '../../../lambda/mapping/functions.ts';

/** The result as JSON text (numbers kept as the engine holds them). */
const run = (expression: string, input: unknown = null, budget?: Budget): string => JSON.stringify(compileExpression(expression, budget).evaluate(input));
/** `run` on a JSON text parsed as the adapter parses (exact numbers kept). */
const on = (json: string) => (expression: string): string => run(expression, parseLossless(json));
const refusal = (expression: string): string => {
  try {
    compileExpression(expression);
  } catch (error) {
    assert.ok(error instanceof ExpressionError, String(error));
    return error.message;
  }
  return assert.fail(`${expression} compiled`);
};
const failure = (expression: string, input: unknown = null, budget?: Budget): Error => {
  try {
    compileExpression(expression, budget).evaluate(input);
  } catch (error) {
    assert.ok(error instanceof ExpressionFailure, String(error));
    return error.cause as Error;
  }
  return assert.fail(`${expression} evaluated`);
};
const typeFailure = (expression: string, input: unknown = null): void => assert.ok(failure(expression, input) instanceof ExpressionTypeError, expression);

describe('identifiers and sub-expressions', () => {
  const x = on('{"a":{"b":{"c":1}},"with space":2,"quo\\"te":3,"é":4,"list":[{"a":1}]}');
  test('unquoted and quoted identifiers, nested fields, missing fields are null', () => {
    assert.equal(x('a.b.c'), '1');
    assert.equal(x('a."b".c'), '1');
    assert.equal(x('"with space"'), '2');
    assert.equal(x('"quo\\"te"'), '3');
    assert.equal(x('"\\u00e9"'), '4');
    assert.equal(x('a.missing.c'), 'null');
    assert.equal(x('list.a'), 'null', 'a field of an array is null');
    assert.equal(run('a', 'text'), 'null');
    assert.equal(run('a', 5), 'null');
  });
});

describe('index expressions and slices', () => {
  const x = on('{"l":[0,1,2,3,4,5],"s":"str","o":{"0":"zero"}}');
  test('indexes from either end; out of range and on a non-array is null', () => {
    assert.equal(x('l[0]'), '0');
    assert.equal(x('l[-1]'), '5');
    assert.equal(x('l[6]'), 'null');
    assert.equal(x('l[-7]'), 'null');
    assert.equal(x('s[0]'), 'null');
    assert.equal(x('o[0]'), 'null');
  });
  test('slices: start, stop, step, negative steps and bounds past the ends, as Python slices', () => {
    assert.equal(x('l[1:3]'), '[1,2]');
    assert.equal(x('l[:2]'), '[0,1]');
    assert.equal(x('l[4:]'), '[4,5]');
    assert.equal(x('l[::2]'), '[0,2,4]');
    assert.equal(x('l[::-1]'), '[5,4,3,2,1,0]');
    assert.equal(x('l[-2:]'), '[4,5]');
    assert.equal(x('l[5:1:-2]'), '[5,3]');
    assert.equal(x('l[100:]'), '[]');
    assert.equal(x('l[-100:2]'), '[0,1]');
    assert.equal(x('l[:-100:-1]'), '[5,4,3,2,1,0]');
    assert.equal(x('s[0:1]'), 'null', 'no slices of strings');
    assert.equal(refusal('l[::0]'), 'slice step cannot be 0');
    assert.match(refusal('l[1:2:3:4]'), /^syntax error at column \d+$/);
  });
  test('a slice projects what follows it', () => {
    const y = on('{"l":[{"a":1},{"a":2},{"b":3}]}');
    assert.equal(y('l[0:2].a'), '[1,2]');
    assert.equal(y('l[1:].a'), '[2]');
    // jmespath.py gives null for an index followed by a slice (`l[0][1:]` joins them without
    // projecting); the specification projects, and so does the engine.
    assert.equal(on('{"m":[[{"a":1},{"a":2}]]}')('m[0][1:].a'), '[2]');
  });
});

describe('projections', () => {
  const x = on('{"people":[{"n":"a","age":1},{"n":"b"},{"n":"c","age":3}],"o":{"k1":{"v":1},"k2":{"w":2},"k3":{"v":3}},"nest":[[1,[2]],3,[4]]}');
  test('list, object (wildcard), flatten and filter projections; null results are dropped', () => {
    assert.equal(x('people[*].age'), '[1,3]');
    assert.equal(x('people[*]'), JSON.stringify([{ n: 'a', age: 1 }, { n: 'b' }, { n: 'c', age: 3 }]));
    assert.equal(x('o.*.v'), '[1,3]');
    assert.equal(x('o.*'), '[{"v":1},{"w":2},{"v":3}]');
    assert.equal(x('nest[]'), '[1,[2],3,4]');
    assert.equal(x('nest[][]'), '[1,2,3,4]');
    assert.equal(x('people[?age > `1`].n'), '["c"]');
    assert.equal(x('people[?age].n'), '["a","c"]');
    assert.equal(x('people[?!age].n'), '["b"]');
    assert.equal(x('missing[*]'), 'null');
    assert.equal(x('o[*]'), 'null', 'a list projection of an object is null');
    assert.equal(x('people.*'), 'null', 'an object projection of an array is null');
  });
  test('a projection goes on through sub-expressions and indexes, and stops at a pipe', () => {
    assert.equal(x('people[*].n[0]'), '[]', 'strings are not indexed');
    assert.equal(x('nest[*][0]'), '[1,4]');
    assert.equal(x('people[*].n | [0]'), '"a"');
    assert.equal(x('people[*].n[0:1]'), '[]');
    assert.equal(x('people[].[n, age]'), '[["a",1],["b",null],["c",3]]');
  });
});

describe('pipes, multi-selects and literals', () => {
  const x = on('{"a":1,"b":[1,2],"n":null}');
  test('multi-select list and hash; either on null is null', () => {
    assert.equal(x('[a, b]'), '[1,[1,2]]');
    assert.equal(x('{x: a, y: b[0], z: missing}'), '{"x":1,"y":1,"z":null}');
    assert.equal(x('n.[a]'), 'null');
    assert.equal(x('n.{a: a}'), 'null');
    assert.equal(x('{"quoted key": a}'), '{"quoted key":1}');
    assert.equal(x('{a: a, a: b}'), '{"a":[1,2]}', 'a repeated key: the last value, as Python dicts keep it');
  });
  test('JSON literals, raw strings and the deprecated literal form', () => {
    assert.equal(x('`{"k": [1, true, null]}`'), '{"k":[1,true,null]}');
    assert.match(refusal("'it''s'"), /^syntax error at column 4$/, 'two raw strings side by side are not one');
    assert.equal(x("'it\\'s'"), '"it\'s"');
    assert.equal(x("'a\\\\b'"), '"a\\\\\\\\b"', 'a raw string keeps its backslashes (jmespath.py does too)');
    assert.equal(x('`foo`'), '"foo"', 'not JSON: the deprecated form, a string');
    assert.equal(x('`"back\\`tick"`'), '"back`tick"');
    assert.equal(x('`12345678901234567890`'), '12345678901234567890', 'exact, not the nearest double');
    assert.equal(x('`-0`'), '-0');
    assert.equal(x('a | [@, @]'), '[1,1]');
    assert.equal(x('b | [1]'), '2');
    assert.equal(x('@'), '{"a":1,"b":[1,2],"n":null}');
  });
});

describe('or, and, not, and truth', () => {
  const x = on('{"t":true,"f":false,"z":0,"e":"","l":[],"o":{},"s":"x"}');
  test('JMESPath truth: 0 is true; false, null, "", [] and {} are false', () => {
    assert.equal(x('z || s'), '0');
    assert.equal(x('e || l || o || f || missing || s'), '"x"');
    assert.equal(x('t && s'), '"x"');
    assert.equal(x('l && s'), '[]');
    assert.equal(x('!z'), 'false');
    assert.equal(x('!o'), 'true');
    assert.equal(x('!missing'), 'true');
    assert.equal(x('!!s'), 'true');
    assert.equal(x('t && f || s'), '"x"', '&& binds tighter than ||');
    assert.equal(x('!t || s'), '"x"');
  });
});

describe('comparisons', () => {
  const x = on('{"n":[1,2.5,-3],"s":["a","b"],"o":{"a":[1,{"b":null}]},"big":12345678901234567890,"negzero":-0,"astral":"😀","bmp":"\\ue000"}');
  test('== and != compare any values by type and value, deeply', () => {
    assert.equal(x('o == `{"a": [1, {"b": null}]}`'), 'true');
    assert.equal(x('o != `{"a": [1, {"b": 0}]}`'), 'true');
    assert.equal(x('n[0] == `1.0`'), 'true');
    assert.equal(x('`true` == `1`'), 'false');
    assert.equal(x('`[0]` == `[false]`'), 'false', 'false is not 0 at any depth (jmespath.py says true here)');
    assert.equal(x('missing == `null`'), 'true');
    assert.equal(x('negzero == `0`'), 'true');
    assert.equal(x('big == `12345678901234567890`'), 'true');
    assert.equal(x('big == `12345678901234567891`'), 'false');
  });
  test('<, <=, >, >= on numbers (exactly) and strings (by code point); anything else is null', () => {
    assert.equal(x('n[0] < n[1]'), 'true');
    assert.equal(x('n[1] >= `2.5`'), 'true');
    assert.equal(x('big > `12345678901234567889`'), 'true');
    assert.equal(x('big < `12345678901234567891`'), 'true');
    assert.equal(x('negzero < `0`'), 'false');
    assert.equal(x('s[0] < s[1]'), 'true');
    assert.equal(x('bmp < astral'), 'true', 'U+E000 before U+1F600, although its UTF-16 unit is larger');
    assert.equal(x('n[0] < s[0]'), 'null');
    assert.equal(x('o < o'), 'null');
    assert.equal(x('`true` > `false`'), 'null');
    assert.equal(x('missing < `1`'), 'null');
  });
});

describe('every function of the specification', () => {
  test('there are 26, and no more', () => {
    assert.deepEqual([...FUNCTION_NAMES].sort(), [
      'abs', 'avg', 'ceil', 'contains', 'ends_with', 'floor', 'join', 'keys', 'length', 'map', 'max', 'max_by', 'merge',
      'min', 'min_by', 'not_null', 'reverse', 'sort', 'sort_by', 'starts_with', 'sum', 'to_array', 'to_number', 'to_string', 'type', 'values',
    ]);
    assert.equal(refusal('nope(@)'), 'unknown function nope()');
    assert.equal(refusal('toString(@)'), 'unknown function toString()', 'a built-in name is not a function either');
    assert.equal(refusal('abs()'), 'wrong number of arguments to a function');
    assert.equal(refusal('not_null()'), 'wrong number of arguments to a function');
    assert.match(refusal('"abs"(@)'), /^syntax error at column \d+$/);
  });

  const x = on('{"n":[3,1.5,-2],"i":[1,2,3,4],"s":["b","a","c"],"w":"word","e":[],"o":{"k":1,"j":[2]},"p":[{"a":2,"b":"y"},{"a":1,"b":"x"},{"a":2,"b":"z"}],"big":[12345678901234567890,1],"neg":-12345678901234567890}');

  test('abs, ceil, floor', () => {
    assert.equal(x('abs(n[2])'), '2');
    assert.equal(x('abs(neg)'), '12345678901234567890');
    assert.equal(x('ceil(n[1])'), '2');
    assert.equal(x('floor(n[1])'), '1');
    assert.equal(x('ceil(`-1.5`)'), '-1');
    assert.equal(x('floor(`-1.5`)'), '-2');
    assert.equal(x('floor(`12345678901234567890.5`)'), '12345678901234567890');
    assert.equal(x('ceil(`-0.5`)'), '0');
    for (const f of ['abs', 'ceil', 'floor']) typeFailure(`${f}(w)`, parseLossless('{"w":"x"}'));
  });

  test('avg and sum: exact on integers, doubles as jmespath.py computes them otherwise', () => {
    assert.equal(x('sum(i)'), '10');
    assert.equal(x('avg(i)'), '2.5');
    assert.equal(x('sum(n)'), '2.5');
    assert.equal(x('sum(e)'), '0');
    assert.equal(x('avg(e)'), 'null');
    assert.equal(x('sum(big)'), '12345678901234567891');
    assert.equal(x('avg(big)'), '6172839450617283945.5');
    assert.equal(run('sum(@)', [0.1, 0.2]), '0.30000000000000004', 'doubles, as Python adds them');
    typeFailure('sum(s)', parseLossless('{"s":["a"]}'));
    typeFailure('avg(@)', [1, 'a']);
    // No exact answer: 12345678901234567891 / 3 has no finite decimal; a fraction beside a number no double holds.
    typeFailure('avg(@)', parseLossless('[12345678901234567890, 1, 0]'));
    typeFailure('sum(@)', parseLossless('[12345678901234567890, 0.5]'));
    // 1e308 is an integer as written: the sum is exact (jmespath.py's doubles give inf).
    assert.equal(run('sum(@)', [1e308, 1e308]), `2${'0'.repeat(308)}`);
    typeFailure('sum(@)', [0.5, 1e308, 1e308]);
    assert.equal(run('sum(@)', [1e23, 1]), `1${'0'.repeat(22)}1`, '1e23 is the number written, not the double nearest it');
  });

  test('contains, starts_with, ends_with', () => {
    assert.equal(x('contains(s, `"a"`)'), 'true');
    assert.equal(x('contains(p, `{"a": 1, "b": "x"}`)'), 'true');
    assert.equal(x('contains(big, `12345678901234567890`)'), 'true');
    assert.equal(x('contains(w, `"or"`)'), 'true');
    assert.equal(x('contains(w, `"x"`)'), 'false');
    assert.equal(run('contains(@, `"\\ud83d"`)', '😀'), 'false', 'half a surrogate pair is not contained');
    assert.equal(x('starts_with(w, `"wo"`)'), 'true');
    assert.equal(x('ends_with(w, `"rd"`)'), 'true');
    assert.equal(x('ends_with(w, `""`)'), 'true');
    typeFailure('contains(`1`, `1`)');
    typeFailure('contains(`"abc"`, `1`)');
    typeFailure('starts_with(`1`, `"a"`)');
    typeFailure('ends_with(`"a"`, `1`)');
  });

  test('join, keys, values, length, reverse', () => {
    assert.equal(x('join(`", "`, s)'), '"b, a, c"');
    assert.equal(x('join(`""`, e)'), '""');
    typeFailure('join(`","`, `[1]`)');
    assert.equal(x('keys(o)'), '["k","j"]');
    assert.equal(x('values(o)'), '[1,[2]]');
    typeFailure('keys(`[1]`)');
    typeFailure('values(`"a"`)');
    assert.equal(x('length(w)'), '4');
    assert.equal(run('length(@)', 'a😀b'), '3', 'code points, not UTF-16 units');
    assert.equal(x('length(n)'), '3');
    assert.equal(x('length(o)'), '2');
    typeFailure('length(`1`)');
    typeFailure('length(`null`)');
    assert.equal(x('reverse(s)'), '["c","a","b"]');
    assert.equal(run('reverse(@)', 'a😀b'), '"b😀a"');
    typeFailure('reverse(`1`)');
  });

  test('map, not_null, to_array, type, merge', () => {
    assert.equal(x('map(&a, p)'), '[2,1,2]');
    assert.equal(x('map(&missing, p)'), '[null,null,null]', 'map keeps nulls, unlike a projection');
    assert.equal(x('map(&[a], p)'), '[[2],[1],[2]]');
    typeFailure('map(&a, `{}`)');
    assert.equal(x('not_null(missing, e, w)'), '[]');
    assert.equal(x('not_null(missing, `null`)'), 'null');
    assert.equal(x('to_array(w)'), '["word"]');
    assert.equal(x('to_array(s)'), '["b","a","c"]');
    for (const [expression, type] of [['w', 'string'], ['n[0]', 'number'], ['big[0]', 'number'], ['`true`', 'boolean'], ['missing', 'null'], ['s', 'array'], ['o', 'object']]) {
      assert.equal(x(`type(${expression})`), JSON.stringify(type), expression);
    }
    assert.equal(x('merge(o, `{"k": 2, "z": 3}`)'), '{"k":2,"j":[2],"z":3}');
    assert.equal(x('merge(`{}`)'), '{}');
    typeFailure('merge(`{}`, `[]`)');
  });

  test('max, min, max_by, min_by: numbers or strings, the first of equals', () => {
    assert.equal(x('max(n)'), '3');
    assert.equal(x('min(n)'), '-2');
    assert.equal(x('max(s)'), '"c"');
    assert.equal(x('min(s)'), '"a"');
    assert.equal(x('max(e)'), 'null');
    assert.equal(x('max(big)'), '12345678901234567890');
    assert.equal(x('max_by(p, &a).b'), '"y"', 'the first of two maxima');
    assert.equal(x('min_by(p, &b).b'), '"x"');
    assert.equal(x('max_by(e, &a)'), 'null');
    typeFailure('max(`[1, "a"]`)');
    typeFailure('min(`[true]`)');
    typeFailure('max_by(`[{"a": 1}, {"a": "b"}]`, &a)');
    typeFailure('min_by(`[{"a": null}]`, &a)');
  });

  test('sort, sort_by: stable, and an error on mixed types (Powertools sorted them)', () => {
    assert.equal(x('sort(n)'), '[-2,1.5,3]');
    assert.equal(x('sort(s)'), '["a","b","c"]');
    assert.equal(x('sort(e)'), '[]');
    assert.equal(x('sort_by(p, &a)[].b'), '["x","y","z"]', 'stable: y before z');
    assert.equal(x('sort_by(p, &b)[].a'), '[1,2,2]');
    assert.equal(run('sort(@)', ['😀', '\ue000', 'a']), JSON.stringify(['a', '\ue000', '😀']));
    assert.equal(on('[12345678901234567891, 12345678901234567890, -0, -1]')('sort(@)'), '[-1,-0,12345678901234567890,12345678901234567891]');
    typeFailure('sort(`[1, "a"]`)');
    typeFailure('sort(`[[1], [0]]`)');
    typeFailure('sort_by(`[{"a": 1}, {"a": "x"}]`, &a)');
    typeFailure('sort_by(`[{"a": true}]`, &a)');
  });

  test('to_number, to_string', () => {
    assert.equal(x('to_number(`"12"`)'), '12');
    assert.equal(x('to_number(`"-1.5e2"`)'), '-150');
    assert.equal(x('to_number(`"12345678901234567890"`)'), '12345678901234567890');
    assert.equal(x('to_number(w)'), 'null');
    assert.equal(x('to_number(`" 1"`)'), 'null', "JSON's number syntax only");
    assert.equal(x('to_number(o)'), 'null');
    assert.equal(x('to_number(big[0])'), '12345678901234567890');
    assert.equal(x('to_string(w)'), '"word"');
    assert.equal(x('to_string(o)'), JSON.stringify('{"k":1,"j":[2]}'));
    assert.equal(x('to_string(big[0])'), '"12345678901234567890"');
    assert.equal(on('{"z":-0}')('to_string(z)'), '"0"', 'an integer is printed as one, as Python prints -0');
  });

  test('an expression reference only where a function takes one', () => {
    assert.equal(refusal('&a'), "uses & outside a function's arguments");
    assert.equal(refusal('[&a]'), "uses & outside a function's arguments");
    assert.equal(refusal('sort_by(@, a)'), 'argument 2 of sort_by() must be an expression reference (&...)');
    assert.equal(refusal('length(&a)'), 'argument 1 of length() cannot be an expression reference (&...)');
    assert.equal(refusal('map(a, @)'), 'argument 1 of map() must be an expression reference (&...)');
  });
});

describe('fields named like JavaScript built-ins (Powertools read Object.prototype for them)', () => {
  test('are ordinary fields, present or absent', () => {
    const x = on('{"constructor":1,"toString":{"a":2},"__proto__":[3],"plain":{}}');
    assert.equal(x('constructor'), '1');
    assert.equal(x('toString.a'), '2');
    assert.equal(x('__proto__[0]'), '3');
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf']) assert.equal(x(`plain.${name}`), 'null', name);
    assert.equal(x('keys(@)'), '["constructor","toString","__proto__","plain"]');
    assert.equal(x('length(plain)'), '0');
    assert.equal(x('plain.constructor.name'), 'null');
  });
  test('a __proto__ key the engine writes is an own key and leaves the prototype alone', () => {
    for (const expression of ['{__proto__: `{"polluted": 1}`}', 'merge(`{}`, {__proto__: `{"polluted": 1}`})']) {
      const built = compileExpression(expression).evaluate({}) as Record<string, unknown>;
      assert.equal(Object.getPrototypeOf(built), Object.prototype, expression);
      assert.equal(JSON.stringify(built), '{"__proto__":{"polluted":1}}');
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    }
  });
  test('a number kept exactly has no fields and is not an object', () => {
    const input = parseLossless('{"n":12345678901234567890}');
    assert.equal(run('n.rawJSON', input), 'null');
    assert.equal(run('n.*', input), 'null');
    typeFailure('keys(n)', input);
    typeFailure('length(n)', input);
  });
});

describe('exact numbers (what a double cannot hold stays exact, or the mapping fails)', () => {
  const x = on('{"v":[12345678901234567890,9007199254740993,-0,1e400,0.1000000000000000055511151231257827],"z":0}');
  test('carried through paths, projections, flattening and filters as written', () => {
    assert.equal(x('v'), '[12345678901234567890,9007199254740993,-0,1e400,0.1000000000000000055511151231257827]');
    assert.equal(x('[v[], v[*]][]'), x('[v, v][]'));
    assert.equal(x('v[?@ > `1`]'), '[12345678901234567890,9007199254740993,1e400]');
    assert.equal(x('v[?@ == `0`]'), '[-0]');
    assert.equal(x('v[?@ < `0.1`]'), '[-0]');
    assert.equal(x('v[?@ > `0.1`] | length(@)'), '4', '0.1000000000000000055511151231257827 is above 0.1');
  });
  test('compared, sorted and picked by exact value', () => {
    assert.equal(x('max(v)'), '1e400');
    assert.equal(x('min(v)'), '-0');
    assert.equal(x('sort(v)'), '[-0,0.1000000000000000055511151231257827,9007199254740993,12345678901234567890,1e400]');
    assert.equal(x('v[2] == z'), 'true');
    assert.equal(x('v[1] == `9007199254740992`'), 'false');
    assert.equal(x('type(v[0])'), '"number"');
    assert.equal(x('sort_by(map(&{n: @}, v), &n)[0].n'), '-0');
  });
  test('computed exactly: abs, ceil, floor, sum and avg of integers, to_number, to_string', () => {
    assert.equal(x('abs(`-12345678901234567890`)'), '12345678901234567890');
    assert.equal(x('ceil(v[4])'), '1');
    assert.equal(x('floor(v[4])'), '0');
    assert.equal(x('ceil(v[3])'), '1e400', 'an integer already');
    assert.equal(x('sum([v[0], v[1]])'), '12354686100489308883');
    assert.equal(x('avg([v[0], v[0]])'), '12345678901234567890');
    assert.equal(x('to_string(v[1])'), '"9007199254740993"');
    assert.equal(x('to_number(to_string(v[0]))'), '12345678901234567890');
    typeFailure('sum(v)', parseLossless('{"v":[1e400, 1]}'));
  });
});

describe('static bounds: refused at load, the reason naming the limit', () => {
  test('length, nesting, fan-out and copies', () => {
    assert.equal(refusal('a'.repeat(MAX_EXPRESSION_LENGTH + 1)), `is longer than ${MAX_EXPRESSION_LENGTH} characters`);
    assert.doesNotThrow(() => compileExpression('a'.repeat(MAX_EXPRESSION_LENGTH)));
    const nested = (depth: number) => `${'['.repeat(depth)}a${']'.repeat(depth)}`;
    assert.doesNotThrow(() => compileExpression(nested(MAX_NESTING)));
    assert.equal(refusal(nested(MAX_NESTING + 1)), `nests brackets, braces or parentheses more than ${MAX_NESTING} deep`);
    const list = (n: number) => `[${Array.from({ length: n }, (_, i) => `a${i}`).join(', ')}]`;
    assert.doesNotThrow(() => compileExpression(list(MAX_FAN_OUT)));
    assert.equal(refusal(list(MAX_FAN_OUT + 1)), `has a multi-select of more than ${MAX_FAN_OUT} entries`);
    assert.equal(refusal(`not_null(${Array.from({ length: MAX_FAN_OUT + 1 }, () => 'a').join(', ')})`), `calls a function with more than ${MAX_FAN_OUT} arguments`);
    assert.doesNotThrow(() => compileExpression(`@${' | [@,@]'.repeat(20)}`), '2^20 copies is within the bound');
    assert.equal(refusal(`@${' | [@,@]'.repeat(21)}`), `could build more than ${MAX_COPIES} copies of its input`);
    assert.equal(refusal(`[${'[@,@],'.repeat(8)}[@,@]] | [*].[@,@,@,@] | [@,@,@,@,@,@,@,@] | [@,@,@,@,@,@,@,@] | [@,@,@,@,@,@,@,@] | [@,@,@,@,@,@,@,@] | [@,@,@,@,@,@,@,@]`), `could build more than ${MAX_COPIES} copies of its input`);
  });
  test('a compiled expression is parsed only: nothing is evaluated at load', () => {
    // Evaluated against null (how the old code compiled), this would compare 2^19 pairs.
    assert.doesNotThrow(() => compileExpression(`[\`1\`${' | [@,@]'.repeat(19)}, \`1\`${' | [@,@]'.repeat(19)}] | @[0] == @[1]`));
  });
});

describe('the evaluation budget', () => {
  const budget = (steps: number, maxOutputBytes = 8 << 20, maxRepeatedBytes = 1 << 20): Budget => ({ steps, maxOutputBytes, maxRepeatedBytes });
  const exhausted = (expression: string, input: unknown, limits?: Budget) => {
    const cause = failure(expression, input, limits);
    assert.ok(cause instanceof ExpressionBudgetExceeded, `${expression}: ${cause.name}`);
    return cause.message;
  };
  const rows = Array.from({ length: 5000 }, (_, i) => ({ i, s: `r${i}` }));
  test('steps: nodes, elements and characters; the same expression on less data passes', () => {
    assert.equal(exhausted('[*].[i, s, i, s]', rows, budget(20_000)), 'steps');
    assert.equal(run('[*].[i, s, i, s] | length(@)', rows.slice(0, 100), budget(20_000)), '100');
    assert.equal(exhausted('sort_by(@, &s)', rows, budget(20_000)), 'steps');
    assert.equal(exhausted('length(@)', 'x'.repeat(100_000), budget(1000)), 'steps');
    assert.equal(exhausted('@ == `"y"`', 'y'.repeat(100_000), budget(1000)), 'steps');
    assert.equal(exhausted('contains(@, `{"i": -1}`)', rows, budget(2000)), 'steps');
    assert.equal(exhausted('to_string(@)', rows, budget(2000)), 'steps');
  });
  test('output: a value of shared parts is measured by its parts, and stops at the repeated-bytes limit', () => {
    // 2^20 copies of an 8-byte string would be ~11 MB of JSON, in a few hundred objects.
    assert.equal(exhausted(`@${' | [@,@]'.repeat(20)}`, 'abcdef'), 'repeated output');
    assert.equal(exhausted(`@${' | [@,@]'.repeat(18)} | to_string(@)`, 'abcdef'), 'repeated output');
    assert.equal(run(`@${' | [@,@]'.repeat(4)} | [0][0][0][0]`, 'ab'), '"ab"');
    // A large part repeated: counted once measured.
    const big = 'z'.repeat(600_000);
    assert.equal(run('[@, @] | length(@)', [big]), '2', '600 kB repeated once is within 1 MiB');
    assert.equal(exhausted('[@, @, @]', [big]), 'repeated output');
    assert.equal(exhausted('[@, @, @]', { s: big }, budget(100_000, 1 << 20, 4 << 20)), 'output');
    assert.equal(run('[@] | length(@)', { s: big }), '1');
  });
  test('a value nested deeper than the stack allows fails as over budget, never with a stack overflow', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    assert.equal(exhausted('[@]', deep), 'nesting');
    assert.equal(exhausted('to_string(@)', deep), 'nesting');
  });
});
