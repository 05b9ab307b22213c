// The names B may use for a model, a variant or an ensemble (docs/contract.md, "Routes"). A
// name is checked once, where it is read (the route's path, the X-Model-Variant header, a
// parameter's name in SSM), and carries the ModelName type from there on: nothing built from
// an unchecked name (an SSM parameter name, a log field, a metric dimension) can exist.

/** 1 to 64 characters: a letter or digit, then letters, digits, `_`, `.` or `-`. */
export const MODEL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

declare const checked: unique symbol;

/** A name that matched MODEL_NAME_PATTERN. */
export type ModelName = string & { readonly [checked]: true };

/** `text` as a ModelName, or undefined when it is not one. */
export const modelName = (text: string): ModelName | undefined => (MODEL_NAME_PATTERN.test(text) ? (text as ModelName) : undefined);
