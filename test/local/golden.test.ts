// Golden fixtures per demo model (test/fixtures/golden/*.json): B's request -> the body the
// model receives, and the model's answer -> B's response, through the real handler with each
// demo's config as local/demo-parameters.ts writes it (never local/parameters.json, which a
// user may have edited). A second test checks that each fixture's
// model answer is what the demo service really answers, so the fixtures cannot drift from
// the demos (docs/models.md quotes them).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { DEMO_CONFIGS } from '../../local/demo-parameters.ts';
import { DEMO_EXAMPLES, EPHEMERAL_DEMO_PORTS, startDemoModels } from '../../local/demo-models.ts';
import { PREFIX, endpointParameter, startHarness } from '../support/harness.ts';
import { predictPath, restEvent } from '../support/events.ts';
import { answerJson, startModelServer, type ModelServer } from '../support/model-server.ts';
import { captureLogs, expectError } from '../support/catalogue.ts';
import { postJson } from './http.ts';

interface GoldenCase {
  name: string;
  request: { userTag: string; data: unknown };
  /** What the model must receive, or null when the request must not reach it. */
  modelRequest: unknown;
  modelStatus?: number;
  modelAnswer?: unknown;
  status: number;
  response?: unknown;
  error?: { code: string; message?: string; upstreamStatus?: number; details?: string };
}

interface Golden {
  model: string;
  format: string;
  cases: GoldenCase[];
}

const dir = new URL('../fixtures/golden/', import.meta.url);
const goldens: Golden[] = readdirSync(dir)
  .filter((file) => file.endsWith('.json'))
  .sort()
  .map((file) => JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as Golden);

captureLogs();
const servers = new Map<string, ModelServer>();
const parameters: Record<string, string> = {};
for (const golden of goldens) {
  const server = await startModelServer();
  servers.set(golden.model, server);
  parameters[endpointParameter(golden.model)] = `${server.url}/native`;
  const config = DEMO_CONFIGS[`models/${golden.model}/config`];
  if (config) parameters[`${PREFIX}/models/${golden.model}/config`] = JSON.stringify(config);
}
const harness = await startHarness(parameters);
after(async () => {
  await harness.close();
  await Promise.all([...servers.values()].map((server) => server.close()));
});

test('there is a golden file for every demo model', () => {
  assert.deepEqual(goldens.map((g) => g.model).sort(), Object.keys(DEMO_EXAMPLES).sort());
});

for (const golden of goldens) {
  describe(`golden: ${golden.model} (${golden.format})`, () => {
    for (const c of golden.cases) {
      test(c.name, async () => {
        const server = servers.get(golden.model) as ModelServer;
        server.behave(answerJson(JSON.stringify(c.modelAnswer ?? null), c.modelStatus ?? 200));
        const before = server.received.length;
        const result = await harness.invoke(restEvent({ path: predictPath(golden.model), body: JSON.stringify(c.request) }));
        if (c.modelRequest === null) assert.equal(server.received.length, before, 'the model is not called');
        else assert.equal(server.received.at(-1)?.body, JSON.stringify(c.modelRequest), 'what the model receives');
        if (c.status === 200) {
          assert.equal(result.statusCode, 200, result.body);
          assert.equal(result.body, JSON.stringify(c.response), 'what B receives');
          return;
        }
        const body = expectError(result, c.status, c.error?.code ?? '', c.request.userTag);
        const { code: _code, ...rest } = c.error ?? { code: '' };
        for (const [key, value] of Object.entries(rest)) assert.deepEqual((body.error as unknown as Record<string, unknown>)[key], value, key);
        if (c.error?.details === undefined) assert.equal((body.error as { details?: string }).details, undefined);
      });
    }
  });
}

test('each fixture\'s model answer is what the demo service answers to that model request', async () => {
  const demos = await startDemoModels(EPHEMERAL_DEMO_PORTS);
  try {
    for (const golden of goldens) {
      const service = demos.services.find((s) => s.name === golden.model);
      assert.ok(service, golden.model);
      for (const c of golden.cases.filter((c) => c.modelRequest !== null)) {
        const res = await postJson(service.url, c.modelRequest);
        assert.equal(res.status, c.modelStatus, `${golden.model}: ${c.name}`);
        assert.deepEqual(res.json(), c.modelAnswer, `${golden.model}: ${c.name}`);
      }
    }
  } finally {
    await demos.close();
  }
});
