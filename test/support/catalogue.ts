// Shared checks for the failure-catalogue tests (docs/failure-catalogue.md): the
// contract's error table as docs/contract.md states it, the echo rule, the leak rule on response
// bodies and on log lines, and a loopback setup of model servers behind the real handler.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import type { HttpResult } from '../../lambda/contract/response.ts';
import { httpEvent, restEvent, type EventInput } from './events.ts';
import { PREFIX, endpointParameter, startHarness, type ErrorBody, type Harness } from './harness.ts';
import { startModelServer, type Behaviour, type ModelServer } from './model-server.ts';

/** docs/contract.md, "Errors": every code and its status, copied from the spec rather than from lambda/. */
export const CONTRACT_ERRORS: Readonly<Record<string, number>> = {
  INVALID_JSON: 400,
  INVALID_REQUEST: 400,
  NOT_FOUND: 404,
  UNKNOWN_MODEL: 404,
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  MODEL_REJECTED_INPUT: 422,
  UPSTREAM_ERROR: 502,
  UPSTREAM_BAD_RESPONSE: 502,
  RESULT_TOO_LARGE: 502,
  UPSTREAM_UNAVAILABLE: 503,
  CONFIG_UNAVAILABLE: 503,
  UPSTREAM_TIMEOUT: 504,
  INTERNAL: 500,
};

export const CONTRACT_STATUSES: ReadonlySet<number> = new Set([200, ...Object.values(CONTRACT_ERRORS)]);
export const JSON_UTF8 = 'application/json; charset=utf-8';

/** Both API Gateway payload formats, for rows that are about the event. */
export const EVENT_KINDS: ReadonlyArray<readonly [string, (input?: EventInput) => APIGatewayProxyEvent | APIGatewayProxyEventV2]> = [
  ['REST v1', restEvent],
  ['HTTP v2', httpEvent],
];

/** Checks the contract's error shape and the echo rule; returns the parsed body. */
export function expectError(result: HttpResult, status: number, code: string, userTag: string | null = null): ErrorBody {
  assert.equal(CONTRACT_ERRORS[code], status, `the contract gives ${code} status ${CONTRACT_ERRORS[code]}`);
  const body = JSON.parse(result.body) as ErrorBody;
  assert.equal(result.statusCode, status, `status, body ${result.body}`);
  assert.equal(body.error?.code, code, `code, body ${result.body}`);
  assert.equal(result.headers['content-type'], JSON_UTF8);
  // An ensemble whose policy was not met also says why each member failed (contract.md, "Ensembles").
  const keys = Object.keys(body).sort();
  if (keys.includes('errors')) assert.equal(typeof (body as { errors?: unknown }).errors, 'object', 'an ensemble failure\'s errors is an object');
  assert.deepEqual(keys.filter((k) => k !== 'errors'), ['error', 'userTag']);
  assert.equal(body.userTag, userTag, 'echo rule: userTag echoed only when it passed validation');
  assert.equal(typeof body.error.message, 'string');
  assert.equal(typeof body.error.requestId, 'string');
  assert.equal(typeof body.error.retryable, 'boolean');
  if (status === 503) assert.match(result.headers['retry-after'] ?? '', /^[1-9]\d*$/, '503 carries Retry-After');
  return body;
}

/** A 200 in the contract's shape; returns the body text after `"result":`. */
export function expectSuccess(result: HttpResult, userTag: string): string {
  assert.equal(result.statusCode, 200, `status, body ${result.body}`);
  assert.equal(result.headers['content-type'], JSON_UTF8);
  const prefix = `{"userTag":${JSON.stringify(userTag)},"result":`;
  assert.ok(result.body.startsWith(prefix), `body starts with the userTag as sent: ${result.body.slice(0, 200)}`);
  assert.ok(result.body.endsWith('}'));
  const parsed = JSON.parse(result.body) as { userTag: string; result: unknown };
  assert.equal(parsed.userTag, userTag);
  assert.deepEqual(Object.keys(parsed), ['userTag', 'result']);
  return result.body.slice(prefix.length, -1);
}

export interface LeakContext {
  /** Model servers whose address must never show. */
  servers?: ReadonlyArray<{ url: string; port: number }>;
  /** Any text that must not appear: parts of B's body, of the model's body, endpoint values. */
  secrets?: ReadonlyArray<string>;
}

