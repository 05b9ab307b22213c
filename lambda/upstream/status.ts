// What a model's HTTP status means for B (docs/contract.md, the error table).
import type { ErrorCode } from '../contract/errors.ts';

/** The contract error for a non-2xx status. */
export function errorForStatus(status: number): ErrorCode {
  if (status >= 300 && status < 400) return 'UPSTREAM_BAD_RESPONSE'; // a redirect, never followed
  if (status === 429 || status === 503) return 'UPSTREAM_UNAVAILABLE';
  if (status === 401 || status === 403 || status === 404) return 'UPSTREAM_ERROR';
  if (status >= 400 && status < 500) return 'MODEL_REJECTED_INPUT';
  return 'UPSTREAM_ERROR';
}

export const RETRY_AFTER_MIN_SECONDS = 1;
export const RETRY_AFTER_MAX_SECONDS = 30;

/** A model's Retry-After (seconds or an HTTP date) clamped to what B is told; undefined if absent or unreadable. */
export function clampRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  let seconds: number;
  if (/^\s*\d+\s*$/.test(text)) seconds = Number(text);
  else {
    // Only an HTTP date (`Wed, 21 Oct 2015 07:28:00 GMT`); Date.parse reads `-5` as a year.
    if (!/GMT\s*$/.test(text)) return undefined;
    const date = Date.parse(text);
    if (Number.isNaN(date)) return undefined;
    seconds = Math.ceil((date - now) / 1000);
  }
  return Math.min(RETRY_AFTER_MAX_SECONDS, Math.max(RETRY_AFTER_MIN_SECONDS, seconds));
}
