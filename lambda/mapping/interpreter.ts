// Evaluates a parsed expression (ast.ts) on a JSON value, as the specification and jmespath.py
// do, spending a step of the evaluation's budget on every node and on every element a
// projection, flatten or function goes through: an evaluation that would take more than a few
// milliseconds stops with ExpressionBudgetExceeded instead of stalling every other request.
import type { Node } from './ast.ts';
import { budgetExceeded, measureJson, type OutputLimits } from './bounds.ts';
import { typeError } from './errors.ts';
import { compareNumbers, type JsonNumber } from './exact-number.ts';
import type { CallContext } from './functions.ts';
import { compareStrings, equal, field, isObject, isTruthy, kindOf, setKey, type JsonObject } from './values.ts';

export class Evaluation implements CallContext {
  /** Steps left; below zero the evaluation stops. */
  steps: number;
  readonly limits: OutputLimits;
  /**
   * Containers this evaluation built that can hold parts of one another: what projections,
   * flattens, slices and functions give, and multi-selects holding a container. Only they can
   * share parts (bounds.ts measures them accordingly); everything else is a tree.
   */
  readonly made = new Set<object>();

  constructor(steps: number, limits: OutputLimits) {
    this.steps = steps;
    this.limits = limits;
  }

  charge(steps: number): void {
    if ((this.steps -= steps) < 0) budgetExceeded('steps');
  }

  apply(expression: Node, value: unknown): unknown {
    return evaluate(expression, value, this);
  }

  measure(value: unknown): number {
    return measureJson(value, this.made, this.limits, (steps) => this.charge(steps));
  }

  /** Records a container this evaluation built, and returns it. */
  built<T extends object>(value: T): T {
    this.made.add(value);
    return value;
  }
}

/** A projection's elements with nothing after them (`a[*]`, `a[]`): a copy without the nulls, two elements a step. */
function withoutNulls(base: readonly unknown[], evaluation: Evaluation): unknown[] {
  evaluation.charge(1 + (base.length >> 1));
  let nulls = 0;
  for (let i = 0; i < base.length; i++) if (base[i] === null || base[i] === undefined) nulls++;
  if (nulls === 0) return base.slice();
  const out: unknown[] = [];
  for (const element of base) if (element !== null && element !== undefined) out.push(element);
  return out;
}

/** Removes the nulls from an array the evaluation built, in place: a step per eight elements read. */
function dropNulls(values: unknown[], evaluation: Evaluation): unknown[] {
  evaluation.charge(1 + (values.length >> 3));
  let k = 0;
  for (let i = 0; i < values.length; i++) {
    const element = values[i];
    if (element !== null && element !== undefined) values[k++] = element;
  }
  values.length = k;
  return values;
}

/** Python's slice.indices(): where a slice starts and stops on an array of `length`. */
function sliceBound(bound: number | null, length: number, step: number, start: boolean): number {
  if (bound === null) return step > 0 ? (start ? 0 : length) : start ? length - 1 : -1;
  if (bound < 0) {
    const from = bound + length;
    return from < 0 ? (step < 0 ? -1 : 0) : from;
  }
  return bound >= length ? (step < 0 ? length - 1 : length) : bound;
}

function slice(values: readonly unknown[], node: Extract<Node, { type: 'slice' }>, evaluation: Evaluation): unknown[] {
  const { step } = node;
  const start = sliceBound(node.start, values.length, step, true);
  const stop = sliceBound(node.stop, values.length, step, false);
  const out: unknown[] = evaluation.built([]);
  if (step > 0) for (let i = start; i < stop; i += step) out.push(values[i]);
  else for (let i = start; i > stop; i += step) out.push(values[i]);
  evaluation.charge(out.length);
  return out;
}

/** Ordering: numbers by exact value; strings by code point (jmespath.py allows both); anything else is null. */
function order(op: 'lt' | 'lte' | 'gt' | 'gte', left: unknown, right: unknown): boolean | null {
  const kind = kindOf(left);
  if (kind !== kindOf(right)) return null;
  let c: number;
  if (kind === 'number') c = compareNumbers(left as JsonNumber, right as JsonNumber);
  else if (kind === 'string') c = compareStrings(left as string, right as string);
  else return null;
  return op === 'lt' ? c < 0 : op === 'lte' ? c <= 0 : op === 'gt' ? c > 0 : c >= 0;
}

