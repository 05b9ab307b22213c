// The 26 functions of the JMESPath specification, with jmespath.py's results, exactly on exact
// numbers (exact-number.ts). A type the function does not take is an ExpressionTypeError (never
// a JavaScript coercion), as is a mixed-type sort or a sum that cannot be given exactly. Every
// function charges the evaluation's budget for the elements or characters it goes through.
import type { Node } from './ast.ts';
import { typeError } from './errors.ts';
import {
  absNumber,
  averageNumbers,
  compareNumbers,
  numberFromString,
  numberToString,
  roundNumber,
  sumNumbers,
  type JsonNumber,
} from './exact-number.ts';
import {
  codePointLength,
  compareStrings,
  endsWith,
  equal,
  includes,
  isObject,
  kindOf,
  reverseString,
  setKey,
  startsWith,
  type JsonObject,
} from './values.ts';

/** What a function may ask of the evaluation it runs in. */
export interface CallContext {
  /** Spends `steps` of the budget (throws ExpressionBudgetExceeded past it). */
  charge(steps: number): void;
  /** Evaluates an expression reference's expression on `value`. */
  apply(expression: Node, value: unknown): unknown;
  /** The JSON size of a value, within the evaluation's output limits and spending its steps (bounds.ts). */
  measure(value: unknown): number;
}

export interface FunctionSpec {
  /** Fewest and most arguments (variadic: Infinity). */
  readonly arity: readonly [number, number];
  /** The positions that take an expression reference (&expr), given as its expression. */
  readonly exprefs: readonly number[];
  call(args: unknown[], context: CallContext): unknown;
}

/** Characters per step when a function goes through a string natively (indexOf, join, ===). */
const CHARS_PER_STEP = 16;
/** Characters per step when it goes through one character by character (length, reverse). */
const CHARS_PER_STEP_BY_HAND = 4;

const fail = (name: string, takes: string): never => typeError(`${name}() takes ${takes}`);

const number = (name: string, value: unknown): JsonNumber => (kindOf(value) === 'number' ? (value as JsonNumber) : fail(name, 'a number'));
const string = (name: string, value: unknown): string => (typeof value === 'string' ? value : fail(name, 'a string'));
const array = (name: string, value: unknown): unknown[] => (Array.isArray(value) ? value : fail(name, 'an array'));
const object = (name: string, value: unknown): JsonObject => (isObject(value) ? value : fail(name, 'an object'));

/** The elements' common kind when they are all numbers or all strings; an empty array is either. */
function sortable(name: string, values: readonly unknown[]): 'number' | 'string' {
  const kind = values.length === 0 ? 'number' : kindOf(values[0]);
  if (kind !== 'number' && kind !== 'string') return fail(name, 'numbers or strings, all of one type');
  for (const value of values) if (kindOf(value) !== kind) fail(name, 'numbers or strings, all of one type');
  return kind;
}

const compareAs = (kind: 'number' | 'string') => (kind === 'number' ? (a: unknown, b: unknown) => compareNumbers(a as JsonNumber, b as JsonNumber) : (a: unknown, b: unknown) => compareStrings(a as string, b as string));

/** n log n steps for a sort of n elements. */
const sortCost = (n: number): number => (n < 2 ? n : Math.ceil(n * Math.log2(n)));

/** What comparing strings among `values` may read: each string's characters, 16 a step, `times` over. */
function chargeStrings(values: readonly unknown[], times: number, context: CallContext): void {
  let characters = 0;
  for (const value of values) if (typeof value === 'string') characters += value.length;
  if (characters > 0) context.charge(Math.ceil((characters * Math.max(1, times)) / CHARS_PER_STEP));
}

