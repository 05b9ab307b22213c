// Local mode reports cold_start as Lambda does: true on the first invocation of the process
// (the execution environment), false on every one after. Through startLocal, as `npm start`
// wires it, reading the request lines it prints; alone in its process, so that the first
// request here is the process's first invocation.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEMO_EXAMPLES, EPHEMERAL_DEMO_PORTS } from '../../local/demo-models.ts';
import { startLocal, type LocalMode } from '../../local/start.ts';
import { captureLogs } from '../support/catalogue.ts';
import { postJson, send } from './http.ts';

describe('cold_start in local mode', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cold-start-'));
  const logs = captureLogs();
  let local: LocalMode;

  before(async () => {
    local = await startLocal({
      port: 0,
      demoPorts: EPHEMERAL_DEMO_PORTS,
      parametersFile: join(dir, 'parameters.json'),
      // One compact JSON line each, as in Lambda; `npm start`'s indented lines hold the same fields.
      env: { POWERTOOLS_DEV: 'false' },
    });
  });
  after(async () => {
    await local?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const requestLines = (): Record<string, unknown>[] =>
    logs.lines().flatMap((line) => {
      try {
        const record = JSON.parse(line) as Record<string, unknown>;
        return record.message === 'request' ? [record] : [];
      } catch {
        return [];
      }
    });

  it('is true on the first request line of the process and false on the next ones, whatever the route', async () => {
    assert.equal(process.env.AWS_LAMBDA_INITIALIZATION_TYPE, 'on-demand', 'what Lambda sets, and Powertools reads');
    const first = await postJson(`${local.url}/v1/models/iris/predict`, { userTag: 't', data: DEMO_EXAMPLES.iris });
    assert.equal(first.status, 200, first.text);
    const second = await send(`${local.url}/v1/models`);
    assert.equal(second.status, 200, second.text);
    const third = await postJson(`${local.url}/v1/models/churn/predict`, { userTag: 't', data: DEMO_EXAMPLES.churn });
    assert.equal(third.status, 200, third.text);
    const lines = requestLines();
    assert.deepEqual(
      lines.map((line) => [line.route, line.cold_start]),
      [
        ['predict', true],
        ['listModels', false],
        ['predict', false],
      ],
      logs.text(),
    );
    assert.deepEqual(
      lines.map((line) => line.correlation_id),
      [first.headers['x-amzn-requestid'], second.headers['x-amzn-requestid'], third.headers['x-amzn-requestid']],
    );
  });
});
