// Who the alarms wake, and when latency is an incident: Operations' settings.
import { INTEGRATION_TIMEOUT_SECONDS } from './api.ts';
import type { Reader } from './reader.ts';

export const ALARM_KEYS = ['alarmEmail', 'alarmP99LatencyMs'] as const;
type AlarmKey = (typeof ALARM_KEYS)[number];

export interface AlarmSettings {
  /** Set: alarms notify an SNS topic with this address subscribed. */
  readonly alarmEmail: string | undefined;
  readonly alarmP99LatencyMs: number;
}

export function readAlarmSettings(read: Reader<AlarmKey>): AlarmSettings {
  return {
    alarmEmail: read.string('alarmEmail', /^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'an e-mail address'),
    alarmP99LatencyMs: read.integer('alarmP99LatencyMs', 10, INTEGRATION_TIMEOUT_SECONDS * 1000) ?? 5000,
  };
}
