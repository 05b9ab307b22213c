// The loopback stand-in for API Gateway: each HTTP request becomes a REST API (v1) proxy
// event and one invocation of the handler, and the handler's result goes back as HTTP.
// What API Gateway does on its own is imitated too: the 10 MB body cap (413), the 29 s
// integration timeout (504) and a 502 when the function fails or answers nonsense, all in
// the contract's error shape, worded as the stack's gateway responses word them. When given
// them, it also checks API keys (x-api-key, 403 for a missing or unknown one; the key's id goes
// into the event, as API Gateway puts it there) and runs a TOKEN authorizer before them, as
// API Gateway does with auth=jwt: 401 for a missing or refused token, 403 for a Deny, 500 when
// the authorizer fails. Unlike API Gateway it caches no authorizer answer. Requests are not
// queued: they run concurrently, each invocation in its own InvokeStore context as the Lambda
// runtime enters one (invocation.ts), so the process is one execution environment serving
// many invocations at once, as on Lambda Managed Instances when AWS_LAMBDA_MAX_CONCURRENCY is
// set (local mode sets it).
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayAuthorizerResult, APIGatewayProxyEvent, APIGatewayTokenAuthorizerEvent, Context } from 'aws-lambda';
import { BEARER_TOKEN_PATTERN } from '../lambda/authorizer/environment.ts';
import { invocationRunner } from './invocation.ts';
import { API_GATEWAY_BUDGET_MS, createLambdaContext } from './lambda-context.ts';
import { CONTRACT_RESOURCES, fromLambdaResult, groupHeaders, methodArn, toRestApiEvent } from './rest-event.ts';

/** What a Lambda handler for REST API events looks like from outside (Middy's included). */
export type RestApiHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<unknown>;

