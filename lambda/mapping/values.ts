// JSON values as the engine sees them: null, booleans, strings, numbers (doubles or raw exact
// numbers, exact-number.ts), arrays and objects. An object's fields are its own properties only,
// so `constructor`, `toString` and `__proto__` are names like any other; and a key the engine
// writes is always an own property (a `__proto__` key never changes a prototype).
// Strings compare and count by code point, as Python (and so jmespath.py) does, not by UTF-16 unit.
import { compareNumbers, isRaw, type JsonNumber } from './exact-number.ts';

export type Kind = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';

export type JsonObject = Record<string, unknown>;

export function kindOf(value: unknown): Kind {
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) return 'array';
      return JSON.isRawJSON(value) ? 'number' : 'object';
    default:
      return 'null';
  }
}

export const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !JSON.isRawJSON(value);

/** A field of an object, or null: only its own properties count. */
export function field(value: unknown, name: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, name)) return null;
  // A raw number's one own property is its text: a number has no fields.
  if (name === 'rawJSON' && JSON.isRawJSON(value)) return null;
  const found = (value as JsonObject)[name];
  return found === undefined ? null : found;
}

/** Sets an own property, even for the key `__proto__` (where `=` would set the prototype). */
export function setKey(target: JsonObject, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

/** JMESPath's truth: false, null, "", [] and {} are false; everything else (0 included) is true. */
export function isTruthy(value: unknown): boolean {
  switch (typeof value) {
    case 'boolean':
      return value;
    case 'string':
      return value !== '';
    case 'number':
      return true;
    case 'object':
      if (value === null) return false;
      if (Array.isArray(value)) return value.length > 0;
      if (JSON.isRawJSON(value)) return true;
      for (const key in value) if (Object.hasOwn(value, key)) return true;
      return false;
    default:
      return false;
  }
}

/**
 * JMESPath equality: same type and value, numbers by exact value (-0 == 0), arrays in order,
 * objects by their keys. `charge` is called per value compared, so comparing large or shared
 * structures spends the evaluation's budget.
 */
export function equal(a: unknown, b: unknown, charge: (steps: number) => void): boolean {
  // Comparing two strings reads them: 16 characters a step.
  charge(typeof a === 'string' ? 1 + (a.length >> 4) : 1);
  if (a === b) return true;
  const kind = kindOf(a);
  if (kind !== kindOf(b)) return false;
  switch (kind) {
    case 'number':
      return compareNumbers(a as JsonNumber, b as JsonNumber) === 0;
    case 'array': {
      const x = a as unknown[];
      const y = b as unknown[];
      if (x.length !== y.length) return false;
      for (let i = 0; i < x.length; i++) if (!equal(x[i], y[i], charge)) return false;
      return true;
    }
    case 'object': {
      const x = a as JsonObject;
      const y = b as JsonObject;
      const keys = Object.keys(x);
      charge(keys.length);
      if (keys.length !== Object.keys(y).length) return false;
      for (const key of keys) if (!Object.hasOwn(y, key) || !equal(x[key], y[key], charge)) return false;
      return true;
    }
    default:
      // null, booleans and strings are equal only when identical, handled above.
      return false;
  }
}

/** Code point order, which is UTF-16 order except that astral characters sort after U+E000–U+FFFF. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      // Surrogates (D800–DFFF) stand for code points above FFFF: move them above E000–FFFF.
      x += x <= 0xdfff ? 0x2000 : -0x800;
      y += y <= 0xdfff ? 0x2000 : -0x800;
    }
    return x < y ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

const isHigh = (unit: number): boolean => unit >= 0xd800 && unit <= 0xdbff;
const isLow = (unit: number): boolean => unit >= 0xdc00 && unit <= 0xdfff;

/** The number of code points (a lone surrogate counts as one, as in Python). */
export function codePointLength(text: string): number {
  let pairs = 0;
  for (let i = 0; i + 1 < text.length; i++) {
    if (isHigh(text.charCodeAt(i)) && isLow(text.charCodeAt(i + 1))) pairs++, i++;
  }
  return text.length - pairs;
}

/** Whether `part` occurs in `text` at `at` without splitting a surrogate pair at either end. */
function whole(text: string, part: string, at: number): boolean {
  if (at > 0 && part.length > 0 && isLow(part.charCodeAt(0)) && isHigh(text.charCodeAt(at - 1))) return false;
  const end = at + part.length;
  if (end < text.length && part.length > 0 && isHigh(part.charCodeAt(part.length - 1)) && isLow(text.charCodeAt(end))) return false;
  return true;
}

export const startsWith = (text: string, prefix: string): boolean => text.startsWith(prefix) && whole(text, prefix, 0);
export const endsWith = (text: string, suffix: string): boolean => text.endsWith(suffix) && whole(text, suffix, text.length - suffix.length);

export function includes(text: string, part: string): boolean {
  for (let at = text.indexOf(part); at !== -1; at = text.indexOf(part, at + 1)) if (whole(text, part, at)) return true;
  return false;
}

/** Reversed by code point, so that a surrogate pair stays a pair. */
export function reverseString(text: string): string {
  let out = '';
  for (let i = text.length - 1; i >= 0; i--) {
    const unit = text.charCodeAt(i);
    if (isLow(unit) && i > 0 && isHigh(text.charCodeAt(i - 1))) {
      out += text[i - 1]! + text[i]!;
      i--;
    } else out += text[i];
  }
  return out;
}