/** The first element whose key is greatest (sign 1) or least (sign -1), as Python's max and min pick. */
function extreme(name: string, values: readonly unknown[], keys: readonly unknown[], sign: 1 | -1, context: CallContext): unknown {
  if (values.length === 0) return null;
  const compare = compareAs(sortable(name, keys));
  chargeStrings(keys, 1, context);
  let best = 0;
  for (let i = 1; i < keys.length; i++) if (compare(keys[i], keys[best]) * sign > 0) best = i;
  return values[best];
}

/** The keys an expression reference gives for each element, each one number or string. */
function keysBy(name: string, values: readonly unknown[], expression: Node, context: CallContext): unknown[] {
  context.charge(values.length);
  return values.map((value) => {
    const key = context.apply(expression, value);
    const kind = kindOf(key);
    if (kind !== 'number' && kind !== 'string') fail(name, 'an expression that gives numbers or strings');
    return key;
  });
}

/** A stable sort of `values` by `keys` (already checked to be of one kind). */
function sortByKeys(values: readonly unknown[], keys: readonly unknown[], kind: 'number' | 'string'): unknown[] {
  const compare = compareAs(kind);
  const order = values.map((_, i) => i);
  order.sort((a, b) => compare(keys[a], keys[b]) || a - b);
  return order.map((i) => values[i]);
}

const spec = (arity: [number, number], call: FunctionSpec['call'], exprefs: number[] = []): FunctionSpec => ({ arity, exprefs, call });

