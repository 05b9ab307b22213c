// A burst of invocations that interleave in one thread, as Lambda Managed Instances sends
// them, and the checks that each one's answer, log lines and metrics are its own. The mix is
// four kinds: a model that answers (its answer echoes the request, so a mixed-up answer shows),
// a model whose config shadows it to a variant (a Powertools line mid-request), a model that
// fails (502), and an envelope that is refused (400). Shared by the one-thread test and the
// worker-thread harness (managed-instances*.test.ts).
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import type { HttpResult } from '../../lambda/contract/response.ts';
import { envelope, predictPath, restEvent } from './events.ts';
import { endpointParameter, PREFIX } from './harness.ts';
import type { Behaviour } from './model-server.ts';
import { parseLines, type LogRecord } from './log-lines.ts';

export type Kind = 'ok' | 'shadowed' | 'failing' | 'refused';
export const KINDS: readonly Kind[] = ['ok', 'shadowed', 'failing', 'refused'];

/** The model each kind names, and what its request line and EMF line must say. */
export const EXPECTED: Readonly<Record<Kind, { model: string; lineModel: string | undefined; status: number; outcome: string; level: string }>> = {
  ok: { model: 'iris', lineModel: 'iris', status: 200, outcome: 'OK', level: 'INFO' },
  shadowed: { model: 'churn', lineModel: 'churn', status: 200, outcome: 'OK', level: 'INFO' },
  failing: { model: 'broken', lineModel: 'broken', status: 502, outcome: 'UPSTREAM_ERROR', level: 'ERROR' },
  refused: { model: 'iris', lineModel: undefined, status: 400, outcome: 'INVALID_REQUEST', level: 'WARN' },
};

export interface Invocation {
  readonly i: number;
  readonly kind: Kind;
  /** Two invocations of a burst share each tag, so that their hashes must match. */
  readonly tag: string;
  /** API Gateway's request id: B's error.requestId and the line's correlation_id. */
  readonly requestId: string;
  /** Lambda's: the line's function_request_id. */
  readonly awsRequestId: string;
  readonly body: string;
}

/** `count` invocations, kinds in turn, from `from` on (ids stay unique across bursts). */
export function burst(count: number, from = 0): Invocation[] {
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    const kind = KINDS[k % KINDS.length] as Kind;
    const tag = `tag-${from + (k % (count / 2))}`;
    const data = { instances: [[i, i + 0.5]] };
    const body = kind === 'refused' ? JSON.stringify({ data }) : envelope(tag, data);
    return { i, kind, tag, requestId: `gw-${i}`, awsRequestId: `inv-${i}`, body };
  });
}

export const eventOf = (invocation: Invocation): APIGatewayProxyEvent =>
  restEvent({ path: predictPath(EXPECTED[invocation.kind].model), body: invocation.body, requestId: invocation.requestId });

/** The Lambda context the runtime hands this invocation. */
export const contextOf = (invocation: Invocation): Context =>
  ({
    awsRequestId: invocation.awsRequestId,
    functionName: 'contract-adapter-lmi',
    functionVersion: '$LATEST.PUBLISHED',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:contract-adapter-lmi',
    memoryLimitInMB: '2048',
    getRemainingTimeInMillis: () => 20_000,
  }) as unknown as Context;

/** A model that answers after `ms` (so that invocations overlap), echoing what it got. */
export const slowEcho =
  (ms: number): Behaviour =>
  async (_req: IncomingMessage, res: ServerResponse, body: string) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(`{"echo":${body}}`);
  };

/** A model that answers 500 after `ms`. */
export const slowFailure =
  (ms: number): Behaviour =>
  async (_req: IncomingMessage, res: ServerResponse) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end('{"error":"model exploded at 10.9.8.7"}');
  };

/** The parameters: iris, churn (shadowed to its variant v2 on every request) and broken. */
export function burstParameters(urls: { iris: string; churn: string; churnV2: string; broken: string }): Record<string, string> {
  return {
    [endpointParameter('iris')]: `${urls.iris}/predict`,
    [endpointParameter('churn')]: `${urls.churn}/predict`,
    [`${PREFIX}/models/churn/variants/v2/endpoint`]: `${urls.churnV2}/predict`,
    [`${PREFIX}/models/churn/config`]: JSON.stringify({ variants: { shadow: { variant: 'v2' } } }),
    [endpointParameter('broken')]: `${urls.broken}/predict`,
  };
}

