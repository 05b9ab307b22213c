// The body a model receives: `data` as B sent it, or what the model's request mapping builds
// from it. A mapping that fails is B's request not fitting the model: 400, naming the field,
// or saying that the mapping ran out of its budget on data this large. The message never
// names a value.
import { AdapterError, invalidRequest } from '../contract/errors.ts';
import type { ModelConfig } from '../config/model-config.ts';
import { applyMapping, budgetExceeded } from '../mapping/mapping.ts';
import type { MappingInput } from './mapping-input.ts';

/** The model's body as JSON text. Numbers B wrote beyond a double's precision keep their text. */
export function modelBody(config: ModelConfig | undefined, input: MappingInput): string {
  if (!config?.request) return JSON.stringify(input.data);
  const outcome = applyMapping(config.request, input);
  if (outcome.ok) return JSON.stringify(outcome.value);
  const exhausted = budgetExceeded(outcome.cause);
  // The cause is the log line's errorClass: ExpressionBudgetExceeded tells it from a data mismatch.
  if (exhausted) throw new AdapterError('INVALID_REQUEST', { detail: "data is too large for this model's request mapping.", cause: exhausted });
  throw invalidRequest(
    outcome.missing === undefined
      ? "data does not have what this model's request mapping needs."
      : `${outcome.missing} is required by this model's request mapping.`,
  );
}