export function evaluate(node: Node, value: unknown, evaluation: Evaluation): unknown {
  if (--evaluation.steps < 0) budgetExceeded('steps');
  switch (node.type) {
    case 'current':
      return value;
    case 'field':
      return field(value, node.name);
    case 'literal':
      return node.value;
    case 'chain': {
      let result = value;
      for (const child of node.children) result = evaluate(child, result, evaluation);
      return result;
    }
    case 'index': {
      if (!Array.isArray(value)) return null;
      const i = node.index < 0 ? value.length + node.index : node.index;
      return i >= 0 && i < value.length ? (value[i] ?? null) : null;
    }
    case 'slice':
      return Array.isArray(value) ? slice(value, node, evaluation) : null;
    case 'projection': {
      const base = evaluate(node.left, value, evaluation);
      if (!Array.isArray(base)) return null;
      if (node.right.type === 'current') {
        // `a[]`: the flatten just built this array, so its nulls can go without another copy.
        if (node.left.type === 'flatten') return dropNulls(base, evaluation);
        return evaluation.built(withoutNulls(base, evaluation));
      }
      evaluation.charge(base.length);
      const out: unknown[] = evaluation.built([]);
      for (const element of base) {
        const result = evaluate(node.right, element, evaluation);
        if (result !== null && result !== undefined) out.push(result);
      }
      return out;
    }
    case 'valueProjection': {
      const base = evaluate(node.left, value, evaluation);
      if (!isObject(base)) return null;
      const values = Object.values(base);
      evaluation.charge(values.length);
      const out: unknown[] = evaluation.built([]);
      for (const element of values) {
        const result = node.right.type === 'current' ? element : evaluate(node.right, element, evaluation);
        if (result !== null && result !== undefined) out.push(result);
      }
      return out;
    }
    case 'filterProjection': {
      const base = evaluate(node.left, value, evaluation);
      if (!Array.isArray(base)) return null;
      evaluation.charge(base.length);
      const out: unknown[] = evaluation.built([]);
      for (const element of base) {
        if (!isTruthy(evaluate(node.condition, element, evaluation))) continue;
        const result = node.right.type === 'current' ? element : evaluate(node.right, element, evaluation);
        if (result !== null && result !== undefined) out.push(result);
      }
      return out;
    }
    case 'flatten': {
      const base = evaluate(node.child, value, evaluation);
      if (!Array.isArray(base)) return null;
      // Counted first, then copied into an array of the right length (four times faster than
      // pushing): a step per four arrays and per four elements copied.
      let length = 0;
      for (let i = 0; i < base.length; i++) {
        const element: unknown = base[i];
        length += Array.isArray(element) ? element.length : 1;
      }
      evaluation.charge(1 + (base.length >> 2) + (length >> 2));
      const out: unknown[] = evaluation.built(new Array(length));
      let k = 0;
      for (let i = 0; i < base.length; i++) {
        const element: unknown = base[i];
        if (Array.isArray(element)) for (let j = 0; j < element.length; j++) out[k++] = element[j];
        else out[k++] = element;
      }
      return out;
    }
    case 'or': {
      const left = evaluate(node.left, value, evaluation);
      return isTruthy(left) ? left : evaluate(node.right, value, evaluation);
    }
    case 'and': {
      const left = evaluate(node.left, value, evaluation);
      return isTruthy(left) ? evaluate(node.right, value, evaluation) : left;
    }
    case 'not':
      return !isTruthy(evaluate(node.child, value, evaluation));
    case 'compare': {
      const left = evaluate(node.left, value, evaluation);
      const right = evaluate(node.right, value, evaluation);
      if (node.op === 'eq' || node.op === 'ne') {
        const same = equal(left, right, (steps) => evaluation.charge(steps));
        return node.op === 'eq' ? same : !same;
      }
      return order(node.op, left, right);
    }
    case 'list': {
      if (value === null || value === undefined) return null;
      const out: unknown[] = [];
      let shares = false;
      // Building a container costs about as much again as evaluating what goes in it.
      evaluation.charge(1 + node.children.length);
      for (const child of node.children) {
        const result = evaluate(child, value, evaluation);
        if (typeof result === 'object' && result !== null) shares = true;
        out.push(result);
      }
      // Only a container holding containers can share parts.
      return shares ? evaluation.built(out) : out;
    }
    case 'hash': {
      if (value === null || value === undefined) return null;
      const out: JsonObject = {};
      let shares = false;
      evaluation.charge(1 + 2 * node.keys.length);
      for (let i = 0; i < node.keys.length; i++) {
        const result = evaluate(node.values[i] as Node, value, evaluation);
        if (typeof result === 'object' && result !== null) shares = true;
        setKey(out, node.keys[i] as string, result);
      }
      return shares ? evaluation.built(out) : out;
    }
    case 'call': {
      const { args, fn } = node;
      const values: unknown[] = [];
      for (let i = 0; i < args.length; i++) {
        const arg = args[i] as Node;
        values.push(arg.type === 'expref' ? arg.child : evaluate(arg, value, evaluation));
      }
      const result = fn.call(values, evaluation);
      // A container a function gives may be new and hold shared parts: measured as built.
      if (typeof result === 'object' && result !== null) evaluation.made.add(result);
      return result;
    }
    case 'expref':
      // The parser lets `&` stand only as a function's argument, where `call` takes it apart.
      return typeError('an expression reference outside a function');
  }
}
