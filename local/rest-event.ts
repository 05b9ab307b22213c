// Pure translation between an HTTP exchange and API Gateway's REST API proxy payload (v1),
// shaped like the events API Gateway really delivers (see /work/shared/events/apigw-rest-v1.json):
// `path` keeps its percent-encoding, path and query parameters are decoded, `headers` holds
// the last value of each header and `multiValueHeaders` all of them, and absent collections
// are null rather than empty.
import type { APIGatewayProxyEvent } from 'aws-lambda';

/** The contract's routes, as the REST API's resources would declare them. */
export const CONTRACT_RESOURCES: readonly string[] = [
  '/v1/models/{model}/predict',
  '/v1/ensembles/{ensemble}/predict',
  '/v1/models',
];

export const LOCAL_ACCOUNT_ID = '000000000000';
export const LOCAL_API_ID = 'local';

/** What the HTTP side knows about a request, already read off the socket. */
export interface HttpRequestParts {
  method: string;
  /** The request target as sent: path and optional query, still percent-encoded. */
  target: string;
  /** Node's `rawHeaders`: alternating names and values, names in the case the client sent. */
  rawHeaders: readonly string[];
  /** null when the request carried no body. */
  body: Buffer | null;
  sourceIp: string;
  requestId: string;
  /** Milliseconds since the epoch when the request arrived. */
  receivedAt: number;
  stage: string;
  /** The id of the API key the local gateway checked (never the key itself); null without one. */
  apiKeyId?: string | null;
  /** What the local authorizer allowed the request with: its principalId and context. */
  authorizer?: Record<string, string>;
}

export interface ResourceMatch {
  resource: string;
  pathParameters: Record<string, string> | null;
}

/** `%zz` cannot be decoded; API Gateway would reject it, we keep the raw text instead. */
const decode = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

/**
 * Finds the resource a path belongs to: literal segments must match, `{name}` takes one
 * non-empty segment (decoded, as API Gateway decodes path parameters), the first resource
 * that fits wins, and a path no resource declares falls to the greedy `/{proxy+}`.
 */
export function matchResource(path: string, resources: readonly string[] = CONTRACT_RESOURCES): ResourceMatch {
  if (path === '/' || path === '') return { resource: '/', pathParameters: null };
  const segments = path.slice(1).split('/');
  for (const resource of resources) {
    const parts = resource.slice(1).split('/');
    if (parts.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const matched = parts.every((part, i) => {
      const segment = segments[i] ?? '';
      if (part.startsWith('{') && part.endsWith('}')) {
        if (segment === '') return false;
        params[part.slice(1, -1)] = decode(segment);
        return true;
      }
      return part === segment;
    });
    if (matched) return { resource, pathParameters: Object.keys(params).length > 0 ? params : null };
  }
  return { resource: '/{proxy+}', pathParameters: { proxy: segments.map(decode).join('/') } };
}

/**
 * Sets `name` as an own property of `target`. Assignment would treat `__proto__` as the
 * object's prototype, and `??=` finds Object.prototype's `constructor` or `toString`: a query
 * or header by such a name must become a key like any other, as API Gateway makes it.
 */
function setOwn<T>(target: Record<string, T>, name: string, value: T): void {
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
}

/** Appends `value` to the list under `name`, an own property only. */
function pushOwn(target: Record<string, string[]>, name: string, value: string): void {
  if (Object.hasOwn(target, name)) (target[name] as string[]).push(value);
  else setOwn(target, name, [value]);
}

/** Groups raw headers case-insensitively under the first spelling the client used. */
export function groupHeaders(rawHeaders: readonly string[]): {
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
} {
  const spelling = new Map<string, string>();
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const raw = rawHeaders[i] ?? '';
    const value = rawHeaders[i + 1] ?? '';
    const lower = raw.toLowerCase();
    const name = spelling.get(lower) ?? raw;
    spelling.set(lower, name);
    setOwn(headers, name, value);
    pushOwn(multiValueHeaders, name, value);
  }
  return { headers, multiValueHeaders };
}

/** Like API Gateway: decoded names and values; `headers`-style map keeps the last value. */
export function parseQuery(query: string): {
  queryStringParameters: Record<string, string> | null;
  multiValueQueryStringParameters: Record<string, string[]> | null;
} {
  const params = new URLSearchParams(query);
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [name, value] of params) {
    setOwn(single, name, value);
    pushOwn(multi, name, value);
  }
  if (Object.keys(single).length === 0) return { queryStringParameters: null, multiValueQueryStringParameters: null };
  return { queryStringParameters: single, multiValueQueryStringParameters: multi };
}

