// A model's declared input schema (`dataSchema`, docs/models.md "Data schema"): a subset of JSON
// Schema for B's `data`, compiled when the config loads (once per version) into a tree of small
// checks, so that a request only runs what is compiled and no schema library is loaded. A
// request whose data breaks it is 400 INVALID_REQUEST before any mapping or model call, with a
// fixed message naming the path and the rule (`data.instances[0] must have 4 items.`), never a
// value B sent.
//
// The subset: type (one or a list of object, array, string, number, integer, boolean, null),
// properties, required, additionalProperties (true or false), items (one schema for every
// item), minItems, maxItems, enum (of scalars), minimum, maximum, minLength, maxLength;
// title and description are ignored. With no combinators (anyOf, oneOf, $ref) each value of
// `data` is checked against at most one schema node, so a check costs one visit per value it
// describes: linear in B's body, which MAX_REQUEST_BYTES caps.
import { invalidRequest } from '../contract/errors.ts';
import { compareNumbers, type JsonNumber } from '../mapping/exact-number.ts';
import { codePointLength, kindOf, type Kind } from '../mapping/values.ts';

export type SchemaType = 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean' | 'null';

/** What the config's schema admits (docs/model-config.schema.json, "dataSchema"). */
export interface DataSchemaSpec {
  type?: SchemaType | SchemaType[];
  title?: string;
  description?: string;
  properties?: Record<string, DataSchemaSpec>;
  required?: string[];
  additionalProperties?: boolean;
  items?: DataSchemaSpec;
  minItems?: number;
  maxItems?: number;
  enum?: (string | number | boolean | null)[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
}

/** Nesting of schemas in one another (properties, items). */
export const MAX_SCHEMA_DEPTH = 16;
/** Schema nodes in one dataSchema. */
export const MAX_SCHEMA_NODES = 1024;

export class DataSchemaError extends Error {
  override name = 'DataSchemaError';
}

/** A path into B's data, built into text only when a check fails. */
interface Path {
  readonly parent: Path | undefined;
  readonly key: string | number;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function pathText(path: Path | undefined): string {
  const parts: (string | number)[] = [];
  for (let p = path; p; p = p.parent) parts.push(p.key);
  let text = '';
  for (let i = parts.length - 1; i >= 0; i--) {
    const key = parts[i] as string | number;
    if (typeof key === 'number') text += `[${key}]`;
    else if (text === '') text = key;
    else text += IDENTIFIER.test(key) ? `.${key}` : `.${JSON.stringify(key)}`;
  }
  return text;
}

/** Returns the broken rule's sentence for the value at `path`, or undefined when it fits. */
type Check = (value: unknown, path: Path) => string | undefined;

const ARTICLE: Record<SchemaType, string> = {
  object: 'an object',
  array: 'an array',
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'a boolean',
  null: 'null',
};

const isInteger = (value: unknown): boolean => (typeof value === 'number' ? Number.isInteger(value) : Number.isInteger(Number((value as { rawJSON: string }).rawJSON)));

function fitsType(kind: Kind, value: unknown, type: SchemaType): boolean {
  if (type === 'integer') return kind === 'number' && isInteger(value);
  return kind === type;
}

const items = (n: number): string => `${n} item${n === 1 ? '' : 's'}`;
const characters = (n: number): string => `${n} character${n === 1 ? '' : 's'}`;

function compileNode(spec: DataSchemaSpec, depth: number, count: { nodes: number }): Check {
  if (depth > MAX_SCHEMA_DEPTH) throw new DataSchemaError(`nests schemas more than ${MAX_SCHEMA_DEPTH} deep`);
  if (++count.nodes > MAX_SCHEMA_NODES) throw new DataSchemaError(`has more than ${MAX_SCHEMA_NODES} schemas`);
  const checks: Check[] = [];

  if (spec.type !== undefined) {
    const types = Array.isArray(spec.type) ? spec.type : [spec.type];
    const rule = `must be ${types.map((t) => ARTICLE[t]).join(' or ')}`;
    // Every later check applies only to values of its own kind, as in JSON Schema.
    checks.push((value) => {
      const kind = kindOf(value);
      for (const type of types) if (fitsType(kind, value, type)) return undefined;
      return rule;
    });
  }
  if (spec.enum !== undefined) {
    const allowed = spec.enum;
    const listed = JSON.stringify(allowed);
    const rule = listed.length <= 200 ? `must be one of ${listed}` : 'must be one of the values this model allows';
    checks.push((value) => {
      const kind = kindOf(value);
      for (const option of allowed) {
        if (option === null ? value === null : kind === 'number' && typeof option === 'number' ? compareNumbers(value as JsonNumber, option) === 0 : value === option) return undefined;
      }
      return rule;
    });
  }
  const { minimum, maximum } = spec;
  if (minimum !== undefined || maximum !== undefined) {
    checks.push((value) => {
      if (kindOf(value) !== 'number') return undefined;
      if (minimum !== undefined && compareNumbers(value as JsonNumber, minimum) < 0) return `must be at least ${minimum}`;
      if (maximum !== undefined && compareNumbers(value as JsonNumber, maximum) > 0) return `must be at most ${maximum}`;
      return undefined;
    });
  }
  const { minLength, maxLength } = spec;
  if (minLength !== undefined || maxLength !== undefined) {
    checks.push((value) => {
      if (typeof value !== 'string') return undefined;
      const length = codePointLength(value);
      if (minLength !== undefined && length < minLength) return `must have at least ${characters(minLength)}`;
      if (maxLength !== undefined && length > maxLength) return `must have at most ${characters(maxLength)}`;
      return undefined;
    });
  }
  const { minItems, maxItems } = spec;
  if (minItems !== undefined || maxItems !== undefined) {
    const exact = minItems !== undefined && minItems === maxItems;
    checks.push((value) => {
      if (!Array.isArray(value)) return undefined;
      if (exact && value.length !== minItems) return `must have ${items(minItems)}`;
      if (minItems !== undefined && value.length < minItems) return `must have at least ${items(minItems)}`;
      if (maxItems !== undefined && value.length > maxItems) return `must have at most ${items(maxItems)}`;
      return undefined;
    });
  }

  // The checks of this node's own value come first; a failure inside a child is the child's.
  const own = checks;
  let item: Check | undefined;
  if (spec.items !== undefined) item = compileNode(spec.items, depth + 1, count);
  const properties = Object.entries(spec.properties ?? {}).map(([key, child]) => [key, compileNode(child, depth + 1, count)] as const);
  const required = spec.required ?? [];
  const known = new Set(Object.keys(spec.properties ?? {}));
  const closed = spec.additionalProperties === false;

  return (value, path) => {
    for (let i = 0; i < own.length; i++) {
      const broken = (own[i] as Check)(value, path);
      if (broken !== undefined) return `${pathText(path)} ${broken}.`;
    }
    if (item !== undefined && Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const broken = item(value[i], { parent: path, key: i });
        if (broken !== undefined) return broken;
      }
    }
    if (kindOf(value) === 'object') {
      const object = value as Record<string, unknown>;
      for (const key of required) {
        if (!Object.hasOwn(object, key)) return `${pathText({ parent: path, key })} is required.`;
      }
      for (const [key, check] of properties) {
        if (!Object.hasOwn(object, key)) continue;
        const broken = check(object[key], { parent: path, key });
        if (broken !== undefined) return broken;
      }
      if (closed) {
        // Never B's key in the message: only that there is one the model does not take.
        for (const key of Object.keys(object)) if (!known.has(key)) return `${pathText(path)} has a field this model does not take.`;
      }
    }
    return undefined;
  };
}

export interface DataSchema {
  /** Throws 400 INVALID_REQUEST naming the first path that breaks the schema. */
  check(data: unknown): void;
}

/** Compiles a config's dataSchema; throws DataSchemaError past its bounds. */
export function compileDataSchema(spec: DataSchemaSpec): DataSchema {
  const root = compileNode(spec, 1, { nodes: 0 });
  const path: Path = { parent: undefined, key: 'data' };
  return {
    check(data) {
      const broken = root(data, path);
      if (broken !== undefined) throw invalidRequest(broken);
    },
  };
}
