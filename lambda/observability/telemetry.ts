// Powertools for AWS Lambda, created once per container: the Logger that writes the request
// lines, the Metrics store behind the EMF lines, and the Tracer behind the X-Ray subsegments.
// Each also reads its own POWERTOOLS_* variables (log level, POWERTOOLS_DEV for local mode's
// indented lines); service name and namespace come from settings.ts.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { TelemetrySettings } from '../settings.ts';
import { xraySubsegments, type Traced } from './tracing.ts';
import { userTagHasher, type UserTagHasher } from './user-tag-hash.ts';

export interface Telemetry {
  logger: Logger;
  metrics: Metrics;
  tracer: Tracer;
  traced: Traced;
  hashUserTag: UserTagHasher;
}

export function createTelemetry(settings: TelemetrySettings): Telemetry {
  const logger = new Logger({ serviceName: settings.serviceName });
  const metrics = new Metrics({ serviceName: settings.serviceName, namespace: settings.metricsNamespace, logger });
  // Tracing is on only inside Lambda (Powertools checks AWS_EXECUTION_ENV). No automatic HTTP
  // subsegments: they would name the model's host and duplicate the ones traced.ts opens.
  const tracer = new Tracer({ serviceName: settings.serviceName, captureHTTPsRequests: false });
  return { logger, metrics, tracer, traced: xraySubsegments(tracer), hashUserTag: userTagHasher() };
}
