// API Gateway's two payload formats reduced to what the adapter uses. Header names are
// lower-cased here once, so every later lookup is case-insensitive.
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';

export type GatewayEvent = APIGatewayProxyEvent | APIGatewayProxyEventV2;

export interface HttpRequest {
  method: string;
  path: string;
  /** Lower-cased names; a repeated header keeps its last value. */
  headers: Map<string, string>;
  body: string | undefined;
  isBase64Encoded: boolean;
  requestId: string;
  /** The caller's address as API Gateway saw it, never a header B controls. */
  sourceIp: string | undefined;
  /** The id (never the value) of the API key API Gateway checked; REST APIs only, absent without one. */
  apiKeyId?: string | undefined;
}

const isV2 = (event: GatewayEvent): event is APIGatewayProxyEventV2 =>
  (event as APIGatewayProxyEventV2).version === '2.0';

function lowerCaseHeaders(raw: Record<string, string | undefined> | null | undefined): Map<string, string> {
  const headers = new Map<string, string>();
  if (!raw || typeof raw !== 'object') return headers;
  for (const name of Object.keys(raw)) {
    const value = raw[name];
    if (typeof value === 'string') headers.set(name.toLowerCase(), value);
  }
  return headers;
}

/** HTTP APIs put a named stage in front of the path (`/prod/v1/models`); routes do not have it. */
function withoutStage(path: string, stage: string | undefined): string {
  if (!stage || stage === '$default') return path;
  const prefix = `/${stage}`;
  return path === prefix || path.startsWith(`${prefix}/`) ? path.slice(prefix.length) || '/' : path;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export function readHttpRequest(event: GatewayEvent): HttpRequest {
  if (isV2(event)) {
    const context = event.requestContext;
    return {
      method: (text(context?.http?.method) ?? '').toUpperCase(),
      path: withoutStage(text(event.rawPath) ?? text(context?.http?.path) ?? '/', text(context?.stage)),
      headers: lowerCaseHeaders(event.headers),
      body: text(event.body),
      isBase64Encoded: event.isBase64Encoded === true,
      requestId: text(context?.requestId) ?? '',
      sourceIp: text(context?.http?.sourceIp),
      // HTTP APIs have no API keys.
      apiKeyId: undefined,
    };
  }
  const context = event.requestContext;
  return {
    method: (text(event.httpMethod) ?? '').toUpperCase(),
    path: text(event.path) ?? '/',
    headers: lowerCaseHeaders(event.headers),
    body: text(event.body),
    isBase64Encoded: event.isBase64Encoded === true,
    requestId: text(context?.requestId) ?? '',
    sourceIp: text(context?.identity?.sourceIp),
    apiKeyId: text(context?.identity?.apiKeyId) || undefined,
  };
}
