// The adapter's log formatter writes exactly what Powertools' default formatter writes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Logger } from '@aws-lambda-powertools/logger';
import { FlatLogFormatter } from '../../../lambda/observability/log-formatter.ts';

/** What `write` prints through `logger`, on stdout and stderr in order. */
function lines(logger: Logger, write: (logger: Logger) => void): string[] {
  const out: string[] = [];
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((stream) => stream.write);
  for (const stream of streams) {
    stream.write = ((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    }) as typeof stream.write;
  }
  try {
    write(logger);
  } finally {
    streams.forEach((stream, i) => (stream.write = originals[i]!));
  }
  // The timestamps differ by when each line was written.
  return out.map((line) => line.replace(/"timestamp":"[^"]*"/, '"timestamp":"T"'));
}

test('flat and nested lines, empty values and a Lambda context: the same as the default formatter', () => {
  const context = { invokedFunctionArn: 'arn:aws:lambda:eu-west-1:1:function:f', awsRequestId: 'r-1', memoryLimitInMB: '512', functionName: 'f', functionVersion: '$LATEST' };
  const write = (logger: Logger) => {
    logger.info('request', { correlation_id: 'c-1', route: 'predict', model: undefined, status: 200, totalMs: 1.5, cache: 'hit', ok: true, empty: '', none: null, big: 10n });
    logger.addContext(context as never);
    logger.warn('config rejected', { model: 'iris', servingConfigHash: null, reason: 'schema' });
    logger.error('request summary failed', { errorClass: 'TypeError', nested: { a: 1, b: undefined, c: [1, { d: 2 }] } });
    logger.error('failed', new Error('boom'));
    logger.info('with a clashing key', { service: 'other', level: 'x' } as never);
    logger.info('no attributes');
    logger.info('keys its merge drops', { constructor: 1, ok: 2 } as never);
  };
  const ours = lines(new Logger({ serviceName: 'svc', logFormatter: new FlatLogFormatter() }), write);
  const theirs = lines(new Logger({ serviceName: 'svc' }), write);
  assert.equal(ours.length, 9, "seven lines and two warnings about the reserved keys");
  assert.deepEqual(ours.map((line) => line.replace(/"location":"[^"]*"|"stack":"[^"]*"/g, '')), theirs.map((line) => line.replace(/"location":"[^"]*"|"stack":"[^"]*"/g, '')));
});
