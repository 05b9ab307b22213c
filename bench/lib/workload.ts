// What every bench scenario sends and answers, so that direct calls, the floor proxy, the
// handler and local mode all move the same bytes: an iris-style request from B and a
// TF-Serving-style answer from the model.
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { restEvent } from '../../test/support/events.ts';

export const MODEL = 'iris';
export const PREFIX = '/contract-adapter/bench';
export const PREDICT_PATH = `/v1/models/${MODEL}/predict`;
export const MODEL_PATH = '/v1/models/iris:predict';

export const DATA = { instances: [[5.1, 3.5, 1.4, 0.2], [6.2, 2.9, 4.3, 1.3], [7.7, 3.0, 6.1, 2.3]] };
export const DATA_TEXT = JSON.stringify(DATA);
export const USER_TAG = 'b-bench-0001';
export const ENVELOPE_TEXT = JSON.stringify({ userTag: USER_TAG, data: DATA });
export const MODEL_ANSWER = '{"predictions":[[0.97,0.02,0.01],[0.03,0.91,0.06],[0.0,0.04,0.96]]}';

/** The parameters under the prefix: the bench model, and a few more as a real prefix has. */
export function benchParameters(modelUrl: string): Record<string, string> {
  return {
    [`${PREFIX}/models/${MODEL}/endpoint`]: `${modelUrl}${MODEL_PATH}`,
    [`${PREFIX}/models/churn/endpoint`]: `${modelUrl}/predict`,
    [`${PREFIX}/models/fraud/endpoint`]: `${modelUrl}/v2/fraud`,
  };
}

/** The handler's environment against a loopback SSM endpoint, with fake credentials. */
export function handlerEnv(ssmUrl: string, ttlSeconds = 30): Record<string, string> {
  return {
    PARAMETER_PREFIX: PREFIX,
    PARAMETER_CACHE_TTL_SECONDS: String(ttlSeconds),
    AWS_ENDPOINT_URL_SSM: ssmUrl,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
  };
}

/** The headers API Gateway passes on for a browser-less client, as in test/fixtures. */
const GATEWAY_HEADERS: Record<string, string> = {
  Accept: '*/*',
  'Accept-Encoding': 'gzip, deflate',
  'CloudFront-Forwarded-Proto': 'https',
  'CloudFront-Is-Desktop-Viewer': 'true',
  'CloudFront-Is-Mobile-Viewer': 'false',
  'CloudFront-Is-SmartTV-Viewer': 'false',
  'CloudFront-Is-Tablet-Viewer': 'false',
  'CloudFront-Viewer-Country': 'US',
  'Content-Type': 'application/json',
  Host: 'gy415nuibc.execute-api.us-east-1.amazonaws.com',
  'User-Agent': 'b-client/1.0',
  Via: '1.1 d98420743a69852491bbdea73f7680bd.cloudfront.net (CloudFront)',
  'X-Amz-Cf-Id': 'pn-PWIJc6thYnZm5P0NMgOUglL1DYtl0gdeJky8tqsg8iS_sgsKD1A==',
  'X-Amzn-Trace-Id': 'Root=1-5e9f3c5a-3b7a2e1c9d8f7a6b5c4d3e2f',
  'X-Forwarded-For': '54.240.196.186, 54.182.214.83',
  'X-Forwarded-Port': '443',
  'X-Forwarded-Proto': 'https',
  'x-api-key': 'bench-api-key-0123456789abcdef',
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
};

/** A REST API (v1) event for the predict route, built from the real shape; one per invocation (Middy mutates it). */
export const predictEvent = (): APIGatewayProxyEvent =>
  restEvent({ method: 'POST', path: PREDICT_PATH, headers: GATEWAY_HEADERS, body: ENVELOPE_TEXT });

/** Headers for HTTP clients of local mode and the floor proxy. */
export const HTTP_HEADERS = { 'content-type': 'application/json', traceparent: GATEWAY_HEADERS.traceparent as string };
