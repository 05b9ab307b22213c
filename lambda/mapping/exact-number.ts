// Numbers as the mapping engine holds them: a plain double when the double is exactly the number
// written (contract/json-text.ts guarantees that of every parsed number), or a JSON.rawJSON
// value holding the text when no double is (2^53 + 1, 12345678901234567890, 1e400, -0,
// 0.1000000000000000055511151231257827). Everything here is exact on both kinds: comparisons by
// decimal value, integer arithmetic in BigInt. What cannot be given exactly fails instead of
// being rounded (the callers turn `undefined` into a type error).
import { isExactNumber } from '../contract/json-text.ts';

export interface RawNumber {
  readonly rawJSON: string;
}

declare global {
  interface JSON {
    isRawJSON(value: unknown): boolean;
  }
}

export const isRaw = (value: unknown): value is RawNumber => typeof value === 'object' && value !== null && JSON.isRawJSON(value);

export type JsonNumber = number | RawNumber;

/** The number a JSON number text denotes: a double when one is exact, else the text itself. */
const numberFromText = (text: string): JsonNumber => (isExactNumber(text) ? Number(text) : (JSON.rawJSON(text) as RawNumber));

/** JSON's number production, which is what `to_number` accepts in a string. */
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const INTEGER_TEXT = /^-?\d+$/;

interface Decimal {
  negative: boolean;
  /** Significant digits without leading or trailing zeros; '' for zero. */
  digits: string;
  /** The value is digits × 10^exponent. */
  exponent: bigint;
}

function decimal(value: JsonNumber): Decimal {
  // String(double) is its shortest round-trip text, which is the number as written.
  const text = typeof value === 'number' ? String(value) : value.rawJSON;
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match) throw new Error('not a JSON number');
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = match;
  const all = (whole + fraction).replace(/^0+/, '');
  const digits = all.replace(/0+$/, '');
  if (digits === '') return { negative: false, digits: '', exponent: 0n };
  return { negative: sign === '-', digits, exponent: BigInt(exponent) - BigInt(fraction.length) + BigInt(all.length - digits.length) };
}

function compareMagnitude(a: Decimal, b: Decimal): number {
  // The position of the leading digit decides, then the digits themselves.
  const lead = a.exponent + BigInt(a.digits.length) - (b.exponent + BigInt(b.digits.length));
  if (lead !== 0n) return lead < 0n ? -1 : 1;
  const length = Math.max(a.digits.length, b.digits.length);
  const x = a.digits.padEnd(length, '0');
  const y = b.digits.padEnd(length, '0');
  return x < y ? -1 : x > y ? 1 : 0;
}

/** -1, 0 or 1 by exact decimal value; -0 and 0 are equal. */
export function compareNumbers(a: JsonNumber, b: JsonNumber): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  const x = decimal(a);
  const y = decimal(b);
  const sx = x.digits === '' ? 0 : x.negative ? -1 : 1;
  const sy = y.digits === '' ? 0 : y.negative ? -1 : 1;
  if (sx !== sy) return sx < sy ? -1 : 1;
  if (sx === 0) return 0;
  return sx * compareMagnitude(x, y);
}

/** An integer as JSON number text, in Python's sense: digits only, no fraction, no exponent. */
const isIntegerNumber = (value: JsonNumber): boolean => (typeof value === 'number' ? Number.isInteger(value) : INTEGER_TEXT.test(value.rawJSON));

/**
 * An integer's exact value. A double at or beyond 2^53 stands for the decimal it prints as (1e23
 * is the 1e23 written, not the binary double nearest it), so it goes through its digits.
 */
function toBigInt(value: JsonNumber): bigint {
  if (typeof value !== 'number') return BigInt(value.rawJSON);
  if (Math.abs(value) < 2 ** 53) return BigInt(value);
  const d = decimal(value);
  const magnitude = BigInt(d.digits) * 10n ** d.exponent;
  return d.negative ? -magnitude : magnitude;
}

const MAX_EXACT = 2n ** 53n;
/** An integer as the engine holds it: a double when exact, else its digits. */
const fromBigInt = (value: bigint): JsonNumber =>
  value <= MAX_EXACT && value >= -MAX_EXACT ? Number(value) : (JSON.rawJSON(value.toString()) as RawNumber);

export function absNumber(value: JsonNumber): JsonNumber {
  if (typeof value === 'number') return Math.abs(value);
  return numberFromText(value.rawJSON.startsWith('-') ? value.rawJSON.slice(1) : value.rawJSON);
}

