// A model's `config` parameter (docs/contract.md, "Model configuration"; docs/model-config.schema.json):
// parsed, checked against the published schema and compiled once per version, so that a
// request only evaluates what is already compiled. A document that fails any check is
// refused whole, with a reason for the log; snapshot.ts keeps the last good one serving.
import { createHash } from 'node:crypto';
import type { ModelName } from '../contract/model-name.ts';
import { ExpressionError, compileExpression, type Expression } from '../mapping/expression.ts';
import { compileMapping, type Mapping, type MappingSpec } from '../mapping/mapping.ts';
import { DataSchemaError, compileDataSchema, type DataSchema, type DataSchemaSpec } from '../models/data-schema.ts';
import { compileErrorRules, type ErrorRules, type ErrorsSpec } from '../models/error-rules.ts';
import { readSchemaDocument } from './schema-reason.ts';
import { validateModelConfig } from './schema-validators.generated.js';

/** Names of TLS parameters, relative to the prefix (`tls/models-ca`). */
export interface TlsNames {
  ca?: string;
  cert?: string;
  key?: string;
}

export interface ModelConfig {
  /** Identifies this version of the document in every log line about the model. */
  readonly hash: string;
  readonly timeoutMs: number | undefined;
  readonly request: Mapping | undefined;
  readonly response: Mapping | undefined;
  readonly errorWhen: Expression | undefined;
  /** Present when the model's 4xx messages may reach B; `message` picks it out of a JSON body. */
  readonly exposeUpstreamErrors: { message: Expression | undefined } | undefined;
  readonly canary: { variant: ModelName; percent: number } | undefined;
  readonly shadow: { variant: ModelName; percent: number; compare: Expression | undefined } | undefined;
  readonly tls: TlsNames | undefined;
  /** What a non-2xx answer means for B beyond its status: the config's rules, then its preset's. */
  readonly errors: ErrorRules | undefined;
  /** B's data as this model takes it: checked before the request mapping. */
  readonly dataSchema: DataSchema | undefined;
}

export type ParsedConfig = { ok: true; config: ModelConfig } | { ok: false; hash: string; reason: string };

/** A short, stable fingerprint of a parameter's text. */
export const configHash = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 12);

/** What the schema admits (docs/model-config.schema.json). */
interface ConfigDocument {
  timeoutMs?: number;
  request?: MappingSpec;
  response?: MappingSpec;
  errorWhen?: string;
  exposeUpstreamErrors?: boolean | { message: string };
  variants?: {
    // The schema holds variant names to the name pattern (docs/model-config.schema.json, "name").
    canary?: { variant: ModelName; percent: number };
    shadow?: { variant: ModelName; percent?: number; compare?: string };
  };
  tls?: TlsNames;
  errors?: ErrorsSpec;
  dataSchema?: DataSchemaSpec;
}

/** Compiles one part of the document, naming the part when its expression is refused. */
function compiled<T>(where: string, compile: () => T): T {
  try {
    return compile();
  } catch (error) {
    if (error instanceof ExpressionError) throw new ExpressionError(`expression: ${where} ${error.message}`);
    if (error instanceof DataSchemaError) throw new ExpressionError(`schema: ${where} ${error.message}`);
    throw error;
  }
}

export function parseModelConfig(text: string): ParsedConfig {
  const hash = configHash(text);
  const read = readSchemaDocument(text, validateModelConfig);
  if (!read.ok) return { ok: false, hash, reason: read.reason };
  const doc = read.document as ConfigDocument;
  try {
    const expose = doc.exposeUpstreamErrors;
    const shadow = doc.variants?.shadow;
    return {
      ok: true,
      config: {
        hash,
        timeoutMs: doc.timeoutMs,
        request: doc.request === undefined ? undefined : compiled('/request', () => compileMapping(doc.request as MappingSpec)),
        response: doc.response === undefined ? undefined : compiled('/response', () => compileMapping(doc.response as MappingSpec)),
        errorWhen: doc.errorWhen === undefined ? undefined : compiled('/errorWhen', () => compileExpression(doc.errorWhen as string)),
        exposeUpstreamErrors:
          expose === undefined || expose === false
            ? undefined
            : { message: expose === true ? undefined : compiled('/exposeUpstreamErrors/message', () => compileExpression(expose.message)) },
        canary: doc.variants?.canary,
        shadow:
          shadow === undefined
            ? undefined
            : {
                variant: shadow.variant,
                percent: shadow.percent ?? 100,
                compare: shadow.compare === undefined ? undefined : compiled('/variants/shadow/compare', () => compileExpression(shadow.compare as string)),
              },
        tls: doc.tls,
        errors: doc.errors === undefined ? undefined : compileErrorRules(doc.errors, (where, text) => compiled(where, () => compileExpression(text))),
        dataSchema: doc.dataSchema === undefined ? undefined : compiled('/dataSchema', () => compileDataSchema(doc.dataSchema as DataSchemaSpec)),
      },
    };
  } catch (error) {
    if (error instanceof ExpressionError) return { ok: false, hash, reason: error.message };
    throw error;
  }
}
