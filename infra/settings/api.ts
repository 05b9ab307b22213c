// B's REST API: how it is reached, how much B may send, and what guards it. AdapterApi's settings.
import type { Reader } from './reader.ts';

export const API_KEYS = [
  'endpointType',
  'apiVpcEndpointIds',
  'throttleRateLimit',
  'throttleBurstLimit',
  'quotaLimit',
  'quotaPeriod',
  'waf',
  'apiGatewayCloudWatchRole',
] as const;
type ApiKey = (typeof API_KEYS)[number];

/** API Gateway's default (and, without a quota raise, maximum) integration timeout. */
export const INTEGRATION_TIMEOUT_SECONDS = 29;

export type QuotaPeriod = 'DAY' | 'WEEK' | 'MONTH';
export type EndpointKind = 'REGIONAL' | 'PRIVATE';

export interface ApiSettings {
  readonly endpointType: EndpointKind;
  /** The execute-api VPC endpoints of a PRIVATE API; empty for a REGIONAL one. */
  readonly apiVpcEndpointIds: readonly string[];
  readonly throttleRateLimit: number;
  readonly throttleBurstLimit: number;
  readonly quotaLimit: number;
  readonly quotaPeriod: QuotaPeriod;
  readonly waf: boolean;
  readonly apiGatewayCloudWatchRole: boolean;
}

export function readApiSettings(read: Reader<ApiKey>): ApiSettings {
  const endpointType = read.choice('endpointType', ['REGIONAL', 'PRIVATE'] as const) ?? 'REGIONAL';
  const apiVpcEndpointIds = read.list('apiVpcEndpointIds', (v) => /^vpce-[0-9a-f]{8,17}$/.test(v), 'VPC endpoint ids such as vpce-0123456789abcdef0') ?? [];
  if (endpointType === 'PRIVATE' && apiVpcEndpointIds.length === 0) {
    read.problem('apiVpcEndpointIds', 'apiVpcEndpointIds: required when endpointType is PRIVATE (the execute-api endpoints B calls through)');
  }
  if (endpointType === 'REGIONAL' && apiVpcEndpointIds.length > 0) {
    read.problem('apiVpcEndpointIds', 'apiVpcEndpointIds: only meaningful when endpointType is PRIVATE');
  }
  return {
    endpointType,
    apiVpcEndpointIds,
    throttleRateLimit: read.integer('throttleRateLimit', 1, 10_000) ?? 50,
    throttleBurstLimit: read.integer('throttleBurstLimit', 1, 5_000) ?? 100,
    quotaLimit: read.integer('quotaLimit', 1, 2_000_000_000) ?? 1_000_000,
    quotaPeriod: read.choice('quotaPeriod', ['DAY', 'WEEK', 'MONTH'] as const) ?? 'DAY',
    waf: read.boolean('waf') ?? false,
    apiGatewayCloudWatchRole: read.boolean('apiGatewayCloudWatchRole') ?? true,
  };
}