/** ceil or floor, exactly; an integer written with digits only comes back as itself (-0 as 0). */
export function roundNumber(value: JsonNumber, mode: 'ceil' | 'floor'): JsonNumber {
  if (typeof value === 'number') return mode === 'ceil' ? Math.ceil(value) : Math.floor(value);
  if (INTEGER_TEXT.test(value.rawJSON)) return fromBigInt(BigInt(value.rawJSON));
  const d = decimal(value);
  if (d.digits === '') return 0;
  // Non-negative exponent: an integer already (1e400); its text is its exact value.
  if (d.exponent >= 0n) return value;
  const keep = BigInt(d.digits.length) + d.exponent;
  const whole = keep > 0n ? BigInt(d.digits.slice(0, Number(keep))) : 0n;
  // digits has no trailing zeros and the exponent is negative, so there is a fraction.
  const up = d.negative ? mode === 'floor' : mode === 'ceil';
  const magnitude = up ? whole + 1n : whole;
  return fromBigInt(d.negative ? -magnitude : magnitude);
}

/**
 * Python's sum of doubles (what jmespath.py computes): the leading integers exactly, then
 * double additions. Only called on plain doubles.
 */
function doubleSum(values: readonly number[]): number {
  let i = 0;
  let whole = 0n;
  let exact = 0;
  let big = false;
  for (; i < values.length && Number.isInteger(values[i]); i++) {
    const v = values[i] as number;
    if (!big && Math.abs(exact + v) < 2 ** 53) exact += v;
    else {
      if (!big) (whole = BigInt(exact)), (big = true);
      whole += BigInt(v);
    }
  }
  let total = big ? Number(whole) : exact;
  for (; i < values.length; i++) total += values[i] as number;
  return total;
}

/** sum(): exact for integers (BigInt), Python's doubles for plain fractions; undefined when neither is exact. */
export function sumNumbers(values: readonly JsonNumber[]): JsonNumber | undefined {
  if (values.every(isIntegerNumber)) {
    if (values.every((v) => typeof v === 'number')) {
      // Doubles add integers exactly while every partial sum stays below 2^53.
      let total = 0;
      let exact = true;
      for (const v of values as number[]) {
        total += v;
        if (!(Math.abs(total) < 2 ** 53)) exact = false;
      }
      if (exact) return total;
    }
    let total = 0n;
    for (const v of values) total += toBigInt(v);
    return fromBigInt(total);
  }
  if (values.some(isRaw)) return undefined;
  return checkFinite(doubleSum(values as number[]));
}

const checkFinite = (value: number): number | undefined => (Number.isFinite(value) ? value : undefined);

/** avg(): Python's double division for plain numbers; exact (or undefined) when a raw number or a big sum is involved. */
export function averageNumbers(values: readonly JsonNumber[]): JsonNumber | undefined {
  const plain = values.every((v) => typeof v === 'number');
  if (values.every(isIntegerNumber)) {
    let total = 0n;
    for (const v of values) total += toBigInt(v);
    if (plain && total <= MAX_EXACT && total >= -MAX_EXACT) return Number(total) / values.length;
    return exactQuotient(total, BigInt(values.length));
  }
  if (!plain) return undefined;
  const total = doubleSum(values as number[]);
  return checkFinite(total / values.length);
}

const gcd = (a: bigint, b: bigint): bigint => {
  let x = a < 0n ? -a : a;
  let y = b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
};

/** numerator / denominator as an exact decimal, or undefined when its expansion does not end. */
function exactQuotient(numerator: bigint, denominator: bigint): JsonNumber | undefined {
  const g = gcd(numerator, denominator) || 1n;
  let n = numerator / g;
  let q = denominator / g;
  let twos = 0;
  let fives = 0;
  while (q % 2n === 0n) (q /= 2n), twos++;
  while (q % 5n === 0n) (q /= 5n), fives++;
  if (q !== 1n) return undefined;
  const places = Math.max(twos, fives);
  n *= 2n ** BigInt(places - twos) * 5n ** BigInt(places - fives);
  const negative = n < 0n;
  const digits = (negative ? -n : n).toString().padStart(places + 1, '0');
  const text = places === 0 ? digits : `${digits.slice(0, -places)}.${digits.slice(-places)}`;
  return numberFromText(`${negative ? '-' : ''}${text}`);
}

/** to_number() of a string: a JSON number's text, exactly; anything else is null. */
export const numberFromString = (text: string): JsonNumber | null => (JSON_NUMBER.test(text) ? numberFromText(text) : null);

/**
 * to_string() of a number: its JSON text. An integer written with digits only is printed as
 * its integer (so -0 is "0", as Python prints an int); any other raw text as it was written.
 */
export const numberToString = (value: JsonNumber): string =>
  typeof value === 'number' ? JSON.stringify(value) : INTEGER_TEXT.test(value.rawJSON) ? BigInt(value.rawJSON).toString() : value.rawJSON;