// fatal: invalid bytes throw instead of becoming U+FFFD; ignoreBOM: keep a leading BOM in the
// text, so the handler sees (and rejects) exactly what B sent.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A UTF-8 body travels as text; any other bytes as base64, for the handler to judge. */
export function encodeBody(body: Buffer | null): { body: string | null; isBase64Encoded: boolean } {
  if (body === null || body.length === 0) return { body: null, isBase64Encoded: false };
  try {
    return { body: strictUtf8.decode(body), isBase64Encoded: false };
  } catch {
    return { body: body.toString('base64'), isBase64Encoded: true };
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** API Gateway's `requestTime`: `15/May/2020:06:01:09 +0000`. */
export function formatRequestTime(epochMs: number): string {
  const d = new Date(epochMs);
  const two = (n: number): string => String(n).padStart(2, '0');
  return (
    `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`
  );
}

/** The ARN API Gateway gives a TOKEN authorizer for a request: the stage's, the method, the resource path. */
export function methodArn(region: string, stage: string, method: string, path: string): string {
  return `arn:aws:execute-api:${region}:${LOCAL_ACCOUNT_ID}:${LOCAL_API_ID}/${stage}/${method}${path}`;
}

export function toRestApiEvent(
  request: HttpRequestParts,
  resources: readonly string[] = CONTRACT_RESOURCES,
): APIGatewayProxyEvent {
  const queryAt = request.target.indexOf('?');
  const path = queryAt === -1 ? request.target : request.target.slice(0, queryAt);
  const query = queryAt === -1 ? '' : request.target.slice(queryAt + 1);
  const { resource, pathParameters } = matchResource(path, resources);
  const { headers, multiValueHeaders } = groupHeaders(request.rawHeaders);
  const header = (wanted: string): string | undefined =>
    Object.entries(headers).find(([name]) => name.toLowerCase() === wanted)?.[1];
  return {
    resource,
    path,
    httpMethod: request.method,
    headers,
    multiValueHeaders,
    ...parseQuery(query),
    pathParameters,
    stageVariables: null,
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: LOCAL_API_ID,
      authorizer: request.authorizer,
      domainName: header('host') ?? 'localhost',
      domainPrefix: LOCAL_API_ID,
      extendedRequestId: request.requestId,
      httpMethod: request.method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: request.apiKeyId ?? null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: request.sourceIp,
        user: null,
        userAgent: header('user-agent') ?? null,
        userArn: null,
      },
      path: `/${request.stage}${path}`,
      protocol: 'HTTP/1.1',
      requestId: request.requestId,
      requestTime: formatRequestTime(request.receivedAt),
      requestTimeEpoch: request.receivedAt,
      resourceId: LOCAL_API_ID,
      resourcePath: resource,
      stage: request.stage,
    },
    ...encodeBody(request.body),
  };
}

/** What goes back on the wire. */
export interface HttpResponseParts {
  statusCode: number;
  /** Each name once, in the case the handler used; several values for repeated headers. */
  headers: Record<string, string[]>;
  body: Buffer;
}

export class InvalidLambdaResultError extends Error {
  override name = 'InvalidLambdaResultError';
}

type HeaderValue = string | number | boolean;
const isHeaderValue = (v: unknown): v is HeaderValue =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

// Node computes these itself; a handler's copy could only disagree with the real body.
const HOP_BY_HOP = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive']);

/**
 * Turns a proxy integration result into an HTTP response. Headers from `headers` and
 * `multiValueHeaders` are merged as API Gateway documents it: where both name a header,
 * the multi-value list wins. Anything API Gateway would refuse (no integer statusCode,
 * a non-string body, bad base64) throws, and the caller answers 502 as API Gateway does.
 */
export function fromLambdaResult(result: unknown): HttpResponseParts {
  if (typeof result !== 'object' || result === null) throw new InvalidLambdaResultError('result is not an object');
  const r = result as Record<string, unknown>;
  const status = r.statusCode;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
    throw new InvalidLambdaResultError('statusCode is not an HTTP status');
  }
  const merged = new Map<string, { name: string; values: string[] }>();
  const multi = r.multiValueHeaders;
  if (multi !== undefined && multi !== null) {
    if (typeof multi !== 'object') throw new InvalidLambdaResultError('multiValueHeaders is not an object');
    for (const [name, values] of Object.entries(multi)) {
      if (!Array.isArray(values) || !values.every(isHeaderValue)) {
        throw new InvalidLambdaResultError(`multiValueHeaders.${name} is not a list of values`);
      }
      const entry = merged.get(name.toLowerCase()) ?? { name, values: [] };
      entry.values.push(...values.map(String));
      merged.set(name.toLowerCase(), entry);
    }
  }
  const single = r.headers;
  if (single !== undefined && single !== null) {
    if (typeof single !== 'object') throw new InvalidLambdaResultError('headers is not an object');
    for (const [name, value] of Object.entries(single)) {
      if (!isHeaderValue(value)) throw new InvalidLambdaResultError(`headers.${name} is not a value`);
      if (!merged.has(name.toLowerCase())) merged.set(name.toLowerCase(), { name, values: [String(value)] });
    }
  }
  const headers: Record<string, string[]> = {};
  for (const [lower, { name, values }] of merged) if (!HOP_BY_HOP.has(lower)) setOwn(headers, name, values);

  let body: Buffer;
  if (r.body === undefined || r.body === null) body = Buffer.alloc(0);
  else if (typeof r.body !== 'string') throw new InvalidLambdaResultError('body is not a string');
  else if (r.isBase64Encoded === true) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(r.body) || r.body.length % 4 !== 0) {
      throw new InvalidLambdaResultError('body is not valid base64');
    }
    body = Buffer.from(r.body, 'base64');
  } else body = Buffer.from(r.body, 'utf8');
  return { statusCode: status, headers, body };
}
