// The "done when": a model in a native format the adapter has never seen is onboarded
// by writing SSM parameters only, with the real SDK's put-parameter against the loopback SSM
// endpoint (local/ssm-server.ts), and B calls it with its usual envelope within the TTL: no
// code, no restart. Then a changed mapping is picked up the same way.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { PREFIX, endpointParameter, startHarness } from '../support/harness.ts';
import { envelope, predictPath, restEvent } from '../support/events.ts';
import { startModelServer, type Behaviour } from '../support/model-server.ts';
import { captureLogs, expectError, expectSuccess } from '../support/catalogue.ts';

// A scoring service with its own JSON, nothing like B's: a column-oriented frame in, a job
// record out, and failures reported in a 200 (`"state": "FAILED"`).
const frameScorer: Behaviour = (_req, res, body) => {
  const request = JSON.parse(body) as { frame?: { columns?: string[]; values?: number[][] }; options?: { client?: string } };
  const columns = request.frame?.columns;
  const values = request.frame?.values;
  const send = (status: number, json: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(json));
  };
  if (!Array.isArray(columns) || !Array.isArray(values)) return send(400, { problem: 'frame.columns and frame.values are required' });
  if (values.some((row) => row.length !== columns.length)) return send(200, { job: { state: 'FAILED', output: null } });
  send(200, { job: { state: 'DONE', client: request.options?.client ?? null, output: { scores: values.map((row) => row.reduce((a, b) => a + b, 0)) } } });
};

// The adapter logs the refused requests; keep the test output readable.
captureLogs();

const model = await startModelServer(frameScorer);
const harness = await startHarness({}, { PARAMETER_CACHE_TTL_SECONDS: '1' });
after(async () => {
  await harness.close();
  await model.close();
});

const ssm = new SSMClient({ region: 'us-east-1', endpoint: harness.ssm.url, credentials: { accessKeyId: 't', secretAccessKey: 't' } });
after(() => ssm.destroy());
const put = (name: string, value: string) => ssm.send(new PutParameterCommand({ Name: name, Value: value, Type: 'String', Overwrite: true }));
const ttl = () => new Promise((resolve) => setTimeout(resolve, 1_100));

const ask = (data: unknown) => harness.invoke(restEvent({ path: predictPath('frames'), body: envelope('b-1', data) }));
const B_DATA = { columns: ['tenure', 'calls'], rows: [[1, 2], [3, 4]] };

test('a new native format is onboarded with two put-parameter calls and served within the TTL', async () => {
  expectError(await ask(B_DATA), 404, 'UNKNOWN_MODEL', 'b-1');

  await put(endpointParameter('frames'), `${model.url}/v3/score`);
  await put(
    `${PREFIX}/models/frames/config`,
    JSON.stringify({
      request: { expression: '{frame: {columns: data.columns, values: data.rows}, options: {client: userTag}}', required: ['data.columns', 'data.rows'] },
      response: '{scores: response.job.output.scores, client: response.job.client}',
      errorWhen: "job.state == 'FAILED'",
    }),
  );
  await ttl();

  const result = await ask(B_DATA);
  assert.equal(expectSuccess(result, 'b-1'), '{"scores":[3,7],"client":"b-1"}');
  assert.equal(model.received.at(-1)?.url, '/v3/score');
  assert.equal(model.received.at(-1)?.body, '{"frame":{"columns":["tenure","calls"],"values":[[1,2],[3,4]]},"options":{"client":"b-1"}}');
  const listed = JSON.parse((await harness.invoke(restEvent({ method: 'GET', path: '/v1/models', headers: {} }))).body) as { models: string[] };
  assert.deepEqual(listed.models, ['frames']);

  // Its failure in a 200 is B's 502, its 400 B's 422, and B's missing field B's own 400.
  expectError(await ask({ columns: ['a'], rows: [[1, 2]] }), 502, 'UPSTREAM_ERROR', 'b-1');
  const missing = expectError(await ask({ columns: ['a'] }), 400, 'INVALID_REQUEST', 'b-1');
  assert.match(missing.error.message, /data\.rows is required/);
});

test('a changed mapping is picked up within the TTL, with no restart', async () => {
  await put(`${PREFIX}/models/frames/config`, JSON.stringify({ request: '{frame: {columns: data.columns, values: data.rows}}', response: '{total: sum(response.job.output.scores)}' }));
  assert.equal(expectSuccess(await ask(B_DATA), 'b-1'), '{"scores":[3,7],"client":"b-1"}', 'the cached config until the TTL passes');
  await ttl();
  assert.equal(expectSuccess(await ask(B_DATA), 'b-1'), '{"total":10}');
});
