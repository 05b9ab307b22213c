// What an expression can fail with. At load: ExpressionError, with a fixed reason for the log
// (never the text of the data). At evaluation: ExpressionFailure, whose cause says why, so the
// request's log line can tell a type error from an exhausted budget by its errorClass.

/** Why an expression was refused at load: a fixed description, naming the limit when it is one. */
export class ExpressionError extends Error {
  override name = 'ExpressionError';
}

/** An evaluation that did not give a value; `cause` is an ExpressionTypeError or an ExpressionBudgetExceeded. */
export class ExpressionFailure extends Error {
  override name = 'ExpressionFailure';
}

/** A function given what it does not take (`length(null)`), or a result the engine cannot give exactly. */
export class ExpressionTypeError extends Error {
  override name = 'ExpressionTypeError';
}

/** The evaluation did more work, or built more repeated data, than one evaluation may (bounds.ts). */
export class ExpressionBudgetExceeded extends Error {
  override name = 'ExpressionBudgetExceeded';
}

/** Thrown inside the engine; compileExpression wraps it in an ExpressionFailure. */
export const typeError = (message: string): never => {
  throw new ExpressionTypeError(message);
};
