import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { AdapterError } from '../../../lambda/contract/errors.ts';
import type { ModelName } from '../../../lambda/contract/model-name.ts';
import { observeRequest } from '../../../lambda/observability/observe-request.ts';
import { summarizeRequest, summaryLevel, type SummaryInput } from '../../../lambda/observability/request-summary.ts';
import type { Telemetry } from '../../../lambda/observability/telemetry.ts';
import { untraced } from '../../../lambda/observability/tracing.ts';
import { AdapterMetrics } from '../../../lambda/observability/metrics.ts';
import { RequestLines } from '../../../lambda/observability/request-line.ts';
import { userTagHasher } from '../../../lambda/observability/user-tag-hash.ts';
import { noConsumers } from '../../../lambda/observability/consumer.ts';

const KEY = Buffer.alloc(32, 7);
const hmacHex = (key: Buffer, text: string): string => createHmac('sha256', key).update(text, 'utf8').digest('hex').slice(0, 16);
const base = (overrides: Partial<SummaryInput> = {}): SummaryInput => ({
  startedAt: 100,
  facts: { model: 'iris' as ModelName, cache: 'hit', modelMs: 12.34, modelAttempts: 1 },
  requestId: 'req-1',
  route: 'predict',
  consumer: 'team-a',
  userTag: 'b-42',
  bytesIn: 30,
  response: { statusCode: 200, body: '{"userTag":"b-42","result":{"é":1}}' },
  error: undefined,
  hashUserTag: userTagHasher(KEY),
  now: 150.06,
  ...overrides,
});

describe('summarizeRequest', () => {
  test('a success: the record, the answer\'s size in bytes, the outcome OK', () => {
    assert.deepEqual(summarizeRequest(base()), {
      correlation_id: 'req-1',
      route: 'predict',
      consumer: 'team-a',
      model: 'iris',
      variant: undefined,
      configHash: undefined,
      ensemble: undefined,
      outcome: 'OK',
      status: 200,
      totalMs: 50.1,
      modelMs: 12.3,
      modelAttempts: 1,
      bytesIn: 30,
      bytesOut: Buffer.byteLength('{"userTag":"b-42","result":{"é":1}}'),
      cache: 'hit',
      userTagHash: hmacHex(KEY, 'b-42'),
      upstreamStatus: undefined,
      timeoutPhase: undefined,
      resultBytes: undefined,
      errorClass: undefined,
      errorCode: undefined,
    });
  });

  test('variant and config hash, when the route reports them', () => {
    const summary = summarizeRequest(base({ startedAt: 0, facts: { model: 'iris' as ModelName, variant: 'lab' as ModelName, configHash: 'abc123' } }));
    assert.equal(summary.variant, 'lab');
    assert.equal(summary.configHash, 'abc123');
  });

  test('an ensemble request: the ensemble and its config hash, and no model', () => {
    const summary = summarizeRequest(base({ route: 'predictEnsemble', startedAt: 0, facts: { ensemble: 'iris-all' as ModelName, configHash: 'def456' } }));
    assert.equal(summary.route, 'predictEnsemble');
    assert.equal(summary.ensemble, 'iris-all');
    assert.equal(summary.configHash, 'def456');
    assert.equal(summary.model, undefined);
  });

  test('an error: its code, and the class and code of its cause, never its message', () => {
    const cause = Object.assign(new TypeError('connect ECONNREFUSED 10.1.2.3:8501'), { code: 'ECONNREFUSED' });
    const summary = summarizeRequest(base({ error: new AdapterError('UPSTREAM_UNAVAILABLE', { cause }), response: { statusCode: 503, body: '{}' } }));
    assert.equal(summary.outcome, 'UPSTREAM_UNAVAILABLE');
    assert.equal(summary.errorClass, 'TypeError');
    assert.equal(summary.errorCode, 'ECONNREFUSED');
    assert.ok(!JSON.stringify(summary).includes('10.1.2.3'));
    const plain = summarizeRequest(base({ error: new AdapterError('UNKNOWN_MODEL'), response: { statusCode: 404, body: '{}' } }));
    assert.deepEqual([plain.errorClass, plain.errorCode], ['AdapterError', 'UNKNOWN_MODEL']);
  });

  test('the class is the error\'s own name, which minifying the bundle leaves alone, else its constructor\'s', () => {
    // What esbuild's minifier makes of undici's `class SocketError extends UndiciError { name = 'SocketError' }`.
    class t extends Error {
      override name = 'SocketError';
    }
    class UnnamedError extends Error {}
    const cases = [new t('x'), new UnnamedError('x'), new DOMException('x', 'TimeoutError'), new Error('x')];
    const classes = cases.map((cause) => summarizeRequest(base({ error: new AdapterError('UPSTREAM_UNAVAILABLE', { cause }), response: { statusCode: 503, body: '{}' } })).errorClass);
    assert.deepEqual(classes, ['SocketError', 'UnnamedError', 'TimeoutError', 'Error']);
  });

  test('no answer at all is INTERNAL, 500; no valid userTag, no hash', () => {
    const summary = summarizeRequest(base({ response: undefined, userTag: null }));
    assert.deepEqual([summary.outcome, summary.status, summary.bytesOut, summary.userTagHash], ['INTERNAL', 500, 0, undefined]);
  });

  test('levels: info below 400, warn for 4xx, error for 5xx', () => {
    assert.deepEqual([200, 404, 422, 499, 500, 504].map(summaryLevel), ['info', 'warn', 'warn', 'warn', 'error', 'error']);
  });
});

