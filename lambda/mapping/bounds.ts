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

/**
 * Steps one evaluation may spend: a few milliseconds of work on this project's machines (4 to
 * 10 at the limit), enough for a linear mapping over any body under the default 1 MiB cap.
 */
export const MAX_STEPS = 200_000;
/** JSON bytes one result may hold (an estimate: 8 per number, a string's length, keys, brackets). */
export const MAX_OUTPUT_BYTES = 8 * 1024 * 1024;
/** Of those, bytes a result may hold more than once (a part it repeats, counted from its second time on). */
export const MAX_REPEATED_BYTES = 1024 * 1024;

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

/** A tree at least this large (in JSON bytes) is remembered when measured, to tell when it recurs. */
const LARGE_TREE = 16 * 1024;

export interface OutputLimits {
  maxOutputBytes: number;
  maxRepeatedBytes: number;
}

/**
 * The JSON size of `value` (an estimate, in bytes), throwing ExpressionBudgetExceeded past the
 * limits. `made` holds the containers the evaluation built that hold containers: only they can
 * share parts, since what JSON.parse gives (and a literal) is a tree. Each built container that
 * holds built ones is measured once however often it recurs, so a value of shared parts (`[@,@]`
 * piped 40 times) is measured in as many steps as it has distinct parts, not 2^40, and each
 * recurrence counts as repeated. A tree is walked without remembering anything (but a large one,
 * once measured, is recognised when it recurs), which keeps measuring a large answer cheap.
 * `charge`, when given, is spent as it goes: a step per container and per 16 bytes (to_string).
 */
export function measureJson(value: unknown, made: ReadonlySet<object>, limits: OutputLimits, charge?: (steps: number) => void): number {
  const measure = new Measure(made, limits, charge);
  if (typeof value === 'object' && value !== null) measure.node(value, false);
  else measure.counted = typeof value === 'string' ? value.length + 2 : 8;
  measure.check();
  return measure.counted;
}

class Measure {
  counted = 0;
  private repeated = 0;
  /** Built containers holding built ones, by size: allocated when the first is measured. */
  private memo: Map<object, number> | undefined;
  /** Large trees already measured, so that one recurring (`[data, data]`) counts as repeated at once. */
  private large: Map<object, number> | undefined;
  private readonly made: ReadonlySet<object>;
  private readonly limits: OutputLimits;
  private readonly charge: ((steps: number) => void) | undefined;

  constructor(made: ReadonlySet<object>, limits: OutputLimits, charge: ((steps: number) => void) | undefined) {
    this.made = made;
    this.limits = limits;
    this.charge = charge;
  }

  check(): void {
    if (this.counted > this.limits.maxOutputBytes) budgetExceeded('output');
  }

  /** A part measured before, met again. */
  private again(size: number): void {
    this.repeated += size;
    this.counted += size;
    if (this.repeated > this.limits.maxRepeatedBytes) budgetExceeded('repeated output');
    this.check();
  }

  node(v: object, inTree: boolean): void {
    if (inTree) return this.tree(v);
    if (!this.made.has(v)) return this.root(v);
    this.charge?.(1);
    const known = this.memo?.get(v);
    if (known !== undefined) return this.again(known);
    const before = this.counted;
    let holdsBuilt = false;
    if (Array.isArray(v)) {
      this.counted += 2 + v.length;
      for (let i = 0; i < v.length; i++) if (this.item(v[i])) holdsBuilt = true;
    } else {
      this.counted += 2;
      const keys = Object.keys(v);
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as string;
        this.counted += key.length + 4;
        if (this.item((v as Record<string, unknown>)[key])) holdsBuilt = true;
      }
    }
    this.check();
    // One holding only trees costs no more to measure again than to look up.
    if (holdsBuilt) (this.memo ??= new Map()).set(v, this.counted - before);
  }

  /** A child of a built container; true when it is a built container itself. */
  private item(child: unknown): boolean {
    if (typeof child === 'string') this.counted += child.length + 2;
    else if (typeof child === 'object' && child !== null) {
      const built = this.made.has(child);
      this.node(child, false);
      return built;
    } else this.counted += 8;
    return false;
  }

  /** A tree the result points at from a container the evaluation built (or the result itself). */
  private root(v: object): void {
    const known = this.large?.get(v);
    if (known !== undefined) return this.again(known);
    const before = this.counted;
    this.tree(v);
    if (this.counted - before >= LARGE_TREE) (this.large ??= new Map()).set(v, this.counted - before);
  }

  /** A tree's size, added as it goes; the total is checked as each container ends. */
  private tree(v: object): void {
    let size: number;
    if (Array.isArray(v)) {
      size = 2 + v.length;
      for (let i = 0; i < v.length; i++) {
        const item: unknown = v[i];
        if (typeof item === 'string') size += item.length + 2;
        else if (typeof item === 'object' && item !== null) {
          this.counted += size;
          size = 0;
          this.tree(item);
        } else size += 8;
      }
    } else if (isRaw(v)) {
      size = v.rawJSON.length;
    } else {
      size = 2;
      const keys = Object.keys(v);
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as string;
        const item = (v as Record<string, unknown>)[key];
        size += key.length + 4;
        if (typeof item === 'string') size += item.length + 2;
        else if (typeof item === 'object' && item !== null) {
          this.counted += size;
          size = 0;
          this.tree(item);
        } else size += 8;
      }
    }
    this.counted += size;
    this.charge?.(1 + (size >> 4));
    this.check();
  }
}
