// The cold start's floor under the adapter's own code: its runtime dependencies alone, used as
// the adapter uses them on a first request, and nothing of the adapter but undici's entry
// (lambda/upstream/undici.ts). One GetParametersByPath page through the SDK client with the
// handler's options, one POST to the model through undici's Agent with a bare dispatch
// handler, one Powertools Logger line, behind Middy with the JSON body parser. No validation,
// mapping, routing, metrics or contract. The bench bundles it as it bundles the handler
// (scenarios/cold-start.ts); the adapter's cold start minus this one is what its own code
// costs. Powertools' Tracer is left out as the bench's run leaves it unloaded (no
// AWS_EXECUTION_ENV, lambda/observability/telemetry.ts).
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { Dispatcher } from 'undici';
import { Agent } from '../../lambda/upstream/undici.ts';

const logger = new Logger({ serviceName: 'dependencies-only' });
const ssm = new SSMClient({ maxAttempts: 2, requestHandler: { connectionTimeout: 1_000, requestTimeout: 1_500, throwOnRequestTimeout: true } });
const agent = new Agent({ allowH2: false });
let endpoint: URL | undefined;

function post(url: URL, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart: () => {},
      onResponseStart: () => {},
      onResponseData: (_controller, chunk) => void chunks.push(chunk),
      onResponseEnd: () => resolve(Buffer.concat(chunks).toString('utf8')),
      onResponseError: (_controller, error) => reject(error),
    };
    agent.dispatch({ origin: url.origin, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json' }, body }, handler);
  });
}

export const handler = middy(async (event: { body: { userTag: string; data: unknown } }) => {
  if (endpoint === undefined) {
    const page = await ssm.send(new GetParametersByPathCommand({ Path: process.env.PARAMETER_PREFIX, Recursive: true, WithDecryption: true, MaxResults: 10 }));
    // The bench's model (MODEL in workload.ts), named here so the bundle holds nothing else of the bench.
    const parameter = page.Parameters?.find((p) => p.Name?.endsWith('/models/iris/endpoint'));
    if (parameter?.Value === undefined) throw new Error('no iris endpoint parameter under PARAMETER_PREFIX');
    endpoint = new URL(parameter.Value);
  }
  const result: unknown = JSON.parse(await post(endpoint, JSON.stringify(event.body.data)));
  logger.info('request', { status: 200 });
  return { statusCode: 200, body: JSON.stringify({ userTag: event.body.userTag, result }) };
}).use(httpJsonBodyParser());
