// JMESPath expressions from a model's configuration, checked when the configuration loads and
// evaluated per request. JMESPath builds JSON structurally (`{inputs: [{data: data.rows}]}`),
// has no text templating, no loops and no user-defined functions, so a mapping cannot inject
// text into a body or run away with the CPU.
import {
  ArityError,
  EmptyExpressionError,
  IncompleteExpressionError,
  LexerError,
  ParseError,
  UnknownFunctionError,
  VariadicArityError,
  search,
} from '@aws-lambda-powertools/jmespath';

/** A JMESPath expression that parsed; `evaluate` throws ExpressionFailure on a run-time error. */
export interface Expression {
  readonly source: string;
  evaluate(input: unknown): unknown;
}

/** Why an expression was refused at load: a fixed description, never the parser's own message. */
export class ExpressionError extends Error {
  override name = 'ExpressionError';
}

/** A run-time failure (a function given the wrong type); its cause is kept for the log's class only. */
export class ExpressionFailure extends Error {
  override name = 'ExpressionFailure';
}

/** The functions of the JMESPath specification, which is all Powertools' `search` knows by default. */
const FUNCTIONS = new Set([
  'abs', 'avg', 'ceil', 'contains', 'ends_with', 'floor', 'join', 'keys', 'length', 'map', 'max', 'max_by', 'merge',
  'min', 'min_by', 'not_null', 'reverse', 'sort', 'sort_by', 'starts_with', 'sum', 'to_array', 'to_number',
  'to_string', 'type', 'values',
]);

const SYNTAX_ERRORS = [LexerError, ParseError, IncompleteExpressionError, EmptyExpressionError];
const STATIC_ERRORS = [UnknownFunctionError, ArityError, VariadicArityError];

type Name = { name: string; role: 'function' | 'key' | 'field' };

/**
 * The identifiers of an expression outside string and JSON literals, with what each one is:
 * a function called, a key of a multiselect hash (`{key: ...}`) or a field read.
 */
function names(source: string): Name[] {
  const found: Name[] = [];
  const roleAfter = (end: number): Name['role'] => {
    const next = /^\s*([(:])?/.exec(source.slice(end))?.[1];
    return next === '(' ? 'function' : next === ':' ? 'key' : 'field';
  };
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "'" || c === '"' || c === '`') {
      const start = i;
      for (i++; i < source.length && source[i] !== c; i++) if (source[i] === '\\') i++;
      if (c === '"') {
        try {
          found.push({ name: JSON.parse(source.slice(start, i + 1)) as string, role: roleAfter(i + 1) });
        } catch {
          // Not a valid quoted identifier: the parser refuses the expression anyway.
        }
      }
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i))?.[0];
    if (!name) continue;
    found.push({ name, role: roleAfter(i + name.length) });
    i += name.length - 1;
  }
  return found;
}

/**
 * Parses `source` (a syntax error, an unknown function or a wrong argument count throws
 * ExpressionError) and returns it ready to evaluate. Powertools keeps each parsed expression
 * in its own cache, keyed by the text: the text given here is the key for every later call.
 */
export function compileExpression(source: string): Expression {
  for (const { name, role } of names(source)) {
    if (role === 'function' && !FUNCTIONS.has(name)) throw new ExpressionError(`unknown function ${name}()`);
    // Powertools reads a field with `name in value`, which finds Object.prototype's members
    // (`constructor`, `toString`, `__proto__`) on every object: such a field never means the data.
    if (role === 'field' && name in Object.prototype) throw new ExpressionError(`field ${name} cannot be read (a JavaScript built-in name)`);
    // And a `__proto__` key would set the built object's prototype instead of a key.
    if (role === 'key' && name === '__proto__') throw new ExpressionError('key __proto__ cannot be built');
  }
  // Powertools caches parsed expressions in a plain object keyed by their text, where
  // `constructor` would find Object's own member: parentheses change the key, not the meaning.
  const text = Object.hasOwn(Object.prototype, source.trim()) ? `(${source})` : source;
  try {
    // Evaluating against null parses the expression; type errors on null are expected and
    // say nothing about the input the expression will really get.
    search(text, null);
  } catch (error) {
    if (SYNTAX_ERRORS.some((type) => error instanceof type)) {
      const column = /column (\d+)/.exec((error as Error).message)?.[1];
      throw new ExpressionError(column === undefined ? 'syntax error' : `syntax error at column ${column}`);
    }
    if (STATIC_ERRORS.some((type) => error instanceof type)) throw new ExpressionError('wrong number of arguments to a function');
  }
  return {
    source,
    evaluate(input) {
      try {
        return search(text, input as never);
      } catch (error) {
        throw new ExpressionFailure('expression failed', { cause: error });
      }
    },
  };
}

/** JMESPath's truth: false, null, "", [] and {} are false; everything else (0 included) is true. */
export function isTruthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}