const STACK = /\n\s+at |\bat [^\s()]+ \(|file:\/\/|node:internal|\.ts:\d+/;
const PARSER_MESSAGE = /Unexpected token|Unexpected end|in JSON at position|is not valid JSON|SyntaxError:|TypeError:|Bad control character/;

function assertClean(text: string, what: string, leak: LeakContext): void {
  assert.doesNotMatch(text, STACK, `${what}: no stack trace`);
  assert.ok(!text.includes('127.0.0.1'), `${what}: no loopback address`);
  assert.ok(!/localhost/i.test(text), `${what}: no host name`);
  assert.ok(!text.includes(PREFIX), `${what}: no SSM parameter name`);
  assert.ok(!text.includes('/endpoint'), `${what}: no SSM parameter name`);
  for (const server of leak.servers ?? []) {
    assert.ok(!text.includes(server.url), `${what}: no endpoint URL`);
    assert.doesNotMatch(text, new RegExp(`(^|[^0-9])${server.port}([^0-9]|$)`), `${what}: no endpoint port`);
  }
  for (const secret of leak.secrets ?? []) assert.ok(!text.includes(secret), `${what}: must not contain ${JSON.stringify(secret)}`);
}

/** The leak rule on what B receives: body and headers. */
export function assertNoLeak(result: HttpResult, leak: LeakContext = {}): void {
  assert.doesNotMatch(result.body, PARSER_MESSAGE, 'response: no parser message');
  assertClean(result.body, 'response body', leak);
  assertClean(JSON.stringify(result.headers), 'response headers', leak);
}

/**
 * The leak rule on what the adapter wrote while handling a request: Powertools' log lines and
 * the EMF metric lines. The text must hold that request's line and metrics, so that a clean
 * result is never a vacuous one; the userTag only ever appears as a hash.
 */
export function assertLogsClean(lines: string, leak: LeakContext = {}): void {
  assertClean(lines, 'logs', leak);
  assert.doesNotMatch(lines, /"userTag"\s*:/, 'logs: the userTag only as a hash');
  const records = lines.split('\n').flatMap((line): Record<string, unknown>[] => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
  assert.ok(records.some((record) => record.message === 'request'), 'logs: the request line is among them');
  assert.ok(records.some((record) => '_aws' in record && 'Requests' in record), 'logs: the request\'s EMF metrics are among them');
}

// The adapter's lines (Powertools' logger and EMF metrics) go through node:console, which
// calls process.stdout.write / process.stderr.write with strings (warnings and errors go to
// stderr). The test runner's own messages to its parent go through stdout as Buffers, so only
// strings are kept back.
let captured: string[] | undefined;

function interceptStrings(stream: NodeJS.WriteStream, writes: string[]): void {
  const original = stream.write.bind(stream);
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (typeof chunk === 'string') {
      writes.push(chunk);
      const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }
    return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof stream.write;
}

function installCapture(): string[] {
  if (captured) return captured;
  const writes: string[] = [];
  interceptStrings(process.stdout, writes);
  interceptStrings(process.stderr, writes);
  captured = writes;
  return writes;
}

/**
 * Starts keeping the adapter's output; since this call, `text()` gives all of it, `lines()`
 * its lines and `writes()` what each write call wrote (one write may carry several lines: a
 * request line and its EMF line leave together).
 */
export function captureLogs(): { text(): string; lines(): string[]; writes(): string[] } {
  const writes = installCapture();
  const mark = writes.length;
  const text = () => writes.slice(mark).join('');
  return {
    text,
    lines: () => text().split('\n').filter((line) => line !== ''),
    writes: () => writes.slice(mark),
  };
}

export interface Setup {
  harness: Harness;
  model: ModelServer;
  parameters: Record<string, string>;
  /** Every server this setup started, for the leak rule. */
  servers: ModelServer[];
  /** Another model server on its own endpoint, registered as `name` (before the first request, or within the TTL). */
  addModel(name: string, behaviour?: Behaviour): Promise<ModelServer>;
  invoke: Harness['invoke'];
  close(): Promise<void>;
}

/**
 * The harness keeps its environment in process.env, so a value one setup changes would reach
 * the next one in the same file: every setup states all of the adapter's variables.
 */
export const DEFAULT_ENV: Readonly<Record<string, string>> = {
  PARAMETER_CACHE_TTL_SECONDS: '30',
  UPSTREAM_TIMEOUT_MS: '10000',
  MAX_REQUEST_BYTES: '1048576',
  MAX_RESPONSE_BYTES: '5242880',
  MAX_JSON_DEPTH: '64',
  UPSTREAM_ALLOWLIST: '',
};

/**
 * A model server registered as `iris` and the real handler behind a loopback SSM endpoint.
 * The caller closes it: `after(() => s.close())` at module or suite level (not inside a
 * `before` hook, where node:test runs an `after` straight away), or `t.after` in a test.
 */
export async function setup(
  options: { behaviour?: Behaviour; env?: Record<string, string>; parameters?: Record<string, string> } = {},
): Promise<Setup> {
  const model = await startModelServer(options.behaviour);
  const servers = [model];
  const parameters: Record<string, string> = { [endpointParameter('iris')]: `${model.url}/predict`, ...options.parameters };
  const harness = await startHarness(parameters, { ...DEFAULT_ENV, ...options.env });
  return {
    harness,
    model,
    parameters,
    servers,
    invoke: harness.invoke,
    async addModel(name, behaviour) {
      const server = await startModelServer(behaviour);
      servers.push(server);
      parameters[endpointParameter(name)] = `${server.url}/predict`;
      return server;
    },
    async close() {
      await harness.close();
      await Promise.all(servers.map((server) => server.close()));
    },
  };
}

/** A loopback port with nothing listening on it. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A string of the given length that is unlikely to occur anywhere by chance. */
export const marker = (label: string): string => `${label}-${Math.random().toString(36).slice(2, 10)}`;
