// Fuzzed properties of B's envelope parser: readBody (size cap, base64,
// UTF-8, depth scan, Middy's JSON parser, exact numbers, envelope rules) on its own, without
// the network, so that 10,000 cases take seconds.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { userTagProblem } from '../../lambda/contract/envelope.ts';
import { AdapterError, type ErrorCode } from '../../lambda/contract/errors.ts';
import { isExactNumber } from '../../lambda/contract/json-text.ts';
import type { Envelope } from '../../lambda/contract/envelope.ts';
import { readBody } from '../../lambda/http/request-body.ts';
import { decimalValue, parseExact } from '../support/json-numbers.ts';
import type { FuzzProperty } from './property.ts';

const MAX_REQUEST_BYTES = 4096;
const MAX_JSON_DEPTH = 8;
const OPTIONS = { maxRequestBytes: MAX_REQUEST_BYTES, maxJsonDepth: MAX_JSON_DEPTH };

interface BodyInput {
  body: string;
  isBase64Encoded: boolean;
  contentType: string;
}

type Parsed = { envelope: Envelope; echoed: string | null } | { code: ErrorCode; echoed: string | null };

/** The body reader on a synthetic request; anything it throws escapes (it must return, never throw). */
export function parseBody({ body, isBase64Encoded, contentType }: BodyInput): Parsed {
  const headers = new Map([['content-type', contentType]]);
  const http = { method: 'POST', path: '/v1/models/m/predict', headers, body, isBase64Encoded, requestId: 'fuzz', sourceIp: undefined };
  const outcome = readBody(http, OPTIONS);
  if (!outcome.ok) {
    assert.ok(outcome.error instanceof AdapterError);
    return { code: outcome.error.code, echoed: outcome.userTag };
  }
  return { envelope: outcome.envelope, echoed: outcome.envelope.userTag };
}

const BODY_CODES = new Set<ErrorCode>(['INVALID_JSON', 'INVALID_REQUEST', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE']);

// ---------------------------------------------------------------------------------------------
// Arbitraries

/** The contract's userTag rules, written out again independently of envelope.ts. */
export function userTagIsValid(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const points = [...value];
  if (points.length < 1 || points.length > 256) return false;
  for (const point of points) {
    const code = point.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff) return false; // a lone surrogate
    if (code <= 0x1f || code === 0x7f) return false;
  }
  return true;
}

const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });

/** JSON number texts, many of which a double cannot carry. */
export const numberText = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
  fc
    .tuple(fc.constantFrom('', '-'), fc.oneof(fc.constant('0'), digits(1, 24).map((d) => `1${d}`)), fc.option(digits(1, 24)), fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.integer({ min: 0, max: 420 }))))
    .map(([sign, whole, fraction, exponent]) => `${sign}${whole}${fraction === null ? '' : `.${fraction}`}${exponent === null ? '' : exponent.join('')}`),
  fc.constantFrom('-0', '-0.0', '0e5', '1e400', '-1E+400', '1e-400', '9007199254740993', '5e-324', '1.10', '100e-2'),
);

const stringText = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.string({ maxLength: 12 }), fc.constantFrom('[', '{', '\\"[', '"}', '\\')).map((s) => JSON.stringify(s));

/** JSON texts of any shape, numbers kept as written, keys that may repeat (never __proto__: A8). */
const { value: jsonText } = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    numberText,
    stringText,
    fc.constantFrom('true', 'false', 'null'),
    fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
    fc
      .array(fc.tuple(fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('a', 'a', 'userTag', 'data', 'constructor')), tie('value')), { maxLength: 4 })
      .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
  ),
}));