/** A REST API TOKEN authorizer, as API Gateway calls one (lambda/authorizer/authorizer.ts's). */
export type TokenAuthorizerHandler = (event: APIGatewayTokenAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;

/** API Gateway's payload limit. */
export const API_GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface ApiServerOptions {
  handler: RestApiHandler;
  /** 0 (the default) picks a free port. Always bound to 127.0.0.1. */
  port?: number;
  stage?: string;
  functionName?: string;
  region?: string;
  maxBodyBytes?: number;
  /** Per request: the handler's context counts down from it, and past it the answer is 504. */
  budgetMs?: number;
  resources?: readonly string[];
  /** Gets one line per request, and handler failures. Silent when absent. */
  log?: (line: string) => void;
  /** How long close() lets requests in flight finish before cutting them off. */
  closeGraceMs?: number;
  /**
   * API key value -> key id. Given: every request needs one of these keys in x-api-key (403
   * otherwise), and its id goes into requestContext.identity.apiKeyId. Absent: any key or none,
   * and no id.
   */
  apiKeys?: ReadonlyMap<string, string>;
  /** A TOKEN authorizer on every route, before the key check (auth=jwt). */
  authorizer?: TokenAuthorizerHandler;
}

export interface ApiServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface GatewayErrorSpec {
  status: number;
  code: string;
  message: string;
  retryable: boolean;
}

/**
 * The errors the local API produces itself, as the stack's gateway responses
 * (infra/gateway-responses.ts) shape them: REQUEST_TOO_LARGE, INTEGRATION_TIMEOUT, and
 * DEFAULT_5XX for a function that fails or returns a malformed proxy result (API Gateway's
 * own status for that is 502).
 */
export const LOCAL_GATEWAY_ERRORS = {
  tooLarge: { status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'The request body is too large.', retryable: false },
  timedOut: { status: 504, code: 'UPSTREAM_TIMEOUT', message: 'The prediction did not complete in time.', retryable: true },
  functionFailed: { status: 502, code: 'INTERNAL', message: 'Internal error.', retryable: false },
  // INVALID_API_KEY.
  invalidApiKey: { status: 403, code: 'UNAUTHORIZED', message: 'A valid x-api-key header is required.', retryable: false },
  // UNAUTHORIZED, as auth=jwt words it (gatewayErrorsFor).
  unauthorized: { status: 401, code: 'UNAUTHORIZED', message: 'A valid bearer token is required.', retryable: false },
  // ACCESS_DENIED: the authorizer's Deny.
  forbidden: { status: 403, code: 'FORBIDDEN', message: 'The request is not allowed.', retryable: false },
  // AUTHORIZER_FAILURE falls to DEFAULT_5XX, with API Gateway's own status for it.
  authorizerFailed: { status: 500, code: 'INTERNAL', message: 'Internal error.', retryable: false },
} as const satisfies Record<string, GatewayErrorSpec>;

type Authorized = { ok: true; context: Record<string, string> } | { ok: false; error: GatewayErrorSpec };

/** The authorizer's verdict on a request, as API Gateway reaches it. */
async function authorize(authorizer: TokenAuthorizerHandler, token: string | undefined, arn: string, log: (line: string) => void): Promise<Authorized> {
  if (token === undefined || !new RegExp(BEARER_TOKEN_PATTERN).test(token)) return { ok: false, error: LOCAL_GATEWAY_ERRORS.unauthorized };
  let result: APIGatewayAuthorizerResult;
  try {
    result = await authorizer({ type: 'TOKEN', authorizationToken: token, methodArn: arn });
  } catch (error) {
    if (error instanceof Error && error.message === 'Unauthorized') return { ok: false, error: LOCAL_GATEWAY_ERRORS.unauthorized };
    log(`authorizer failed: ${error instanceof Error ? error.message : String(error)}`);
    return { ok: false, error: LOCAL_GATEWAY_ERRORS.authorizerFailed };
  }
  const statements = result?.policyDocument?.Statement ?? [];
  const effects = statements.map((statement) => (statement as { Effect?: string }).Effect);
  if (effects.length === 0 || typeof result.principalId !== 'string') {
    log('authorizer returned no policy');
    return { ok: false, error: LOCAL_GATEWAY_ERRORS.authorizerFailed };
  }
  if (effects.includes('Deny') || !effects.includes('Allow')) return { ok: false, error: LOCAL_GATEWAY_ERRORS.forbidden };
  const context: Record<string, string> = { principalId: result.principalId };
  for (const [key, value] of Object.entries(result.context ?? {})) context[key] = String(value);
  return { ok: true, context };
}

export function gatewayErrorBody(spec: GatewayErrorSpec, requestId: string): string {
  return JSON.stringify({
    userTag: null,
    error: { code: spec.code, message: spec.message, requestId, retryable: spec.retryable },
  });
}

type BodyOutcome = { kind: 'body'; body: Buffer | null } | { kind: 'too-large' } | { kind: 'aborted' };

const declaredLength = (req: IncomingMessage): number | undefined => {
  const raw = req.headers['content-length'];
  return raw === undefined ? undefined : Number(raw);
};

/** Reads the body up to the cap; past it, stops keeping bytes but lets the client finish. */
function readBody(req: IncomingMessage, cap: number): Promise<BodyOutcome> {
  return new Promise((resolve) => {
    const declared = declaredLength(req);
    if (declared !== undefined && declared > cap) {
      req.resume();
      return resolve({ kind: 'too-large' });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > cap) {
        over = true;
        chunks.length = 0;
        resolve({ kind: 'too-large' });
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      if (!over) resolve({ kind: 'body', body: size === 0 ? null : Buffer.concat(chunks) });
    });
    req.on('error', () => resolve({ kind: 'aborted' }));
    req.on('close', () => {
      if (!req.complete && !over) resolve({ kind: 'aborted' });
    });
  });
}

