// A structural mapping: one JMESPath expression that builds a JSON value from its input, and
// the paths that input must have. `request` mappings build the model's body from
// `{userTag, data, headers}`; `response` mappings build B's `result` from `{request, response}`.
import { ExpressionBudgetExceeded, compileExpression, type Expression } from './expression.ts';

/** How a mapping is written in a model's config: the expression alone, or with its required paths. */
export type MappingSpec = string | { expression: string; required?: string[] };

export interface Mapping {
  readonly expression: Expression;
  /** Paths that must not be null or missing, in the order they are checked. */
  readonly required: readonly { path: string; expression: Expression }[];
}

export type MappingOutcome =
  | { ok: true; value: unknown }
  /** `missing` names the first required path that was absent; otherwise the expression failed (an ExpressionFailure) or gave null. */
  | { ok: false; missing?: string; cause?: unknown };

export function compileMapping(spec: MappingSpec): Mapping {
  const { expression, required = [] } = typeof spec === 'string' ? { expression: spec } : spec;
  return {
    expression: compileExpression(expression),
    required: required.map((path) => ({ path, expression: compileExpression(path) })),
  };
}

/**
 * Applies a mapping. A value the input does not have is null in JMESPath, so a mapping that
 * finds nothing gives null: that is a failure, as is any required path that is null.
 * A number kept as JSON.rawJSON (beyond what a double holds) reaches the output as the same
 * object and serialises as it was written; a function that computes on one is exact or fails.
 */
export function applyMapping(mapping: Mapping, input: unknown): MappingOutcome {
  try {
    for (const { path, expression } of mapping.required) {
      const value = expression.evaluate(input);
      if (value === null || value === undefined) return { ok: false, missing: path };
    }
    const value = mapping.expression.evaluate(input);
    if (value === null || value === undefined) return { ok: false };
    return { ok: true, value };
  } catch (error) {
    return { ok: false, cause: error };
  }
}

/** The exhausted budget behind a failed evaluation, if that is why it failed. */
export function budgetExceeded(failure: unknown): ExpressionBudgetExceeded | undefined {
  const cause = failure instanceof Error ? failure.cause : undefined;
  return cause instanceof ExpressionBudgetExceeded ? cause : undefined;
}
