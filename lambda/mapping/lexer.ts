// The tokens of a JMESPath expression (https://jmespath.org/specification.html), read the way
// jmespath.py 1.0.1, the reference implementation, reads them: the same token set, the same
// escapes in raw strings and JSON literals, and the deprecated `foo` literal form (text that
// is not JSON is a string). Numbers in JSON literals are kept exactly (parseLossless), so a
// config's `12345678901234567890` is the number written, not the double nearest to it.
import { parseLossless } from '../contract/json-text.ts';

export type TokenType =
  | 'eof'
  | 'identifier'
  | 'quoted'
  | 'literal'
  | 'number'
  | 'dot'
  | 'star'
  | 'rbracket'
  | 'comma'
  | 'colon'
  | 'current'
  | 'lparen'
  | 'rparen'
  | 'lbrace'
  | 'rbrace'
  | 'lbracket'
  | 'flatten'
  | 'filter'
  | 'pipe'
  | 'or'
  | 'and'
  | 'expref'
  | 'not'
  | 'eq'
  | 'ne'
  | 'lt'
  | 'lte'
  | 'gt'
  | 'gte';

export interface Token {
  readonly type: TokenType;
  /** Where the token starts in the expression (0-based): what a syntax error names. */
  readonly start: number;
  /** An identifier's name, a literal's value, a number's value. */
  readonly value?: unknown;
}

/** A syntax error at `position`; expression.ts turns it into the fixed reason a refusal gives. */
export class SyntaxFault extends Error {
  override name = 'SyntaxFault';
  readonly position: number;
  constructor(position: number, message: string) {
    super(message);
    this.position = position;
  }
}

const SIMPLE: Record<string, TokenType> = {
  '.': 'dot',
  '*': 'star',
  ']': 'rbracket',
  ',': 'comma',
  ':': 'colon',
  '@': 'current',
  '(': 'lparen',
  ')': 'rparen',
  '{': 'lbrace',
  '}': 'rbrace',
};

const isIdentifierStart = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isIdentifierPart = (c: string): boolean => isIdentifierStart(c) || isDigit(c);
/** jmespath.py skips exactly these between tokens. */
const isWhitespace = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';
/** What Python's str.lstrip() removes, for the deprecated literal form. */
const PYTHON_LEADING_SPACE = /^[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

/** JSON.parse, refusing what is not JSON text (it already refuses NaN and Infinity, unlike Python's json). */
function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: parseLossless(text) };
  } catch {
    return { ok: false };
  }
}

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const length = source.length;
  let i = 0;

  /**
   * The text up to the closing `delimiter`, a backslash keeping the character after it (both
   * are kept, as jmespath.py keeps them; the callers then unescape what they unescape).
   */
  const until = (delimiter: string): string => {
    const start = i;
    let text = '';
    i++;
    while (i < length && source[i] !== delimiter) {
      if (source[i] === '\\') {
        text += '\\';
        i++;
        if (i >= length) break;
      }
      text += source[i];
      i++;
    }
    if (i >= length) throw new SyntaxFault(start, `unclosed ${delimiter}`);
    i++;
    return text;
  };

  while (i < length) {
    const c = source[i] as string;
    const simple = SIMPLE[c];
    if (simple !== undefined) {
      tokens.push({ type: simple, start: i });
      i++;
    } else if (isIdentifierStart(c)) {
      const start = i;
      while (i < length && isIdentifierPart(source[i] as string)) i++;
      tokens.push({ type: 'identifier', start, value: source.slice(start, i) });
    } else if (isWhitespace(c)) {
      i++;
    } else if (c === '[') {
      const next = source[i + 1];
      if (next === ']') tokens.push({ type: 'flatten', start: i }), (i += 2);
      else if (next === '?') tokens.push({ type: 'filter', start: i }), (i += 2);
      else tokens.push({ type: 'lbracket', start: i }), i++;
    } else if (c === "'") {
      const start = i;
      // A raw string: only \' is an escape; every other backslash is itself.
      const text = until("'").replaceAll("\\'", "'");
      tokens.push({ type: 'literal', start, value: text });
    } else if (c === '`') {
      const start = i;
      const text = until('`').replaceAll('\\`', '`');
      let parsed = parseJson(text);
      // The deprecated form: `foo` is the string "foo" (jmespath.py still reads it so).
      if (!parsed.ok) parsed = parseJson(`"${text.replace(PYTHON_LEADING_SPACE, '')}"`);
      if (!parsed.ok) throw new SyntaxFault(start, 'bad JSON literal');
      tokens.push({ type: 'literal', start, value: parsed.value });
    } else if (isDigit(c) || c === '-') {
      const start = i;
      i++;
      while (i < length && isDigit(source[i] as string)) i++;
      const text = source.slice(start, i);
      if (text === '-') throw new SyntaxFault(start, 'unknown token -');
      // An index or slice bound; beyond ±2^53 it is past any array anyway.
      tokens.push({ type: 'number', start, value: Number(text) || 0 });
    } else if (c === '"') {
      const start = i;
      const text = until('"');
      const parsed = parseJson(`"${text}"`);
      if (!parsed.ok) throw new SyntaxFault(start, 'bad quoted identifier');
      tokens.push({ type: 'quoted', start, value: parsed.value });
    } else if (c === '|' || c === '&') {
      const doubled = source[i + 1] === c;
      tokens.push({ type: c === '|' ? (doubled ? 'or' : 'pipe') : doubled ? 'and' : 'expref', start: i });
      i += doubled ? 2 : 1;
    } else if (c === '<' || c === '>' || c === '!') {
      const withEquals = source[i + 1] === '=';
      const type: TokenType = c === '<' ? (withEquals ? 'lte' : 'lt') : c === '>' ? (withEquals ? 'gte' : 'gt') : withEquals ? 'ne' : 'not';
      tokens.push({ type, start: i });
      i += withEquals ? 2 : 1;
    } else if (c === '=') {
      if (source[i + 1] !== '=') throw new SyntaxFault(i, 'unknown token =');
      tokens.push({ type: 'eq', start: i });
      i += 2;
    } else {
      throw new SyntaxFault(i, 'unknown token');
    }
  }
  tokens.push({ type: 'eof', start: length });
  return tokens;
}
