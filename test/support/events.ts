// API Gateway events for tests, built from the real shapes in test/fixtures (copied from
// shared/events: aws-lambda-go's public test data): only path, method, headers and body change.
import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8'));
const REST_V1 = fixture('apigw-rest-v1.json') as APIGatewayProxyEvent;
const HTTP_V2 = fixture('apigw-http-v2.json') as APIGatewayProxyEventV2;

export interface EventInput {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | null;
  isBase64Encoded?: boolean;
  sourceIp?: string;
  requestId?: string;
  /** REST v1 only: requestContext.identity.apiKeyId (the fixture's own, "theApiKeyId", when unset). */
  apiKeyId?: string | null;
}

export const JSON_HEADERS = { 'Content-Type': 'application/json' };
export const predictPath = (model: string): string => `/v1/models/${model}/predict`;

let counter = 0;
const nextRequestId = (): string => `test-request-${++counter}`;

export function restEvent(input: EventInput = {}): APIGatewayProxyEvent {
  const event = structuredClone(REST_V1);
  const headers = input.headers ?? JSON_HEADERS;
  event.httpMethod = input.method ?? 'POST';
  event.path = input.path ?? predictPath('iris');
  event.resource = event.path;
  event.pathParameters = null;
  event.queryStringParameters = null;
  event.multiValueQueryStringParameters = null;
  event.headers = { ...headers };
  event.multiValueHeaders = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]]));
  event.body = input.body === undefined ? null : input.body;
  event.isBase64Encoded = input.isBase64Encoded ?? false;
  event.requestContext.requestId = input.requestId ?? nextRequestId();
  event.requestContext.httpMethod = event.httpMethod;
  event.requestContext.identity.sourceIp = input.sourceIp ?? '192.168.196.186';
  if (input.apiKeyId !== undefined) event.requestContext.identity.apiKeyId = input.apiKeyId;
  return event;
}

export function httpEvent(input: EventInput = {}): APIGatewayProxyEventV2 {
  const event = structuredClone(HTTP_V2);
  const path = input.path ?? predictPath('iris');
  event.rawPath = path;
  event.requestContext.http.path = path;
  event.requestContext.http.method = input.method ?? 'POST';
  event.requestContext.http.sourceIp = input.sourceIp ?? '1.2.3.4';
  event.requestContext.requestId = input.requestId ?? nextRequestId();
  // HTTP APIs lower-case header names.
  event.headers = { ...event.headers };
  delete event.headers['content-length'];
  for (const [name, value] of Object.entries(input.headers ?? JSON_HEADERS)) event.headers[name.toLowerCase()] = value;
  if (input.body !== undefined && input.body !== null) event.body = input.body;
  event.isBase64Encoded = input.isBase64Encoded ?? false;
  return event;
}

export const envelope = (userTag: unknown, data: unknown, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ userTag, data, ...extra });

/** A Lambda context with a fixed remaining time. */
export const lambdaContext = (remainingMs = 10_000) =>
  ({
    awsRequestId: 'ctx-request',
    functionName: 'contract-adapter-test',
    getRemainingTimeInMillis: () => remainingMs,
  }) as unknown as import('aws-lambda').Context;