/** Each answer is its own invocation's: its status, its userTag, the model's echo of its own data, its own request id. */
export function checkAnswers(answered: ReadonlyArray<{ invocation: Invocation; result: HttpResult }>): void {
  for (const { invocation, result } of answered) {
    const expected = EXPECTED[invocation.kind];
    assert.equal(result.statusCode, expected.status, `${invocation.requestId}: ${result.body}`);
    const body = JSON.parse(result.body) as { userTag: string | null; result?: unknown; error?: { code: string; requestId: string } };
    if (expected.status === 200) {
      assert.deepEqual(body, { userTag: invocation.tag, result: { echo: { instances: [[invocation.i, invocation.i + 0.5]] } } });
    } else {
      assert.equal(body.userTag, invocation.kind === 'refused' ? null : invocation.tag);
      assert.equal(body.error?.code, expected.outcome);
      assert.equal(body.error?.requestId, invocation.requestId, 'the error names its own request');
    }
  }
}

/**
 * The lines of a burst, read back: one request line per invocation with its own ids, model,
 * outcome and level, its EMF line right after it (the two leave in one write) with the same
 * model and outcome, every Powertools line carrying the ids of the request it is about, and a
 * userTag hash that follows the tag. `text` is all the thread wrote; lines of other bursts are
 * ignored.
 */
export function checkLines(text: string, invocations: readonly Invocation[]): { records: LogRecord[] } {
  const records = parseLines(text);
  const mine = new Map(invocations.map((invocation) => [invocation.requestId, invocation]));
  const seen = new Set<string>();
  const hashOfTag = new Map<string, string>();
  const tagOfHash = new Map<string, string>();
  for (let n = 0; n < records.length; n++) {
    const record = records[n] as LogRecord;
    if (record.message !== 'request') continue;
    const invocation = mine.get(record.correlation_id as string);
    if (invocation === undefined) continue;
    const expected = EXPECTED[invocation.kind];
    assert.ok(!seen.has(invocation.requestId), `one request line for ${invocation.requestId}`);
    seen.add(invocation.requestId);
    assert.equal(record.function_request_id, invocation.awsRequestId, `${invocation.requestId}: its own Lambda request id`);
    assert.equal(record.model, expected.lineModel, `${invocation.requestId}: its own model`);
    assert.equal(record.outcome, expected.outcome, `${invocation.requestId}: its own outcome`);
    assert.equal(record.status, expected.status);
    assert.equal(record.level, expected.level);
    assert.equal(record.cold_start, false, 'no invocation waits for an init on LMI');
    if (invocation.kind === 'failing') assert.equal(record.upstreamStatus, 500);
    if (invocation.kind === 'refused') assert.equal(record.userTagHash, undefined);
    else {
      const hash = record.userTagHash as string;
      assert.match(hash, /^[0-9a-f]{16}$/);
      assert.equal(hashOfTag.get(invocation.tag) ?? hash, hash, `${invocation.tag}: one hash per tag`);
      assert.equal(tagOfHash.get(hash) ?? invocation.tag, invocation.tag, `${hash}: one tag per hash`);
      hashOfTag.set(invocation.tag, hash);
      tagOfHash.set(hash, invocation.tag);
    }
    const emf = records[n + 1] as LogRecord & { _aws?: unknown };
    assert.ok(emf !== undefined && '_aws' in emf, `${invocation.requestId}: its EMF line right after its request line`);
    assert.equal(emf.model, expected.lineModel ?? '(none)', `${invocation.requestId}: the EMF line's model`);
    assert.equal(emf.outcome, expected.outcome, `${invocation.requestId}: the EMF line's outcome`);
    assert.equal(emf.Requests, 1);
    assert.equal(emf.Errors, expected.status >= 400 ? 1 : undefined);
  }
  assert.equal(seen.size, invocations.length, 'a request line for every invocation');
  assert.equal(records.filter((record) => '_aws' in record && 'Requests' in record).length >= invocations.length, true);

  // Powertools' lines: each carries the correlation id and the Lambda request id of one request, both of the same one.
  const invocationOf = new Map(invocations.map((invocation) => [invocation.requestId, invocation.awsRequestId]));
  const shadows = records.filter((record) => record.message === 'shadow compared' && invocationOf.has(record.correlation_id as string));
  assert.equal(shadows.length, invocations.filter((invocation) => invocation.kind === 'shadowed').length, 'one shadow line per shadowed request');
  for (const record of records) {
    if (record.message === 'request' || '_aws' in record || record.correlation_id === undefined) continue;
    if (!invocationOf.has(record.correlation_id as string)) continue;
    assert.equal(record.function_request_id, invocationOf.get(record.correlation_id as string), `${record.message as string}: the ids of one request`);
    if (record.message === 'shadow compared') {
      assert.equal(record.model, 'churn');
      assert.equal(record.outcome, 'agree');
      assert.equal(mine.get(record.correlation_id as string)?.kind, 'shadowed');
    }
  }
  return { records };
}
