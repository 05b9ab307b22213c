// Types of the validators that scripts/generate-config-validators.ts writes beside this file.

export interface SchemaError {
  /** JSON Pointer to the offending value, `""` for the document itself. */
  instancePath: string;
  keyword: string;
  /** Ajv's fixed wording, such as `must be <= 100`: it names rules, never values. */
  message?: string;
}

export interface Validator {
  (data: unknown): boolean;
  errors?: SchemaError[] | null;
}

export declare const validateModelConfig: Validator;
export declare const validateEnsembleConfig: Validator;
