// A schema failure as one short line for the log: where in the document, and which rule.
// Ajv's messages name rules (`must be <= 100`), never values; a pattern's own text is left out.
import type { SchemaError } from './schema-validators.generated.js';

export function schemaReason(errors: readonly SchemaError[] | null | undefined): string {
  // The deepest error is the most precise one (a oneOf reports its branches' errors first).
  const error = [...(errors ?? [])].sort((a, b) => b.instancePath.split('/').length - a.instancePath.split('/').length)[0];
  if (!error) return 'schema: invalid';
  const where = error.instancePath || '/';
  const what = error.keyword === 'pattern' ? 'does not have the required form' : (error.message ?? error.keyword);
  const extra = (error as { params?: { additionalProperty?: string } }).params?.additionalProperty;
  return `schema: ${where} ${what}${extra === undefined ? '' : ` (${JSON.stringify(extra)})`}`;
}
