// Local mode serves concurrent requests as one Lambda Managed Instances environment does:
// invocations interleave in one thread, each in its own InvokeStore context (api-server.ts),
// with AWS_LAMBDA_MAX_CONCURRENCY set (start.ts). Powertools' lines of each request carry that
// request's own Lambda context (function_request_id) and correlation id. Before, the Logger
// kept one Lambda context for the process, so a line carried whichever invocation had started
// last. Alone in its process: the InvokeStore's kind is decided once per process.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEMO_EXAMPLES, EPHEMERAL_DEMO_PORTS } from '../../local/demo-models.ts';
import { startLocal, type LocalMode } from '../../local/start.ts';
import { assertLogsClean, captureLogs } from '../support/catalogue.ts';
import { parseLines, requestLines, type LogRecord } from '../support/log-lines.ts';
import { postJson } from './http.ts';

const CONCURRENT = 32;

describe('local mode under concurrency', () => {
  const dir = mkdtempSync(join(tmpdir(), 'local-concurrency-'));
  const logs = captureLogs();
  let local: LocalMode;

  before(async () => {
    local = await startLocal({
      port: 0,
      demoPorts: EPHEMERAL_DEMO_PORTS,
      parametersFile: join(dir, 'parameters.json'),
      env: { POWERTOOLS_DEV: 'false' },
    });
  });
  after(async () => {
    await local?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs with AWS_LAMBDA_MAX_CONCURRENCY set and an InvokeStore that keeps invocations apart', () => {
    assert.equal(process.env.AWS_LAMBDA_MAX_CONCURRENCY, '64');
    assert.ok(!local.notices.some((notice) => notice.includes('InvokeStore')), local.notices.join('\n'));
  });

  it("gives each concurrent request's Powertools lines its own function_request_id and correlation_id", async () => {
    // churn's config shadows every request to its variant v2, and the shadow's comparison is
    // a Powertools line written inside the request, while other requests are in flight.
    await postJson(`${local.url}/v1/models/churn/predict`, { userTag: 'warm', data: DEMO_EXAMPLES.churn });
    const mark = logs.text().length;
    const answers = await Promise.all(
      Array.from({ length: CONCURRENT }, (_, i) => postJson(`${local.url}/v1/models/churn/predict`, { userTag: `tag-${i}`, data: DEMO_EXAMPLES.churn })),
    );
    for (const answer of answers) assert.equal(answer.status, 200, answer.text);
    const text = logs.text().slice(mark);
    const records = parseLines(text);

    const lines = requestLines(records);
    assert.equal(lines.length, CONCURRENT);
    const invocationOf = new Map<string, string>();
    for (const line of lines) invocationOf.set(line.correlation_id as string, line.function_request_id as string);
    assert.equal(invocationOf.size, CONCURRENT, 'one correlation id per request');
    assert.equal(new Set(invocationOf.values()).size, CONCURRENT, 'one invocation per request');
    // What B was told is the id its request line carries.
    assert.deepEqual(new Set(answers.map((answer) => answer.headers['x-amzn-requestid'])), new Set(invocationOf.keys()));

    const shadows = records.filter((record: LogRecord) => record.message === 'shadow compared');
    assert.equal(shadows.length, CONCURRENT);
    for (const shadow of shadows) {
      const correlationId = shadow.correlation_id as string;
      assert.ok(invocationOf.has(correlationId), `a shadow line names a request of this burst: ${JSON.stringify(shadow)}`);
      assert.equal(shadow.function_request_id, invocationOf.get(correlationId), 'the Lambda context of the request the line is about');
      assert.equal(shadow.model, 'churn');
    }
    assert.equal(new Set(shadows.map((shadow) => shadow.correlation_id)).size, CONCURRENT, 'each request its own shadow line');
    assertLogsClean(text);
  });
});
