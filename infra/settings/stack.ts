// What the whole stack shares: the stage it deploys, and how long every log group keeps logs.
import type { Reader } from './reader.ts';

export const STACK_KEYS = ['stage', 'logRetentionDays'] as const;
type StackKey = (typeof STACK_KEYS)[number];

/** Retention periods CloudWatch Logs accepts, in days. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
];

export interface StackSettings {
  /** Names the stack, the API stage and the SSM prefix. */
  readonly stage: string;
  /** docs/contract.md's PARAMETER_PREFIX, `/contract-adapter/{stage}`: where every parameter of the stage lives. */
  readonly parameterPrefix: string;
  /** The function's logs, the API's access logs and the demo VPC's flow logs. */
  readonly logRetentionDays: number;
}

/** The SSM path every parameter of a stage lives under (docs/contract.md's PARAMETER_PREFIX). */
export function parameterPrefix(stage: string): string {
  return `/contract-adapter/${stage}`;
}

export function readStackSettings(read: Reader<StackKey>): StackSettings {
  const stage = read.string('stage', /^[a-z][a-z0-9-]{0,19}$/, 'lower-case letters, digits and "-", starting with a letter, at most 20') ?? 'dev';
  const logRetentionDays = read.integer('logRetentionDays', 1, 3653) ?? 30;
  if (!LOG_RETENTION_DAYS.includes(logRetentionDays)) {
    read.problem('logRetentionDays', `logRetentionDays: must be one of ${LOG_RETENTION_DAYS.join(', ')}`);
  }
  return { stage, parameterPrefix: parameterPrefix(stage), logRetentionDays };
}
