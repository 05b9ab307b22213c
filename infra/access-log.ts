/**
 * The access log line: one JSON object of `$context` variables only. No headers, no body, no
 * query string: nothing B sent beyond where it came from and what it asked for.
 */
export const ACCESS_LOG_FIELDS: Readonly<Record<string, string>> = {
  requestId: '$context.requestId',
  xrayTraceId: '$context.xrayTraceId',
  requestTime: '$context.requestTime',
  sourceIp: '$context.identity.sourceIp',
  apiKeyId: '$context.identity.apiKeyId',
  httpMethod: '$context.httpMethod',
  resourcePath: '$context.resourcePath',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationStatus: '$context.integrationStatus',
  errorType: '$context.error.responseType',
};

/** Every value quoted: a variable with no value prints "-", which would break bare JSON numbers. */
export const ACCESS_LOG_FORMAT = JSON.stringify(ACCESS_LOG_FIELDS);
