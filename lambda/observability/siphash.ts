// SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012): a keyed
// hash made for short inputs, here in plain JavaScript. The userTag hash runs once per
// request, and Node's HMAC (OpenSSL with a fresh context each call) cost 10 to 15 µs there;
// this costs a fraction of one. Each 64-bit word is held as two unsigned 32-bit halves.

/** v0..v3 as high and low halves: [v0h, v0l, v1h, v1l, v2h, v2l, v3h, v3l]. One hash at a time (it never awaits). */
const v = new Uint32Array(8);

const word = (bytes: Uint8Array, at: number): number =>
  (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;

/** a += b (words at indexes a and b). */
function add(a: number, b: number): void {
  const low = (v[a + 1]! + v[b + 1]!) >>> 0;
  v[a] = v[a]! + v[b]! + (low < v[a + 1]! ? 1 : 0);
  v[a + 1] = low;
}

/** a = rotl(a, bits) ^ b, for 0 < bits < 32. */
function rotateXor(a: number, bits: number, b: number): void {
  const high = v[a]!, low = v[a + 1]!;
  v[a] = ((high << bits) | (low >>> (32 - bits))) ^ v[b]!;
  v[a + 1] = ((low << bits) | (high >>> (32 - bits))) ^ v[b + 1]!;
}

/** a = rotl(a, 32): the halves swap. */
function swap(a: number): void {
  const high = v[a]!;
  v[a] = v[a + 1]!;
  v[a + 1] = high;
}

function sipRounds(count: number): void {
  for (let r = 0; r < count; r++) {
    add(0, 2); rotateXor(2, 13, 0); swap(0);
    add(4, 6); rotateXor(6, 16, 4);
    add(0, 6); rotateXor(6, 21, 0);
    add(4, 2); rotateXor(2, 17, 4); swap(4);
  }
}

/** One 64-bit message word m (high, low): v3 ^= m, two rounds, v0 ^= m. */
function absorb(high: number, low: number): void {
  v[6] = v[6]! ^ high;
  v[7] = v[7]! ^ low;
  sipRounds(2);
  v[0] = v[0]! ^ high;
  v[1] = v[1]! ^ low;
}

/**
 * SipHash-2-4 of `message` under a 16-byte `key` (two little-endian 64-bit words, as the
 * paper specifies), as 16 lowercase hex digits of the 64-bit result.
 */
export function sipHash24Hex(key: Uint8Array, message: Uint8Array): string {
  if (key.length !== 16) throw new RangeError('SipHash needs a 16-byte key');
  const k0h = word(key, 4), k0l = word(key, 0), k1h = word(key, 12), k1l = word(key, 8);
  // The initial state's constants spell "somepseudorandomlygeneratedbytes".
  v[0] = k0h ^ 0x736f6d65; v[1] = k0l ^ 0x70736575;
  v[2] = k1h ^ 0x646f7261; v[3] = k1l ^ 0x6e646f6d;
  v[4] = k0h ^ 0x6c796765; v[5] = k0l ^ 0x6e657261;
  v[6] = k1h ^ 0x74656462; v[7] = k1l ^ 0x79746573;
  const length = message.length;
  const whole = length - (length % 8);
  for (let at = 0; at < whole; at += 8) absorb(word(message, at + 4), word(message, at));
  // The last word: the 0 to 7 bytes left, and the length's low byte as its top byte.
  let lastLow = 0, lastHigh = (length & 0xff) << 24;
  for (let i = whole; i < length; i++) {
    const shift = 8 * ((i - whole) % 4);
    if (i - whole < 4) lastLow |= message[i]! << shift;
    else lastHigh |= message[i]! << shift;
  }
  absorb(lastHigh >>> 0, lastLow >>> 0);
  v[5] = v[5]! ^ 0xff;
  sipRounds(4);
  const high = (v[0]! ^ v[2]! ^ v[4]! ^ v[6]!) >>> 0;
  const low = (v[1]! ^ v[3]! ^ v[5]! ^ v[7]!) >>> 0;
  return high.toString(16).padStart(8, '0') + low.toString(16).padStart(8, '0');
}