const sourceIpOf = (req: IncomingMessage): string => {
  const address = req.socket.remoteAddress ?? '127.0.0.1';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
};

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const stage = options.stage ?? 'local';
  const functionName = options.functionName ?? 'contract-adapter-local';
  const cap = options.maxBodyBytes ?? API_GATEWAY_MAX_BODY_BYTES;
  const budgetMs = options.budgetMs ?? API_GATEWAY_BUDGET_MS;
  const resources = options.resources ?? CONTRACT_RESOURCES;
  const log = options.log ?? (() => {});
  const { run } = await invocationRunner();

  const send = (
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    status: number,
    headers: Record<string, string[]>,
    body: Buffer,
    started: number,
  ): void => {
    if (res.headersSent || res.destroyed) return;
    const names = new Set(Object.keys(headers).map((n) => n.toLowerCase()));
    const all: Record<string, string[] | string> = { ...headers };
    if (!names.has('x-amzn-requestid')) all['x-amzn-RequestId'] = requestId;
    all['content-length'] = String(body.length);
    res.writeHead(status, all);
    res.end(body);
    log(`${req.method} ${req.url} -> ${status} in ${Date.now() - started} ms (requestId ${requestId})`);
  };

  const sendError = (
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    spec: GatewayErrorSpec,
    started: number,
    extra: Record<string, string[]> = {},
  ): void => {
    const body = Buffer.from(gatewayErrorBody(spec, requestId));
    send(req, res, requestId, spec.status, { 'content-type': ['application/json; charset=utf-8'], ...extra }, body, started);
  };

  const invoke = async (event: APIGatewayProxyEvent): Promise<{ ok: true; result: unknown } | { ok: false; error: unknown } | { ok: false; timeout: true }> => {
    const context = createLambdaContext({ functionName, budgetMs, ...(options.region ? { region: options.region } : {}) });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<{ ok: false; timeout: true }>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, timeout: true }), budgetMs);
      timer.unref();
    });
    try {
      return await Promise.race([
        Promise.resolve()
          .then(() => run({ requestId: context.awsRequestId }, () => options.handler(event, context)))
          .then(
            (result) => ({ ok: true as const, result }),
            (error: unknown) => ({ ok: false as const, error }),
          ),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = Date.now();
    const requestId = randomUUID();
    const outcome = await readBody(req, cap);
    if (outcome.kind === 'aborted') return;
    if (outcome.kind === 'too-large') {
      // The client may still be sending; answer now and close rather than read 10 MB more.
      return sendError(req, res, requestId, LOCAL_GATEWAY_ERRORS.tooLarge, started, { connection: ['close'] });
    }
    // API Gateway's order: the authorizer, then the API key, then the integration.
    const header = (name: string): string | undefined => {
      const { headers } = groupHeaders(req.rawHeaders);
      return Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
    };
    let authorizer: Record<string, string> | undefined;
    if (options.authorizer) {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const verdict = await authorize(options.authorizer, header('authorization'), methodArn(options.region ?? 'us-east-1', stage, req.method ?? 'GET', path), log);
      if (!verdict.ok) return sendError(req, res, requestId, verdict.error, started);
      authorizer = verdict.context;
    }
    let apiKeyId: string | null = null;
    if (options.apiKeys) {
      const key = header('x-api-key');
      const id = key === undefined ? undefined : options.apiKeys.get(key);
      if (id === undefined) return sendError(req, res, requestId, LOCAL_GATEWAY_ERRORS.invalidApiKey, started);
      apiKeyId = id;
    }
    const event = toRestApiEvent(
      {
        method: req.method ?? 'GET',
        target: req.url ?? '/',
        rawHeaders: req.rawHeaders,
        body: outcome.body,
        sourceIp: sourceIpOf(req),
        requestId,
        receivedAt: started,
        stage,
        apiKeyId,
        ...(authorizer === undefined ? {} : { authorizer }),
      },
      resources,
    );
    const answer = await invoke(event);
    if (!answer.ok) {
      if ('timeout' in answer) {
        log(`handler did not answer within ${budgetMs} ms (requestId ${requestId})`);
        return sendError(req, res, requestId, LOCAL_GATEWAY_ERRORS.timedOut, started);
      }
      log(`handler failed (requestId ${requestId}): ${answer.error instanceof Error ? (answer.error.stack ?? answer.error.message) : String(answer.error)}`);
      return sendError(req, res, requestId, LOCAL_GATEWAY_ERRORS.functionFailed, started);
    }
    let response;
    try {
      response = fromLambdaResult(answer.result);
    } catch (error) {
      log(`handler returned an invalid result (requestId ${requestId}): ${(error as Error).message}`);
      return sendError(req, res, requestId, LOCAL_GATEWAY_ERRORS.functionFailed, started);
    }
    send(req, res, requestId, response.statusCode, response.headers, response.body, started);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`local API server error: ${String(error)}`);
      res.destroy();
    });
  });
  // Clients announcing a large body with `Expect: 100-continue` (curl does above 1 MB) learn
  // it is over the cap before sending it.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    const declared = declaredLength(req);
    if (declared === undefined || declared <= cap) res.writeContinue();
    server.emit('request', req, res);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        const cutoff = setTimeout(() => server.closeAllConnections(), options.closeGraceMs ?? 2000);
        cutoff.unref();
        server.close(() => {
          clearTimeout(cutoff);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
