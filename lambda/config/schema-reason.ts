// Reading a configuration document against its published schema, and a schema failure as one
// short line for the log: where in the document, and which rule. Ajv's messages name rules
// (`must be <= 100`), never values; a pattern's own text is left out.
import type { SchemaError, Validator } from './schema-validators.generated.js';

/** The JSON document in `text` when it parses and passes `validate`, else the reason it does not. */
export function readSchemaDocument(text: string, validate: Validator): { ok: true; document: unknown } | { ok: false; reason: string } {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not a JSON document' };
  }
  if (!validate(document)) return { ok: false, reason: schemaReason(validate.errors) };
  return { ok: true, document };
}

export function schemaReason(errors: readonly SchemaError[] | null | undefined): string {
  // The deepest error is the most precise one (a oneOf reports its branches' errors first).
  const error = [...(errors ?? [])].sort((a, b) => b.instancePath.split('/').length - a.instancePath.split('/').length)[0];
  if (!error) return 'schema: invalid';
  const where = error.instancePath || '/';
  const what = error.keyword === 'pattern' ? 'does not have the required form' : (error.message ?? error.keyword);
  const extra = (error as { params?: { additionalProperty?: string } }).params?.additionalProperty;
  return `schema: ${where} ${what}${extra === undefined ? '' : ` (${JSON.stringify(extra)})`}`;
}
