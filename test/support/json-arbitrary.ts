// fast-check arbitraries for JSON texts as B or a model might write them, numbers included that
// a double cannot carry (2^53 + 1, 1e400, -0, long fractions), for the mapping properties.
import fc from 'fast-check';

const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });

export const numberText = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
  fc
    .tuple(fc.constantFrom('', '-'), digits(1, 22), fc.option(digits(1, 22), { nil: undefined }), fc.option(fc.integer({ min: -420, max: 420 }), { nil: undefined }))
    .map(([sign, whole, fraction, exponent]) => `${sign}${whole.replace(/^0+(?=\d)/, '')}${fraction === undefined ? '' : `.${fraction}`}${exponent === undefined ? '' : `e${exponent}`}`),
  fc.constantFrom('-0', '1e400', '-1E+400', '9007199254740993', '0.1000000000000000055511151231257827', '5e-324'),
);

/** Names of JavaScript built-ins: ordinary fields to the mapping engine, so they are generated too. */
const BUILT_IN_NAMES = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', 'rawJSON'];

/** Keys that are JMESPath identifiers, so an expression can name them without quoting. */
export const identifier = fc.oneof({ weight: 9, arbitrary: fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/) }, { weight: 1, arbitrary: fc.constantFrom(...BUILT_IN_NAMES) });

const key = fc.oneof(identifier, fc.string({ maxLength: 6 }));

export const { valueText: jsonText, objectText: jsonObjectText } = fc.letrec<{ valueText: string; objectText: string; arrayText: string }>((tie) => ({
  valueText: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    numberText,
    fc.string({ maxLength: 8 }).map((text) => JSON.stringify(text)),
    fc.constantFrom('true', 'false', 'null'),
    tie('arrayText'),
    tie('objectText'),
  ),
  arrayText: fc.array(tie('valueText'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
  objectText: fc
    .uniqueArray(fc.tuple(key, tie('valueText')), { maxLength: 5, selector: ([k]) => k })
    .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
}));
