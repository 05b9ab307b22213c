// The request line and its EMF metrics are built directly (adapter-logger.ts, metrics.ts) and
// written in one write; these tests hold them to what Powertools' own Logger (with its default
// formatter) and Metrics print for the same request, byte for byte but the timestamps.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import fc from 'fast-check';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { AdapterLogger } from '../../../lambda/observability/adapter-logger.ts';
import { AdapterMetrics, recordRequestMetrics, requestMetricsLine } from '../../../lambda/observability/metrics.ts';
import type { RequestSummary } from '../../../lambda/observability/request-summary.ts';

/** What `write` prints, as [stream, chunk] in order; the timestamps replaced, as they differ by when each line was written. */
function printed(write: () => void): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const streams = { stdout: process.stdout, stderr: process.stderr };
  const originals = { stdout: process.stdout.write, stderr: process.stderr.write };
  for (const [name, stream] of Object.entries(streams)) {
    stream.write = ((chunk: string | Uint8Array) => {
      out.push([name, String(chunk).replace(/"timestamp": ?"[^"]*"/g, '"timestamp":"T"').replace(/"Timestamp":\d+/g, '"Timestamp":0')]);
      return true;
    }) as typeof stream.write;
  }
  try {
    write();
  } finally {
    process.stdout.write = originals.stdout;
    process.stderr.write = originals.stderr;
  }
  return out;
}

const ENV = ['AWS_LAMBDA_INITIALIZATION_TYPE', '_X_AMZN_TRACE_ID', 'POWERTOOLS_LOGGER_SAMPLE_RATE', 'POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_METRICS_DISABLED', 'POWERTOOLS_DEV'];
const saved = Object.fromEntries(ENV.map((key) => [key, process.env[key]]));
afterEach(() => {
  for (const key of ENV) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
});

const context = {
  functionName: 'contract-adapter',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:contract-adapter',
  memoryLimitInMB: '1024',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
} as Context;

const ok: RequestSummary = {
  correlation_id: 'gw-1',
  route: 'predict',
  model: 'iris',
  variant: undefined,
  configHash: 'abc123',
  outcome: 'OK',
  status: 200,
  totalMs: 3.2,
  modelMs: 2.5,
  modelAttempts: 2,
  bytesIn: 120,
  bytesOut: 90,
  cache: 'stale',
  userTagHash: '0123456789abcdef',
};
const refused: RequestSummary = { correlation_id: 'gw-2', route: 'none', outcome: 'INVALID_REQUEST', status: 400, totalMs: 0.1, bytesIn: 3, bytesOut: 140 };
const failed: RequestSummary = { ...ok, outcome: 'UPSTREAM_ERROR', status: 502, modelAttempts: 1, cache: 'hit', upstreamStatus: 500, errorClass: 'AdapterError', errorCode: 'UND_ERR' };
const LEVEL = { 200: 'INFO', 400: 'WARN', 502: 'ERROR' } as const;
const method = { INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/** Three invocations' request lines, from Powertools' Logger and from the adapter's. */
function lines(): { theirs: Array<[string, string]>; ours: Array<[string, string]> } {
  const theirs = new Logger({ serviceName: 'contract-adapter' });
  const ours = new AdapterLogger('contract-adapter');
  const summaries = [ok, refused, failed];
  return {
    theirs: printed(() => {
      for (const summary of summaries) {
        theirs.addContext(context);
        theirs[method[LEVEL[summary.status as 200 | 400 | 502]]]('request', { ...summary });
      }
    }),
    ours: printed(() => {
      for (const summary of summaries) {
        ours.addContext(context);
        const level = LEVEL[summary.status as 200 | 400 | 502];
        const line = ours.requestLine(level, 'request', { ...summary }, context);
        assert.ok(line !== undefined, 'outside dev mode the line is built directly');
        ours.printLines(level, line);
      }
    }),
  };
}

describe('the request line', () => {
  test('reads as Powertools prints it, on the same stream: plain', () => {
    const { theirs, ours } = lines();
    assert.equal(theirs.length, 3);
    assert.deepEqual(ours, theirs);
    assert.deepEqual(ours.map(([stream]) => stream), ['stdout', 'stderr', 'stderr']);
  });

  test('with a cold start, an X-Ray trace, a sampling rate and a tenant', () => {
    process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
    process.env._X_AMZN_TRACE_ID = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=557abcec3ee5a047;Sampled=1';
    process.env.POWERTOOLS_LOGGER_SAMPLE_RATE = '0.5';
    Object.assign(context, { tenantId: 'tenant-7' });
    try {
      const { theirs, ours } = lines();
      assert.deepEqual(ours, theirs);
      const first = JSON.parse(ours[0]![1]) as Record<string, unknown>;
      assert.equal(first.cold_start, true);
      assert.equal(JSON.parse(ours[1]![1]).cold_start, false);
      assert.equal(first.xray_trace_id, '1-5759e988-bd862e3fe1be46a994272793');
      assert.equal(first.sampling_rate, 0.5);
      assert.equal(first.tenant_id, 'tenant-7');
    } finally {
      delete (context as { tenantId?: string }).tenantId;
    }
  });

  for (const dev of ['', 'true']) {
  test(`any flat fields and any context strings: what Powertools prints${dev ? ' (dev mode)' : ''}`, () => {
    process.env.POWERTOOLS_DEV = dev;
    const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('', '"', '\\', '\u2028', '\ud800'));
    const value = fc.oneof(text, fc.double(), fc.integer(), fc.boolean(), fc.constantFrom(undefined, null, -0));
    const key = fc.oneof(fc.string({ minLength: 1 }), fc.constantFrom('7', '01', 'route', 'message', 'level', '__proto__', 'constructor', 'toString'));
    fc.assert(
      // A context may lack fields (a direct invocation, a test): undefined as well as any text.
      fc.property(fc.dictionary(key, value, { maxKeys: 12 }), text, fc.option(text, { nil: undefined }), fc.option(text, { nil: undefined }), (fields, requestId, name, arn) => {
        const ctx = { ...context, awsRequestId: requestId, functionName: name, invokedFunctionArn: arn } as Context;
        const theirs = new Logger({ serviceName: 'contract-adapter' });
        const ours = new AdapterLogger('contract-adapter');
        const expected = printed(() => {
          theirs.addContext(ctx);
          theirs.warn('request', { ...fields });
        });
        // Two invocations each, so that what is kept from the first serves the second.
        const expected2 = printed(() => theirs.warn('request', { ...fields }));
        const line = ours.requestLine('WARN', 'request', { ...fields }, ctx);
        if (line === undefined) return; // not flat: Powertools prints it, as the test below shows
        const got = printed(() => ours.printLines('WARN', line));
        const got2 = printed(() => ours.printLines('WARN', ours.requestLine('WARN', 'request', { ...fields }, ctx) ?? ''));
        assert.deepEqual(got2, expected2);
        assert.deepEqual(got.filter(([, chunk]) => !chunk.includes('reserved key')), expected.filter(([, chunk]) => !chunk.includes('reserved key')));
      }),
      { numRuns: 300 },
    );
  });
  }

  test('the logger\'s other lines too, compact and indented: flat ones printed without Powertools\' replacer', () => {
    for (const dev of ['', 'true']) {
      process.env.POWERTOOLS_DEV = dev;
      const write = (logger: Logger) => () => {
        logger.addContext(context);
        logger.info('configuration refreshed', { ms: 12.5 });
        logger.warn('model config rejected', { model: 'iris', servingConfigHash: null, reason: 'schema' });
        logger.error('nested', { errorClass: 'TypeError', detail: { a: [1, 2] } });
        logger.debug('below the level');
      };
      const ours = printed(write(new AdapterLogger('contract-adapter')));
      assert.equal(ours.length, 3);
      assert.deepEqual(ours, printed(write(new Logger({ serviceName: 'contract-adapter' }))));
    }
  });

  test('follows the logger\'s level', () => {
    process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
    const logger = new AdapterLogger('contract-adapter');
    assert.equal(logger.isLevelEnabled('INFO'), false);
    assert.equal(logger.isLevelEnabled('WARN'), true);
    assert.equal(logger.isLevelEnabled('ERROR'), true);
    logger.setLogLevel('DEBUG');
    assert.equal(logger.isLevelEnabled('INFO'), true);
  });

  test('in dev mode (local mode): indented, through the global console, as Powertools prints it', () => {
    process.env.POWERTOOLS_DEV = 'true';
    const { theirs, ours } = lines();
    assert.deepEqual(ours, theirs);
    assert.match(ours[0]![1], /^\{\n {4}"level": "INFO",\n {4}"message": "request",/);
    assert.deepEqual(ours.map(([stream]) => stream), ['stdout', 'stderr', 'stderr']);
  });

  test('POWERTOOLS_DEV as Powertools reads it: "1" is dev mode, "false" is not', () => {
    process.env.POWERTOOLS_DEV = '1';
    assert.match(new AdapterLogger('contract-adapter').requestLine('INFO', 'request', { ...ok }, context) ?? '', /^\{\n {4}"level"/);
    process.env.POWERTOOLS_DEV = 'false';
    assert.match(new AdapterLogger('contract-adapter').requestLine('INFO', 'request', { ...ok }, context) ?? '', /^\{"level"/);
  });

  test('a line with a nested or bigint value, or one of Powertools\' own keys, is left to Powertools', () => {
    const logger = new AdapterLogger('contract-adapter');
    assert.equal(logger.requestLine('INFO', 'request', { nested: { a: 1 } }, context), undefined);
    assert.equal(logger.requestLine('INFO', 'request', { big: 1n }, context), undefined);
    assert.equal(logger.requestLine('INFO', 'request', { service: 'other' }, context), undefined);
  });
});

describe('the request\'s EMF line', () => {
  for (const [name, summary] of Object.entries({ 'a 200 with a retry, served stale': ok, 'a 400 with no model': refused, 'a 502': failed })) {
    test(`${name}: what Powertools' Metrics publishes`, () => {
      const metrics = new Metrics({ serviceName: 'contract-adapter', namespace: 'ContractAdapter' });
      const theirs = printed(() => {
        recordRequestMetrics(metrics, summary);
        metrics.publishStoredMetrics();
      });
      const ours = printed(() => process.stdout.write(`${requestMetricsLine(summary, { namespace: 'ContractAdapter', service: 'contract-adapter' })}\n`));
      assert.equal(theirs.length, 1);
      assert.deepEqual(ours, theirs);
    });
  }

  test('any request\'s metrics: what Powertools\' Metrics publishes', () => {
    const summary = fc.record({
      status: fc.constantFrom(200, 404, 422, 502, 504),
      outcome: fc.constantFrom('OK', 'UNKNOWN_MODEL', 'UPSTREAM_ERROR'),
      model: fc.option(fc.constantFrom('iris', 'churn-v2'), { nil: undefined }),
      modelMs: fc.option(fc.double({ min: 0, max: 60_000, noNaN: true }), { nil: undefined }),
      modelAttempts: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
      cache: fc.option(fc.constantFrom('hit', 'miss', 'stale'), { nil: undefined }),
    });
    fc.assert(
      fc.property(summary, (fields) => {
        const request = { ...refused, ...fields } as RequestSummary;
        const metrics = new Metrics({ serviceName: 'contract-adapter', namespace: 'ContractAdapter' });
        const theirs = printed(() => {
          recordRequestMetrics(metrics, request);
          metrics.publishStoredMetrics();
        });
        const ours = printed(() => process.stdout.write(`${requestMetricsLine(request, { namespace: 'ContractAdapter', service: 'contract-adapter' })}\n`));
        assert.deepEqual(ours, theirs);
      }),
      { numRuns: 200 },
    );
  });

  test('off where Powertools\' Metrics is off', () => {
    assert.equal(new AdapterMetrics({ namespace: 'N', serviceName: 's' }).enabled, true);
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    assert.equal(new AdapterMetrics({ namespace: 'N', serviceName: 's' }).enabled, false);
    delete process.env.POWERTOOLS_METRICS_DISABLED;
    process.env.POWERTOOLS_DEV = 'true';
    assert.equal(new AdapterMetrics({ namespace: 'N', serviceName: 's' }).enabled, false);
  });
});