const objectText = fc
  .array(fc.tuple(fc.string({ maxLength: 6 }).filter((k) => k !== '__proto__'), jsonText), { maxLength: 5 })
  .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`);

const tagCodePoint = fc.oneof(
  fc.integer({ min: 0x20, max: 0x7e }),
  fc.integer({ min: 0x80, max: 0xd7ff }),
  fc.integer({ min: 0xe000, max: 0x10ffff }),
  fc.constantFrom(0x200d, 0x200f, 0x202e, 0x0301, 0xfe0f, 0x1f469, 0x22, 0x5c, 0x2028),
);
const validTag = fc.array(tagCodePoint, { minLength: 1, maxLength: 256 }).map((points) => String.fromCodePoint(...points));
const anyTag = fc.oneof(
  validTag,
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: fc.constantFrom('a', '\u0000', '\u001f', '\u007f', '\ud800', '\udc00', '😀', '\n'), maxLength: 260 }),
  fc.constantFrom('', 'a'.repeat(256), 'a'.repeat(257), '😀'.repeat(256), '😀'.repeat(257)),
);

/** Turns a text into something near it: cut short, a character dropped, inserted or swapped. */
const mutated = (text: fc.Arbitrary<string>) =>
  fc.tuple(text, fc.nat(), fc.constantFrom('cut', 'drop', 'insert', 'swap', 'keep'), fc.constantFrom(',', '"', '}', ']', '{', '\\', ' ', 'x', '\ud800', '\uFEFF', '/*', 'NaN', "'"))
    .map(([t, at, how, c]) => {
      const i = t.length === 0 ? 0 : at % t.length;
      if (how === 'cut') return t.slice(0, i);
      if (how === 'drop') return t.slice(0, i) + t.slice(i + 1);
      if (how === 'insert') return t.slice(0, i) + c + t.slice(i);
      if (how === 'swap') return t.slice(0, i) + c + t.slice(i + 1);
      return t;
    });

const envelopeText = fc.tuple(anyTag, objectText, fc.constantFrom('', ',"x":1', ',"userTag":"dup"', ',"data":{}')).map(([tag, data, extra]) => `{"userTag":${JSON.stringify(tag)},"data":${data}${extra}}`);

const bodyInput: fc.Arbitrary<BodyInput> = fc.record({
  body: fc.oneof(
    { weight: 3, arbitrary: mutated(envelopeText) },
    { weight: 1, arbitrary: jsonText },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 200 }) },
  ),
  isBase64Encoded: fc.boolean(),
  contentType: fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom('application/json', 'application/json; charset=UTF-8', 'application/vnd.b+json') },
    { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/json; charset=utf-16', '') },
  ),
}).chain((input) =>
  input.isBase64Encoded
    ? fc.oneof(fc.constant({ ...input, body: Buffer.from(input.body).toString('base64') }), fc.constant(input))
    : fc.constant(input),
);

// ---------------------------------------------------------------------------------------------
// Properties

const cleanPrototype = (): void => {
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), PROTOTYPE_KEYS);
};
const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();

export const envelopeProperties: FuzzProperty[] = [
  {
    name: 'envelope: any body gives an envelope or one of the body codes, never another error',
    property: () =>
      fc.property(bodyInput, (input) => {
        const parsed = parseBody(input);
        cleanPrototype();
        if ('code' in parsed) {
          assert.ok(BODY_CODES.has(parsed.code), parsed.code);
          // The echo rule: only a tag that passed validation is kept for the error.
          if (parsed.echoed !== null) assert.ok(userTagIsValid(parsed.echoed));
          return;
        }
        assert.ok(userTagIsValid(parsed.envelope.userTag), 'an accepted userTag follows the rules');
        assert.equal(parsed.echoed, parsed.envelope.userTag);
        const data = parsed.envelope.data;
        assert.ok(typeof data === 'object' && data !== null && !Array.isArray(data));
        assert.ok(Buffer.byteLength(input.isBase64Encoded ? Buffer.from(input.body, 'base64') : input.body) <= MAX_REQUEST_BYTES);
      }),
  },
  {
    name: 'envelope: a valid envelope keeps its userTag code-unit-exact and every number of data exactly',
    property: () =>
      fc.property(validTag, objectText, fc.boolean(), (tag, data, base64) => {
        const text = `{"userTag":${JSON.stringify(tag)},"data":${data}}`;
        fc.pre(Buffer.byteLength(text) <= MAX_REQUEST_BYTES);
        const parsed = parseBody({ body: base64 ? Buffer.from(text).toString('base64') : text, isBase64Encoded: base64, contentType: 'application/json' });
        if ('code' in parsed) {
          // Only the depth limit may refuse a valid envelope.
          assert.equal(parsed.code, 'INVALID_REQUEST');
          assert.ok(depthOf(data) > MAX_JSON_DEPTH, `refused at depth ${depthOf(data)}`);
          return;
        }
        assert.ok(depthOf(data) <= MAX_JSON_DEPTH);
        assert.equal(parsed.envelope.userTag, tag);
        assert.deepEqual(parseExact(JSON.stringify(parsed.envelope.data)), parseExact(data));
      }),
  },
  {
    name: 'envelope: data nested deeper than MAX_JSON_DEPTH is 400 INVALID_REQUEST, never deeper accepted',
    property: () =>
      fc.property(fc.integer({ min: 0, max: 3 * MAX_JSON_DEPTH }), fc.array(fc.constantFrom('[', '{"k":'), { minLength: 3 * MAX_JSON_DEPTH, maxLength: 3 * MAX_JSON_DEPTH }), stringText, (depth, openers, leaf) => {
        const opened = openers.slice(0, depth);
        const inner = opened.join('') + leaf + opened.map((o) => (o === '[' ? ']' : '}')).reverse().join('');
        const parsed = parseBody({ body: `{"userTag":"t","data":{"x":${inner}}}`, isBase64Encoded: false, contentType: 'application/json' });
        // data itself is one level, its value `inner` adds `depth` more. The depth is checked
        // before parsing, so the userTag was never validated and is not echoed (A9).
        if (depth + 1 > MAX_JSON_DEPTH) assert.deepEqual(parsed, { code: 'INVALID_REQUEST', echoed: null });
        else assert.ok('envelope' in parsed);
      }),
  },
  {
    name: 'envelope: userTag rules agree with the contract, for any string',
    property: () =>
      fc.property(anyTag, (tag) => {
        assert.equal(userTagProblem(tag) === undefined, userTagIsValid(tag));
      }),
  },
  {
    name: 'envelope: a number is exact exactly when a double gives back the same decimal value',
    property: () =>
      fc.property(numberText, (text) => {
        const value = Number(text);
        const reference = Number.isFinite(value) && decimalValue(text) === decimalValue(JSON.stringify(value));
        assert.equal(isExactNumber(text), reference, text);
      }),
  },
];

/** Nesting depth of a JSON text: objects and arrays, outside strings. */
function depthOf(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[' || c === '{') max = Math.max(max, ++depth);
    else if (c === ']' || c === '}') depth--;
  }
  return max;
}
