// Who calls the API: one API key and one usage plan per consumer (AdapterApi's keys and plans),
// and the names the Lambda's request lines and metrics give them (CONSUMER_API_KEYS). With no
// `consumers`, the stack keeps today's single key, as the consumer `default`.
import { CONSUMER_NAME_PATTERN } from '../../lambda/observability/consumer.ts';
import type { ApiSettings, QuotaPeriod } from './api.ts';
import { show } from './reader.ts';
import type { Reader } from './reader.ts';

export const CONSUMER_KEYS = ['consumers'] as const;
type ConsumerKey = (typeof CONSUMER_KEYS)[number];

/** The consumer the single key of a stack without `consumers` belongs to; its key and plan keep their logical ids. */
export const DEFAULT_CONSUMER = 'default';
/** The label of a consumer's key when `apiKeys` is not given. */
export const FIRST_KEY = '1';
/** A key's label: `apiKeys` lists them, and each names one API key of the consumer. */
export const KEY_LABEL = /^[a-z0-9][a-z0-9-]{0,15}$/;
/** Two at most: a rotation overlaps the old key and the new one, then drops the old. */
export const MAX_KEYS_PER_CONSUMER = 2;
/** Each consumer is an API key, a usage plan and its key links: a stack stays well inside CloudFormation's 500 resources. */
export const MAX_CONSUMERS = 50;

const FIELDS = ['throttleRateLimit', 'throttleBurstLimit', 'quotaLimit', 'quotaPeriod', 'apiKeys'] as const;
const QUOTA_PERIODS: readonly QuotaPeriod[] = ['DAY', 'WEEK', 'MONTH'];

export interface Consumer {
  readonly name: string;
  readonly throttleRateLimit: number;
  readonly throttleBurstLimit: number;
  readonly quotaLimit: number;
  readonly quotaPeriod: QuotaPeriod;
  /** The labels of its API keys, one key each, in order. */
  readonly apiKeys: readonly string[];
}

export interface ConsumerSettings {
  /** Every consumer, in context order; just `default` with the stage's limits when `consumers` is unset. */
  readonly consumers: readonly Consumer[];
}

/** An integer (a JSON number, or digits in a string from `-c`) in min..max, else undefined. */
function integerIn(value: unknown, min: number, max: number): number | undefined {
  const number = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  return typeof number === 'number' && Number.isSafeInteger(number) && number >= min && number <= max ? number : undefined;
}

/**
 * `consumers`: name -> {throttleRateLimit, throttleBurstLimit, quotaLimit, quotaPeriod, apiKeys},
 * each field optional (the stage-wide key of the same name is its default; apiKeys ["1"]).
 * The stage's own throttle caps every consumer together, so no consumer may be given more.
 */
export function readConsumerSettings(read: Reader<ConsumerKey>, api: ApiSettings): ConsumerSettings {
  const stageLimits = { throttleRateLimit: api.throttleRateLimit, throttleBurstLimit: api.throttleBurstLimit, quotaLimit: api.quotaLimit, quotaPeriod: api.quotaPeriod };
  const object = read.object('consumers', 'an object of consumer name -> {throttleRateLimit, throttleBurstLimit, quotaLimit, quotaPeriod, apiKeys}');
  if (object === undefined) {
    return { consumers: read.raw('consumers') === undefined ? [{ name: DEFAULT_CONSUMER, ...stageLimits, apiKeys: [FIRST_KEY] }] : [] };
  }
  const names = Object.keys(object);
  if (names.length === 0) read.problem('consumers', 'consumers: names no consumer (leave it unset for the single key)');
  if (names.length > MAX_CONSUMERS) read.problem('consumers', `consumers: ${names.length} consumers, at most ${MAX_CONSUMERS}`);
  const consumers: Consumer[] = [];
  for (const [name, raw] of Object.entries(object)) {
    if (!CONSUMER_NAME_PATTERN.test(name)) {
      read.problem('consumers', `consumers: ${show(name)} is not a consumer name (${CONSUMER_NAME_PATTERN.source})`);
      continue;
    }
    const at = `consumers.${name}`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      read.problem('consumers', `${at}: expected an object of throttleRateLimit, throttleBurstLimit, quotaLimit, quotaPeriod, apiKeys, got ${show(raw)}`);
      continue;
    }
    const entry = raw as Record<string, unknown>;
    const unknown = Object.keys(entry).filter((field) => !(FIELDS as readonly string[]).includes(field));
    if (unknown.length > 0) read.problem('consumers', `${at}: unknown ${unknown.map(show).join(', ')} (it takes ${FIELDS.join(', ')})`);
    let ok = unknown.length === 0;
    const integer = (field: 'throttleRateLimit' | 'throttleBurstLimit' | 'quotaLimit', min: number, max: number): number => {
      if (entry[field] === undefined) return stageLimits[field];
      const value = integerIn(entry[field], min, max);
      if (value !== undefined) return value;
      ok = false;
      read.problem('consumers', `${at}.${field}: expected an integer from ${min} to ${max}, got ${show(entry[field])}`);
      return stageLimits[field];
    };
    const throttleRateLimit = integer('throttleRateLimit', 1, api.throttleRateLimit);
    const throttleBurstLimit = integer('throttleBurstLimit', 1, api.throttleBurstLimit);
    const quotaLimit = integer('quotaLimit', 1, 2_000_000_000);
    let quotaPeriod = stageLimits.quotaPeriod;
    if (entry.quotaPeriod !== undefined) {
      const found = QUOTA_PERIODS.find((period) => period === entry.quotaPeriod);
      if (found === undefined) {
        ok = false;
        read.problem('consumers', `${at}.quotaPeriod: expected one of ${QUOTA_PERIODS.join(', ')}, got ${show(entry.quotaPeriod)}`);
      } else quotaPeriod = found;
    }
    let apiKeys: readonly string[] = [FIRST_KEY];
    if (entry.apiKeys !== undefined) {
      const labels = entry.apiKeys;
      const valid =
        Array.isArray(labels) &&
        labels.length >= 1 &&
        labels.length <= MAX_KEYS_PER_CONSUMER &&
        labels.every((label) => typeof label === 'string' && KEY_LABEL.test(label)) &&
        new Set(labels).size === labels.length;
      if (valid) apiKeys = labels as string[];
      else {
        ok = false;
        read.problem('consumers', `${at}.apiKeys: expected 1 or ${MAX_KEYS_PER_CONSUMER} different key labels (${KEY_LABEL.source}), got ${show(labels)}`);
      }
    }
    if (ok) consumers.push({ name, throttleRateLimit, throttleBurstLimit, quotaLimit, quotaPeriod, apiKeys });
  }
  return { consumers };
}
