// Compares JSON texts by value while keeping every number's exact decimal value, so that a test
// can tell "re-serialised the same number" (1.0 -> 1) from "rounded it" (2^53 + 1 -> 2^53).

/** A JSON number's text as sign, significant digits and exponent: `1.50` and `15e-1` give `15e-1`. Zero keeps its sign. */
export function decimalValue(text: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match) throw new Error(`not a JSON number: ${text}`);
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = match;
  const digits = (whole + fraction).replace(/^0+/, '');
  if (digits === '') return `${sign}0`;
  const significant = digits.replace(/0+$/, '');
  const exp = BigInt(exponent) - BigInt(fraction.length) + BigInt(digits.length - significant.length);
  return `${sign}${significant}e${exp}`;
}

export interface ExactNumber {
  $number: string;
}

/** JSON.parse, with every number replaced by `{ $number: decimalValue(its source text) }`. */
export function parseExact(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown, context?: { source?: string }) => {
    if (typeof value !== 'number') return value;
    if (context?.source === undefined) throw new Error('JSON.parse source text is not available');
    return { $number: decimalValue(context.source) } satisfies ExactNumber;
  });
}
