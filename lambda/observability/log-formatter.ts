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

export class FlatLogFormatter extends LogFormatter {
  override formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const context = attributes.lambdaContext;
    // The same fields, in the same order, as Powertools' PowertoolsLogFormatter.
    const base: LogAttributes = {
      level: attributes.logLevel,
      message: attributes.message,
      timestamp: this.formatTimestamp(attributes.timestamp),
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
    const line: LogAttributes = {};
    for (const key in base) {
      if (!isEmpty(base[key])) line[key] = base[key];
    }
    for (const key in additional) {
      const value = additional[key];
      // `in` also sees Object.prototype's names (constructor, toString, __proto__): those lines
      // go the default way too, whose merge drops constructor and __proto__.
      if ((typeof value === 'object' && value !== null) || typeof value === 'bigint' || key in base) {
        return new LogItem({ attributes: base }).addAttributes(additional);
      }
      if (!isEmpty(value)) line[key] = value;
    }
    return new FlatLogItem({ attributes: line });
  }
}
