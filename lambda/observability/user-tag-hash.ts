// B's userTag never reaches a log line as it was sent: it may be a customer id or an email.
// What the line carries is an HMAC-SHA256 under a key drawn at random when the container
// starts and never written anywhere. Within one container the same tag gives the same hash,
// so an operator can see one caller's requests repeat (a retry storm, say); across containers
// and over time the hashes do not link, and nobody holding the logs (or the function's
// configuration, where an env-var key would sit in plain text) can test a guessed tag against
// them. Requests are correlated across systems by the request id, not by the tag.
import { createHmac, createSecretKey, randomBytes } from 'node:crypto';

/** Hex characters kept: 64 bits, plenty to tell one container's callers apart. */
const HASH_HEX_LENGTH = 16;

export type UserTagHasher = (userTag: string) => string;

/** A hasher with its own key; `key` is for tests that need a known value. */
export function userTagHasher(key: Buffer = randomBytes(32)): UserTagHasher {
  // A KeyObject made once: given the raw bytes, createHmac imports the key again on every call,
  // which cost several times the hash itself.
  const secret = createSecretKey(key);
  return (userTag) => createHmac('sha256', secret).update(userTag, 'utf8').digest('hex').slice(0, HASH_HEX_LENGTH);
}