export const FUNCTIONS: Readonly<Record<string, FunctionSpec>> = Object.assign(Object.create(null) as Record<string, FunctionSpec>, {
  abs: spec([1, 1], ([value]) => absNumber(number('abs', value))),

  avg: spec([1, 1], ([value], context) => {
    const values = array('avg', value);
    context.charge(values.length);
    for (const v of values) number('avg', v);
    if (values.length === 0) return null;
    return averageNumbers(values as JsonNumber[]) ?? typeError('avg() cannot be computed exactly on these numbers');
  }),

  ceil: spec([1, 1], ([value]) => roundNumber(number('ceil', value), 'ceil')),
  floor: spec([1, 1], ([value]) => roundNumber(number('floor', value), 'floor')),

  contains: spec([2, 2], ([subject, search], context) => {
    if (Array.isArray(subject)) {
      for (const element of subject) if (equal(element, search, (steps) => context.charge(steps))) return true;
      return false;
    }
    if (typeof subject === 'string') {
      // jmespath.py fails on a string searched for anything but a string; so does this.
      context.charge(Math.ceil(subject.length / CHARS_PER_STEP));
      return includes(subject, string('contains', search));
    }
    return fail('contains', 'an array or a string');
  }),

  ends_with: spec([2, 2], ([subject, suffix], context) => {
    const part = string('ends_with', suffix);
    context.charge(Math.ceil(part.length / CHARS_PER_STEP));
    return endsWith(string('ends_with', subject), part);
  }),
  starts_with: spec([2, 2], ([subject, prefix], context) => {
    const part = string('starts_with', prefix);
    context.charge(Math.ceil(part.length / CHARS_PER_STEP));
    return startsWith(string('starts_with', subject), part);
  }),

  join: spec([2, 2], ([glue, value], context) => {
    const separator = string('join', glue);
    const parts = array('join', value);
    let size = 0;
    for (const part of parts) size += string('join', part).length + separator.length;
    context.charge(parts.length + Math.ceil(size / CHARS_PER_STEP));
    return parts.join(separator);
  }),

  keys: spec([1, 1], ([value], context) => {
    const keys = Object.keys(object('keys', value));
    context.charge(keys.length);
    return keys;
  }),

  values: spec([1, 1], ([value], context) => {
    const values = Object.values(object('values', value));
    context.charge(values.length);
    return values;
  }),

  length: spec([1, 1], ([value], context) => {
    if (typeof value === 'string') {
      context.charge(Math.ceil(value.length / CHARS_PER_STEP_BY_HAND));
      return codePointLength(value);
    }
    if (Array.isArray(value)) return value.length;
    if (isObject(value)) return Object.keys(value).length;
    return fail('length', 'a string, an array or an object');
  }),

  map: spec(
    [2, 2],
    ([expression, value], context) => {
      const values = array('map', value);
      context.charge(values.length);
      return values.map((element) => context.apply(expression as Node, element));
    },
    [0],
  ),

  max: spec([1, 1], ([value], context) => {
    const values = array('max', value);
    context.charge(values.length);
    return extreme('max', values, values, 1, context);
  }),

  min: spec([1, 1], ([value], context) => {
    const values = array('min', value);
    context.charge(values.length);
    return extreme('min', values, values, -1, context);
  }),

  max_by: spec(
    [2, 2],
    ([value, expression], context) => {
      const values = array('max_by', value);
      return extreme('max_by', values, keysBy('max_by', values, expression as Node, context), 1, context);
    },
    [1],
  ),

  min_by: spec(
    [2, 2],
    ([value, expression], context) => {
      const values = array('min_by', value);
      return extreme('min_by', values, keysBy('min_by', values, expression as Node, context), -1, context);
    },
    [1],
  ),

  merge: spec([1, Number.POSITIVE_INFINITY], (args, context) => {
    const merged: JsonObject = {};
    for (const arg of args) {
      const source = object('merge', arg);
      const keys = Object.keys(source);
      context.charge(keys.length);
      for (const key of keys) setKey(merged, key, source[key]);
    }
    return merged;
  }),

  not_null: spec([1, Number.POSITIVE_INFINITY], (args) => {
    for (const arg of args) if (arg !== null && arg !== undefined) return arg;
    return null;
  }),

  reverse: spec([1, 1], ([value], context) => {
    if (typeof value === 'string') {
      context.charge(Math.ceil(value.length / CHARS_PER_STEP_BY_HAND));
      return reverseString(value);
    }
    const values = array('reverse', value);
    context.charge(values.length);
    return values.slice().reverse();
  }),

  sort: spec([1, 1], ([value], context) => {
    const values = array('sort', value);
    context.charge(sortCost(values.length));
    const kind = sortable('sort', values);
    chargeStrings(values, Math.ceil(Math.log2(values.length + 1)), context);
    return sortByKeys(values, values, kind);
  }),

  sort_by: spec(
    [2, 2],
    ([value, expression], context) => {
      const values = array('sort_by', value);
      if (values.length === 0) return values;
      context.charge(sortCost(values.length));
      const keys = keysBy('sort_by', values, expression as Node, context);
      const kind = sortable('sort_by', keys);
      chargeStrings(keys, Math.ceil(Math.log2(values.length + 1)), context);
      return sortByKeys(values, keys, kind);
    },
    [1],
  ),

  sum: spec([1, 1], ([value], context) => {
    const values = array('sum', value);
    context.charge(values.length);
    for (const v of values) number('sum', v);
    return sumNumbers(values as JsonNumber[]) ?? typeError('sum() cannot be computed exactly on these numbers');
  }),

  to_array: spec([1, 1], ([value]) => (Array.isArray(value) ? value : [value])),

  to_string: spec([1, 1], ([value], context) => {
    if (typeof value === 'string') return value;
    if (kindOf(value) === 'number') return numberToString(value as JsonNumber);
    // Measured first: a value built of shared parts can be far larger as text than in memory.
    // Serialising has a cost of its own besides the bytes: 8 steps.
    context.charge(8);
    context.measure(value);
    return JSON.stringify(value);
  }),

  to_number: spec([1, 1], ([value], context) => {
    const kind = kindOf(value);
    if (kind === 'number') return value;
    if (kind !== 'string') return null;
    context.charge(Math.ceil((value as string).length / CHARS_PER_STEP));
    return numberFromString(value as string);
  }),

  type: spec([1, 1], ([value]) => kindOf(value)),
});

export const FUNCTION_NAMES: readonly string[] = Object.keys(FUNCTIONS);
