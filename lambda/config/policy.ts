// An ensemble's policy (docs/contract.md, "Ensembles"): how many members must answer for B to get a
// result. `all` needs every member, `any` one, `quorum:k` k of them.

export interface Policy {
  readonly text: string;
  /** How many members must succeed. */
  readonly needed: number;
}

/** The policy for `members` members, or undefined when it cannot be met by that many. */
export function parsePolicy(text: string, members: number): Policy | undefined {
  if (text === 'all') return { text, needed: members };
  if (text === 'any') return { text, needed: 1 };
  const quorum = /^quorum:([1-9]\d*)$/.exec(text);
  const k = quorum ? Number(quorum[1]) : Number.NaN;
  return k >= 1 && k <= members ? { text, needed: k } : undefined;
}
