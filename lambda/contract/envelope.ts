// B's envelope rules (docs/contract.md, "Request"). Each failure names the field and the rule, with
// a fixed text: never the value B sent.
import { invalidRequest } from './errors.ts';

export interface Envelope {
  userTag: string;
  data: Record<string, unknown>;
}

export const USER_TAG_MAX_CODE_POINTS = 256;
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function countCodePoints(text: string, stopAfter: number): number {
  let count = 0;
  for (let i = 0; i < text.length && count <= stopAfter; i++, count++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) i++;
  }
  return count;
}

/** The reason `value` is not a valid userTag, or undefined when it is one. */
export function userTagProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'userTag must be a string.';
  const codePoints = countCodePoints(value, USER_TAG_MAX_CODE_POINTS);
  if (codePoints === 0 || codePoints > USER_TAG_MAX_CODE_POINTS) {
    return `userTag must have 1 to ${USER_TAG_MAX_CODE_POINTS} characters.`;
  }
  if (!value.isWellFormed()) return 'userTag must be well-formed Unicode.';
  if (CONTROL_CHARACTER.test(value)) return 'userTag must not contain control characters.';
  return undefined;
}

/**
 * Checks a parsed body against the envelope rules. The userTag is checked first so that a
 * later failure can still echo it (the echo rule): see `validUserTag`.
 */
export function readEnvelope(body: unknown): Envelope {
  if (!isPlainObject(body)) throw invalidRequest('The body must be a JSON object with userTag and data.');
  const tagProblem = userTagProblem(body.userTag);
  if (tagProblem) throw invalidRequest(tagProblem);
  if (!isPlainObject(body.data)) throw invalidRequest('data must be a JSON object.');
  return { userTag: body.userTag as string, data: body.data };
}

/** The body's userTag when it passes validation, else null: what an error may echo. */
export function validUserTag(body: unknown): string | null {
  if (!isPlainObject(body)) return null;
  return userTagProblem(body.userTag) === undefined ? (body.userTag as string) : null;
}
