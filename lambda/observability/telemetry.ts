// Powertools for AWS Lambda, created once per container: the Logger behind every log line (the
// request line built as text in its format, adapter-logger.ts), the Metrics behind the EMF
// lines (a request's built beside its request line, in Metrics' format, metrics.ts), and the
// Tracer behind the X-Ray subsegments. Each also reads its own POWERTOOLS_* variables (log
// level, POWERTOOLS_DEV for local mode's indented lines); service name and namespace come
// from settings.ts.
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { TelemetrySettings } from '../settings.ts';
import { AdapterLogger } from './adapter-logger.ts';
import { AdapterMetrics, type MetricNames } from './metrics.ts';
import { untraced, xraySubsegments, type Traced } from './tracing.ts';
import { userTagHasher, type UserTagHasher } from './user-tag-hash.ts';

export interface Telemetry {
  logger: AdapterLogger;
  metrics: AdapterMetrics;
  /** What a request's EMF line is filed under (the same as `metrics` uses). */
  metricNames: MetricNames;
  /** Only when tracing is on: with it off, nothing X-Ray runs per request. */
  tracer: Tracer | undefined;
  traced: Traced;
  hashUserTag: UserTagHasher;
}

type Env = Record<string, string | undefined>;

const envString = (env: Env, key: string): string => env[key]?.trim() ?? '';

/**
 * Whether Powertools' Tracer could turn itself on here: inside Lambda (AWS_EXECUTION_ENV), not
 * in the Amplify or SAM CLI, and not switched off by POWERTOOLS_TRACE_ENABLED, the checks its
 * constructor makes. Importing the Tracer loads the X-Ray SDK, whose continuation-local storage
 * installs async hooks that then run on every promise the process makes, traced or not; so it
 * is loaded only when this says it may be needed, and `tracer.isTracingEnabled()` decides.
 */
export function tracingMayBeEnabled(env: Env = process.env): boolean {
  const executionEnv = envString(env, 'AWS_EXECUTION_ENV');
  return (
    executionEnv !== '' &&
    executionEnv !== 'AWS_Lambda_amplify-mock' &&
    envString(env, 'AWS_SAM_LOCAL') === '' &&
    envString(env, 'POWERTOOLS_TRACE_ENABLED').toLowerCase() !== 'false'
  );
}

export async function createTelemetry(settings: TelemetrySettings): Promise<Telemetry> {
  // Powertools' JSON lines, built in one pass where a line is flat (adapter-logger.ts).
  const logger = new AdapterLogger(settings.serviceName);
  const metrics = new AdapterMetrics({ serviceName: settings.serviceName, namespace: settings.metricsNamespace, logger });
  const metricNames = { namespace: settings.metricsNamespace, service: settings.serviceName };
  let tracer: Tracer | undefined;
  if (tracingMayBeEnabled()) {
    const { Tracer } = await import('@aws-lambda-powertools/tracer');
    // Tracing is on only inside Lambda (Powertools checks AWS_EXECUTION_ENV). No automatic HTTP
    // subsegments: they would name the model's host and duplicate the ones traced.ts opens.
    const candidate = new Tracer({ serviceName: settings.serviceName, captureHTTPsRequests: false });
    if (candidate.isTracingEnabled()) tracer = candidate;
  }
  return { logger, metrics, metricNames, tracer, traced: tracer ? xraySubsegments(tracer) : untraced, hashUserTag: userTagHasher() };
}
