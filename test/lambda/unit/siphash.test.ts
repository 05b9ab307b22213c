// SipHash-2-4 against the reference implementation's vectors and an independent BigInt
// rendering of the paper's algorithm.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { sipHash24Hex } from '../../../lambda/observability/siphash.ts';

/** The reference implementation's vectors_sip64 (key 00..0f, message 00..n-1), first 18, as the 64-bit result. */
const VECTORS = [
  '726fdb47dd0e0e31', '74f839c593dc67fd', '0d6c8009d9a94f5a', '85676696d7fb7e2d', 'cf2794e0277187b7', '18765564cd99a68d',
  'cbc9466e58fee3ce', 'ab0200f58b01d137', '93f5f5799a932462', '9e0082df0ba9e4b0', '7a5dbbc594ddb9f3', 'f4b32f46226bada7',
  '751e8fbc860ee5fb', '14ea5627c0843d90', 'f723ca908e7af2ee', 'a129ca6149be45e5', '3f2acc7f57c29bdb', '699ae9f52cbe4794',
];

test('the reference vectors, across every length of the last block', () => {
  const key = Uint8Array.from({ length: 16 }, (_, i) => i);
  VECTORS.forEach((expected, n) => assert.equal(sipHash24Hex(key, Uint8Array.from({ length: n }, (_, i) => i)), expected, `length ${n}`));
});

const MASK = (1n << 64n) - 1n;
const rotl = (x: bigint, b: bigint): bigint => ((x << b) | (x >> (64n - b))) & MASK;
const le64 = (bytes: Uint8Array, at: number): bigint => {
  let value = 0n;
  for (let i = 7; i >= 0; i--) value = (value << 8n) | BigInt(bytes[at + i] ?? 0);
  return value;
};

/** The paper's algorithm, word for word, in 64-bit BigInt arithmetic. */
function reference(key: Uint8Array, message: Uint8Array): string {
  const k0 = le64(key, 0), k1 = le64(key, 8);
  let v0 = k0 ^ 0x736f6d6570736575n, v1 = k1 ^ 0x646f72616e646f6dn, v2 = k0 ^ 0x6c7967656e657261n, v3 = k1 ^ 0x7465646279746573n;
  const round = () => {
    v0 = (v0 + v1) & MASK; v1 = rotl(v1, 13n) ^ v0; v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & MASK; v3 = rotl(v3, 16n) ^ v2;
    v0 = (v0 + v3) & MASK; v3 = rotl(v3, 21n) ^ v0;
    v2 = (v2 + v1) & MASK; v1 = rotl(v1, 17n) ^ v2; v2 = rotl(v2, 32n);
  };
  const whole = message.length - (message.length % 8);
  const last = new Uint8Array(8);
  last.set(message.subarray(whole));
  last[7] = message.length & 0xff;
  const words = [...Array.from({ length: whole / 8 }, (_, i) => le64(message, i * 8)), le64(last, 0)];
  for (const m of words) {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
  v2 ^= 0xffn;
  for (let i = 0; i < 4; i++) round();
  return ((v0 ^ v1 ^ v2 ^ v3) & MASK).toString(16).padStart(16, '0');
}

test('the same as the BigInt rendering for any key and message', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ maxLength: 300 }), (key, message) => {
      assert.equal(sipHash24Hex(key, message), reference(key, message));
    }),
    { numRuns: 500 },
  );
});

test('a key of another length is refused', () => {
  assert.throws(() => sipHash24Hex(new Uint8Array(32), new Uint8Array(0)), RangeError);
});
