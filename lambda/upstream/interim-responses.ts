// Interim (1xx) answers in front of a model's final answer. RFC 9110 §15.2: a client must
// parse any number of 1xx responses before the final one, even when it did not ask for them.
// undici's HTTP/1.1 client takes 102 and 103 that way (call-model.ts skips them), but refuses
// a 100 Continue as a bad response, since it never sends `Expect: 100-continue` itself
// (nodejs/undici#197). A model, or a proxy in front of it, that says 100 anyway has received
// the request: failing the call would be wrong, and retrying it would send B's request twice.
// So on each model connection the 100 responses at the head of an answer are dropped before
// undici's parser reads them.
import type { Socket } from 'node:net';

/** A 100 response longer than this is not one: it goes to undici as it is, which refuses it. */
const MAX_INTERIM_BYTES = 8 * 1024;
const EMPTY = Buffer.alloc(0);
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})[ \r]/;
const HEAD_END = Buffer.from('\r\n\r\n');

/** Could `bytes` still grow into a status line that says 100? */
const mayBeContinue = (bytes: Buffer): boolean => {
  const text = bytes.toString('latin1');
  const probe = 'HTTP/1.1 100 ';
  return text.length < probe.length && /^H(T(T(P(\/(1(\.([01]( (1(0(0)?)?)?)?)?)?)?)?)?)?)?$/.test(text);
};

/**
 * From now on `socket` hands its reader (undici) each answer without the 100 responses in
 * front of it. An answer starts after each request undici writes: it writes a request whole,
 * in one tick, and waits for its answer before the next (no pipelining).
 */
export function skipInterimContinue(socket: Socket): void {
  const read = socket.read;
  const write = socket.write;
  /** Whether the bytes that come next are the head of an answer. */
  let atAnswerStart = false;
  /** Bytes held back while it is not yet known whether they are a 100 response. */
  let held: Buffer | undefined;

  socket.write = function (this: Socket, ...args: Parameters<Socket['write']>) {
    atAnswerStart = true;
    held = undefined;
    return write.apply(this, args);
  } as Socket['write'];

  socket.read = function (this: Socket, size?: number) {
    const chunk = read.call(this, size) as Buffer | null;
    if (!atAnswerStart || chunk === null) return chunk;
    let bytes = held === undefined ? chunk : Buffer.concat([held, chunk]);
    held = undefined;
    for (;;) {
      if (bytes.length === 0) return EMPTY;
      const status = STATUS_LINE.exec(bytes.subarray(0, 16).toString('latin1'))?.[1];
      if (status === undefined) {
        if (mayBeContinue(bytes)) {
          held = bytes;
          return EMPTY;
        }
        atAnswerStart = false;
        return bytes;
      }
      if (status !== '100') {
        atAnswerStart = false;
        return bytes;
      }
      const end = bytes.indexOf(HEAD_END);
      if (end < 0) {
        if (bytes.length > MAX_INTERIM_BYTES) {
          atAnswerStart = false;
          return bytes;
        }
        held = bytes;
        return EMPTY;
      }
      bytes = bytes.subarray(end + HEAD_END.length);
    }
  } as Socket['read'];
}