describe('userTagHasher', () => {
  test('HMAC-SHA256 of the UTF-8 tag under its key, its first 16 hex characters; another key, another hash', () => {
    const hash = userTagHasher(KEY)('b-42');
    assert.match(hash, /^[0-9a-f]{16}$/);
    // RFC 4231, test cases 1 and 2: HMAC-SHA256 under a 20-byte key of 0x0b, and under "Jefe".
    assert.equal(userTagHasher(Buffer.alloc(20, 0x0b))('Hi There'), 'b0344c61d8db3853');
    assert.equal(userTagHasher(Buffer.from('Jefe'))('what do ya want for nothing?'), '5bdcc146bf60754e');
    assert.equal(userTagHasher(KEY)('b-42'), hash);
    assert.notEqual(userTagHasher(KEY)('b-43'), hash);
    assert.notEqual(userTagHasher(Buffer.alloc(32, 8))('b-42'), hash);
    assert.equal(userTagHasher(KEY)('é✓'), hmacHex(KEY, 'é✓'));
    assert.notEqual(userTagHasher()('b-42'), userTagHasher()('b-42'), 'a random key per hasher (per container)');
  });
});

describe('observeRequest', () => {
  /** One answered request through observeRequest: it must return, whatever fails inside it. */
  const answerThrough = (telemetry: Telemetry): void => {
    const response = { statusCode: 200, headers: {}, body: '{"userTag":"t","result":1}' };
    observeRequest(telemetry, { startedAt: performance.now(), http: undefined, route: 'listModels', userTag: null, facts: {}, response, error: undefined }, { coldStart: false });
  };

  test('a failure while writing the line or the metrics never takes B\'s answer away, and is logged', () => {
    const logged: Array<[string, string, unknown]> = [];
    const record = (level: string) => (message: string, fields?: unknown) => logged.push([level, message, fields]);
    const logger = { info: record('info'), warn: record('warn'), error: record('error'), getLevelName: () => 'INFO' as const };
    const metrics = new AdapterMetrics({ namespace: 'N', service: 's', enabled: true, write: () => {} });
    metrics.requestLine = () => {
      throw new RangeError('too many dimensions');
    };
    const written: string[] = [];
    const telemetry = {
      logger,
      metrics,
      requestLines: new RequestLines({ service: 's', logger, metrics, indent: false, write: (_level, text) => written.push(text) }),
      tracer: { putAnnotation() {} },
      traced: untraced,
      hashUserTag: userTagHasher(KEY),
      consumerOf: noConsumers,
    } as unknown as Telemetry;
    answerThrough(telemetry);
    assert.deepEqual(written, [], 'nothing half-written');
    assert.deepEqual(
      logged.map(([level, message]) => `${level} ${message}`),
      ['error request summary failed'],
    );
    assert.deepEqual(logged[0]?.[2], { errorClass: 'RangeError', errorCode: undefined });
  });
});
