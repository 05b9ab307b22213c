// What the adapter reports, created once per container: Powertools' Logger behind every log
// line but the request's own (used through its public API; it reads its own POWERTOOLS_*
// variables, log level and POWERTOOLS_DEV for local mode's indented lines among them), the
// request line with its EMF line (request-line.ts), the EMF metrics (metrics.ts), and
// Powertools' Tracer behind the X-Ray subsegments. Service name and namespace come from
// settings.ts.
import { Logger } from '@aws-lambda-powertools/logger';
import { isDevMode } from '@aws-lambda-powertools/commons/utils/env';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { TelemetrySettings } from '../settings.ts';
import { noConsumers, type ConsumerOf } from './consumer.ts';
import { AdapterMetrics, metricsEnabled } from './metrics.ts';
import { RequestLines } from './request-line.ts';
import { untraced, xraySubsegments, type Traced } from './tracing.ts';
import { userTagHasher, type UserTagHasher } from './user-tag-hash.ts';

export interface Telemetry {
  logger: Logger;
  metrics: AdapterMetrics;
  requestLines: RequestLines;
  /** Only when tracing is on: with it off, nothing X-Ray runs per request. */
  tracer: Tracer | undefined;
  traced: Traced;
  hashUserTag: UserTagHasher;
  /** A request's consumer from its API key id: every key unknown until the handler's settings name them (app.ts). */
  consumerOf: ConsumerOf;
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
  const logger = new Logger({ serviceName: settings.serviceName });
  const metrics = new AdapterMetrics({
    namespace: settings.metricsNamespace,
    service: settings.serviceName,
    enabled: metricsEnabled(),
    write: (line) => process.stdout.write(`${line}\n`),
  });
  const requestLines = new RequestLines({ service: settings.serviceName, logger, metrics, indent: isDevMode() });
  let tracer: Tracer | undefined;
  if (tracingMayBeEnabled()) {
    const { Tracer } = await import('@aws-lambda-powertools/tracer');
    // Tracing is on only inside Lambda (Powertools checks AWS_EXECUTION_ENV). No automatic HTTP
    // subsegments: they would name the model's host and duplicate the ones traced.ts opens.
    const candidate = new Tracer({ serviceName: settings.serviceName, captureHTTPsRequests: false });
    if (candidate.isTracingEnabled()) tracer = candidate;
  }
  return { logger, metrics, requestLines, tracer, traced: tracer ? xraySubsegments(tracer) : untraced, hashUserTag: userTagHasher(), consumerOf: noConsumers };
}
