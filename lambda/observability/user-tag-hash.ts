// B's userTag never reaches a log line as it was sent: it may be a customer id or an email.
// What the line carries is a keyed hash, SipHash-2-4 (a pseudorandom function made for short
// inputs; siphash.ts), under a 128-bit key drawn at random when the container starts and
// never written anywhere. Within one container the same tag gives the same hash, so an
// operator can see one caller's requests repeat (a retry storm, say); across containers and
// over time the hashes do not link, and nobody holding the logs (or the function's
// configuration, where an env-var key would sit in plain text) can test a guessed tag against
// them. Requests are correlated across systems by the request id, not by the tag.
import { randomBytes } from 'node:crypto';
import { sipHash24Hex } from './siphash.ts';

export type UserTagHasher = (userTag: string) => string;

/** A hasher with its own 16-byte key; `key` is for tests that need a known value. */
export function userTagHasher(key: Uint8Array = randomBytes(16)): UserTagHasher {
  const secret = Uint8Array.from(key);
  return (userTag) => sipHash24Hex(secret, Buffer.from(userTag, 'utf8'));
}
