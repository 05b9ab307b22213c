// Powertools' own JSON log format, built with less work per line. Its default formatter
// deep-merges a line's attributes into a fresh object (cloning as it goes) and then copies the
// result once more to drop empty values; the adapter's lines are flat (codes, ids, timings), so
// for them one pass does both. Any line with a nested value (an error object, say), or with a
// key that Powertools' own attributes also use, goes the default way, so every line reads
// exactly as the default formatter writes it.
import { LogFormatter, LogItem } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';

/** A line whose attributes are final (nothing empty left to remove) and all strings, numbers or booleans. */
export class FlatLogItem extends LogItem {
  override prepareForPrint(): void {}
}

const isEmpty = (value: unknown): boolean => value === undefined || value === null || value === '';

/** What Powertools hands its formatter for its own fields, the timestamp aside. */
export interface PowertoolsAttributes {
  logLevel: string;
  message: string;
  serviceName: string;
  sampleRateValue: number;
  xRayTraceId?: string | undefined;
  lambdaContext?: UnformattedAttributes['lambdaContext'];
}

/** Powertools' own fields of a line, in the order its PowertoolsLogFormatter writes them. */
export function powertoolsFields(attributes: PowertoolsAttributes, timestamp: string): LogAttributes {
  const context = attributes.lambdaContext;
  return {
    level: attributes.logLevel,
    message: attributes.message,
    timestamp,
    service: attributes.serviceName,
    cold_start: context?.coldStart,
    function_arn: context?.invokedFunctionArn,
    function_memory_size: context?.memoryLimitInMB,
    function_name: context?.functionName,
    function_request_id: context?.awsRequestId,
    sampling_rate: attributes.sampleRateValue,
    xray_trace_id: attributes.xRayTraceId,
    tenant_id: context?.tenantId,
  };
}

/**
 * `base` then `additional`, without empty values, when every value is a string, number or
 * boolean and no key of `additional` is one of Powertools' own; otherwise undefined.
 */
export function flatLine(base: LogAttributes, additional: LogAttributes): LogAttributes | undefined {
  const line: LogAttributes = {};
  for (const key in base) {
    if (!isEmpty(base[key])) line[key] = base[key];
  }
  for (const key in additional) {
    const value = additional[key];
    if ((typeof value === 'object' && value !== null) || typeof value === 'bigint' || key in base) return undefined;
    if (!isEmpty(value)) line[key] = value;
  }
  return line;
}

export class FlatLogFormatter extends LogFormatter {
  override formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const base = powertoolsFields(attributes, this.formatTimestamp(attributes.timestamp));
    const line = flatLine(base, additional);
    return line === undefined ? new LogItem({ attributes: base }).addAttributes(additional) : new FlatLogItem({ attributes: line });
  }
}
