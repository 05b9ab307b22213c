// JMESPath expressions from a model's configuration, checked when the configuration loads and
// evaluated per request by the project's own engine (lexer.ts, parser.ts, interpreter.ts,
// functions.ts). JMESPath builds JSON structurally (`{inputs: [{data: data.rows}]}`), has no
// text templating, no loops and no user-defined functions, so a mapping cannot inject text
// into a body. Loading only parses: nothing is evaluated until a request comes, and then under
// a budget (bounds.ts), so no expression can stall the process, at load or at request time.
import { MAX_OUTPUT_BYTES, MAX_REPEATED_BYTES, MAX_STEPS, checkNesting, checkText, checkTree, measureJson } from './bounds.ts';
import { ExpressionBudgetExceeded, ExpressionError, ExpressionFailure } from './errors.ts';
import { Evaluation, evaluate } from './interpreter.ts';
import { SyntaxFault, tokenize } from './lexer.ts';
import { StaticFault, parse } from './parser.ts';

export { ExpressionBudgetExceeded, ExpressionError, ExpressionFailure, ExpressionTypeError } from './errors.ts';
export { isTruthy } from './values.ts';

/** A JMESPath expression that parsed; `evaluate` throws ExpressionFailure on a run-time error. */
export interface Expression {
  readonly source: string;
  evaluate(input: unknown): unknown;
}

/** The budget of one evaluation (bounds.ts has the defaults and why). */
export interface Budget {
  /** Steps: one per node evaluated, per element and per 16 characters a function goes through. */
  steps: number;
  /** JSON bytes the result may hold. */
  maxOutputBytes: number;
  /** Of those, bytes of parts the result holds more than once, from the second time on. */
  maxRepeatedBytes: number;
}

export const DEFAULT_BUDGET: Readonly<Budget> = { steps: MAX_STEPS, maxOutputBytes: MAX_OUTPUT_BYTES, maxRepeatedBytes: MAX_REPEATED_BYTES };

/**
 * Parses `source` and returns it ready to evaluate. A syntax error, an unknown function, a
 * wrong argument count or an expression beyond the static bounds throws ExpressionError with a
 * fixed reason (never the parser's own message or a piece of the expression).
 */
export function compileExpression(source: string, budget: Readonly<Budget> = DEFAULT_BUDGET): Expression {
  checkText(source);
  let tree;
  try {
    const tokens = tokenize(source);
    checkNesting(tokens);
    tree = parse(source, tokens);
  } catch (error) {
    if (error instanceof SyntaxFault) throw new ExpressionError(`syntax error at column ${error.position}`);
    if (error instanceof StaticFault) throw new ExpressionError(error.message);
    throw error;
  }
  checkTree(tree);
  const root = tree;
  return {
    source,
    evaluate(input) {
      try {
        const evaluation = new Evaluation(budget.steps, budget);
        const result = evaluate(root, input, evaluation);
        // A result may be far larger as JSON than in memory when it shares parts: measured
        // before anyone serialises it.
        measureJson(result, evaluation.made, budget);
        return result;
      } catch (error) {
        // A value nested deeper than the stack allows is beyond any budget too.
        const cause = error instanceof RangeError ? new ExpressionBudgetExceeded('nesting', { cause: error }) : error;
        throw new ExpressionFailure('expression failed', { cause });
      }
    },
  };
}
