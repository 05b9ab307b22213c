// JSON text checks that JSON.parse cannot do for us: a depth limit enforced before parsing (so
// 10,000 nested brackets are a 400, not a stack overflow), and numbers that a double cannot
// carry (2^53 + 1, 1e400, -0) kept exactly as B wrote them instead of being rounded.

export interface JsonScan {
  /** Deepest nesting of objects and arrays, stopped early once past the limit. */
  depthExceeded: boolean;
  /** A number whose text a double would change; such a body is parsed with `parseLossless`. */
  hasInexactNumber: boolean;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const MINUS = 0x2d;

const isNumberChar = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) || c === MINUS || c === 0x2b || c === 0x2e || c === 0x45 || c === 0x65;

/**
 * One pass over the text, outside strings only. It does not validate the JSON: JSON.parse does
 * that after it; malformed text only has to not make this scan throw.
 */
export function scanJson(text: string, maxDepth: number): JsonScan {
  let depth = 0;
  let hasInexactNumber = false;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      for (i++; i < length; i++) {
        const s = text.charCodeAt(i);
        if (s === BACKSLASH) i++;
        else if (s === QUOTE) break;
      }
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > maxDepth) return { depthExceeded: true, hasInexactNumber };
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    } else if (c === MINUS || (c >= 0x30 && c <= 0x39)) {
      const start = i;
      while (i + 1 < length && isNumberChar(text.charCodeAt(i + 1))) i++;
      if (!hasInexactNumber && !isExactNumber(text.slice(start, i + 1))) hasInexactNumber = true;
    }
  }
  return { depthExceeded: false, hasInexactNumber };
}

const NUMBER = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/** The decimal value of a JSON number as sign, significant digits and exponent. */
function decimalKey(text: string): string | undefined {
  const match = NUMBER.exec(text);
  if (!match) return undefined;
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = match;
  let digits = (whole + fraction).replace(/^0+/, '');
  if (digits === '') return `${sign}0`;
  const significant = digits.replace(/0+$/, '');
  const exp = Number(exponent) - fraction.length + (digits.length - significant.length);
  digits = significant;
  return `${sign}${digits}e${exp}`;
}

/**
 * True when `JSON.stringify(JSON.parse(text))` denotes the same decimal number as `text` (so
 * `1.50` is exact, `12345678901234567890` and `1e400` are not). Up to 15 significant digits
 * without an exponent always survive a double, which keeps the common case to a length check.
 */
export function isExactNumber(text: string): boolean {
  if (text.length <= 15 && !/[eE]/.test(text)) return !/^-0(\.0*)?$/.test(text);
  const value = Number(text);
  if (!Number.isFinite(value)) return false;
  const key = decimalKey(text);
  return key === undefined || key === decimalKey(String(value));
}

interface ReviverContext {
  source?: string;
}
declare global {
  interface JSON {
    rawJSON(text: string): unknown;
  }
}

/** JSON.parse, except that numbers a double would change are kept as their source text. */
export function parseLossless(text: string): unknown {
  return JSON.parse(text, function (this: unknown, _key: string, value: unknown, context?: ReviverContext) {
    if (typeof value === 'number' && context?.source !== undefined && !isExactNumber(context.source)) {
      return JSON.rawJSON(context.source);
    }
    return value;
  } as (key: string, value: unknown) => unknown);
}

/** The model's answer as one JSON text, or undefined when it is not exactly one JSON value. */
export function singleJsonText(text: string): string | undefined {
  try {
    JSON.parse(text);
  } catch {
    return undefined;
  }
  // JSON.parse accepted it, so anything around the value is JSON whitespace.
  return text.trim();
}

/**
 * A validated JSON text (a model's answer) as a value whose numbers are exact: plain
 * JSON.parse unless a number needs `parseLossless`. No depth limit: the text already parsed.
 */
export function parseExact(text: string): unknown {
  return scanJson(text, Number.POSITIVE_INFINITY).hasInexactNumber ? parseLossless(text) : JSON.parse(text);
}
