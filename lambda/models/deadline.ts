// One deadline per model call (docs/contract.md, "What the model receives"): fixed from the
// moment the call is planned, so the time its mapping takes comes out of the model's share, and
// read again just before dispatch and by the retry.

export interface Deadline {
  /** Milliseconds left (0 or less once it has passed). */
  remaining(): number;
}

/** A deadline `ms` from now. */
export function deadlineIn(ms: number, now = performance.now()): Deadline {
  const at = now + ms;
  return { remaining: () => at - performance.now() };
}

/** The earlier of two deadlines (an ensemble's, and its member's own). */
export const earlier = (a: Deadline, b: Deadline): Deadline => (a.remaining() <= b.remaining() ? a : b);
