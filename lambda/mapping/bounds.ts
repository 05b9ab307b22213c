// What bounds an expression's cost (docs/models.md, "Mappings"). Statically, when the config
// loads: its length, how deeply it nests, how many entries a multi-select or arguments a call has,
// and how many copies of its input it could build (multi-selects multiply through pipes,
// sub-expressions and projections: `[@,@] | [@,@]` builds 4). At evaluation: a budget of steps
// (interpreter.ts spends one per node evaluated and per element or characters a function goes
// through) and of repeated output (a value the result holds more than once, which costs nothing
// to build and everything to serialise).
import type { Node } from './ast.ts';
import { ExpressionBudgetExceeded, ExpressionError } from './errors.ts';
import type { Token } from './lexer.ts';
import { isRaw } from './exact-number.ts';

export const MAX_EXPRESSION_LENGTH = 2048;
/** Brackets, braces and parentheses inside one another (multi-selects, filters, calls, groups). */
export const MAX_NESTING = 16;
/** Entries of one multi-select list or hash, arguments of one call. */
export const MAX_FAN_OUT = 64;
/** Copies of its input an expression could build, by the static count above. */
export const MAX_COPIES = 2 ** 20;

/** Steps one evaluation may spend: a few milliseconds of work on this project's machines. */
export const MAX_STEPS = 250_000;
/** JSON bytes a result may hold beyond the first occurrence of each of its parts. */
export const MAX_REPEATED_BYTES = 1024 * 1024;
/** Strings at least this long are tracked as parts that can repeat; shorter ones cost a step each to place. */
const TRACKED_STRING = 64;

/** Refuses, with the reason naming the limit, an expression's text beyond the static bounds. */
export function checkText(source: string): void {
  if (source.length > MAX_EXPRESSION_LENGTH) throw new ExpressionError(`is longer than ${MAX_EXPRESSION_LENGTH} characters`);
}

export function checkNesting(tokens: readonly Token[]): void {
  let depth = 0;
  for (const token of tokens) {
    switch (token.type) {
      case 'lbracket':
      case 'filter':
      case 'lbrace':
      case 'lparen':
        if (++depth > MAX_NESTING) throw new ExpressionError(`nests brackets, braces or parentheses more than ${MAX_NESTING} deep`);
        break;
      case 'rbracket':
      case 'rbrace':
      case 'rparen':
        depth--;
        break;
      default:
    }
  }
}

/** How many copies of its input `node` can build; throws past the bounds on fan-out and copies. */
function copies(node: Node): number {
  switch (node.type) {
    case 'current':
    case 'field':
    case 'literal':
    case 'index':
    case 'slice':
      return 1;
    case 'chain': {
      let product = 1;
      for (const child of node.children) product = bounded(product * copies(child));
      return product;
    }
    case 'projection':
    case 'valueProjection':
      return bounded(copies(node.left) * copies(node.right));
    case 'filterProjection':
      copies(node.condition);
      return bounded(copies(node.left) * copies(node.right));
    case 'flatten':
    case 'not':
      return copies(node.child);
    case 'expref':
      // An argument that takes one is handled by `call` below: this one stands anywhere else.
      throw new ExpressionError("uses & outside a function's arguments");
    case 'or':
    case 'and':
      return Math.max(copies(node.left), copies(node.right));
    case 'compare':
      copies(node.left);
      copies(node.right);
      return 1;
    case 'list':
      return sum(node.children);
    case 'hash':
      return sum(node.values);
    case 'call': {
      if (node.args.length > MAX_FAN_OUT) throw new ExpressionError(`calls a function with more than ${MAX_FAN_OUT} arguments`);
      const each = node.args.map((arg) => copies(arg.type === 'expref' ? arg.child : arg));
      if (node.name === 'merge') return bounded(each.reduce((a, b) => a + b, 0));
      if (node.name === 'map') return bounded((each[0] ?? 1) * (each[1] ?? 1));
      return Math.max(1, ...each);
    }
  }
}

function sum(children: readonly Node[]): number {
  if (children.length > MAX_FAN_OUT) throw new ExpressionError(`has a multi-select of more than ${MAX_FAN_OUT} entries`);
  let total = 0;
  for (const child of children) total = bounded(total + copies(child));
  return total;
}

function bounded(count: number): number {
  if (count > MAX_COPIES) throw new ExpressionError(`could build more than ${MAX_COPIES} copies of its input`);
  return count;
}

export function checkTree(node: Node): void {
  copies(node);
}

export const budgetExceeded = (what: string): never => {
  throw new ExpressionBudgetExceeded(what);
};

/**
 * The JSON size of `value` (an estimate, in bytes), throwing ExpressionBudgetExceeded once the
 * parts it holds more than once add up to more than `maxRepeated` bytes. Each object, array and
 * long string is measured once however often it recurs, so a value of shared parts (`[@,@]`
 * piped 40 times) is measured in as many steps as it has distinct parts, not 2^40.
 */
export function measureJson(value: unknown, maxRepeated: number): number {
  const sizes = new Map<object, number>();
  const strings = new Set<string>();
  let repeated = 0;
  const repeat = (size: number): number => {
    repeated += size;
    if (repeated > maxRepeated) budgetExceeded('repeated output');
    return size;
  };
  const measure = (v: unknown): number => {
    switch (typeof v) {
      case 'string':
        if (v.length >= TRACKED_STRING) {
          if (strings.has(v)) return repeat(v.length + 2);
          strings.add(v);
        }
        return v.length + 2;
      case 'number':
        return 8;
      case 'boolean':
        return 5;
      case 'object': {
        if (v === null) return 4;
        const known = sizes.get(v);
        if (known !== undefined) return repeat(known);
        let size: number;
        if (Array.isArray(v)) {
          size = 2 + v.length;
          for (let i = 0; i < v.length; i++) size += measure(v[i]);
        } else if (isRaw(v)) {
          size = v.rawJSON.length;
        } else {
          size = 2;
          for (const key in v) {
            if (!Object.hasOwn(v, key)) continue;
            size += key.length + 4 + measure((v as Record<string, unknown>)[key]);
          }
        }
        sizes.set(v, size);
        return size;
      }
      default:
        return 4;
    }
  };
  return measure(value);
}
