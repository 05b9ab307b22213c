import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  CHURN_THRESHOLD,
  DEMO_EXAMPLES,
  EPHEMERAL_DEMO_PORTS,
  IRIS_CLASSES,
  predictIris,
  scoreChurn,
  startChurnModel,
  startDemoModels,
  startIrisModel,
  type ChurnFeatures,
  type DemoService,
} from '../../local/demo-models.ts';
import { fraudAnswer, scoreTransaction } from '../../local/demo-fraud.ts';
import { kserveAnswer, parseKserveRequest } from '../../local/demo-kserve.ts';
import { postJson, send } from './http.ts';

const argmax = (row: readonly number[]): number => row.indexOf(Math.max(...row));

// Textbook rows of Fisher's iris data, one pair per species.
const IRIS_SAMPLES: [number[], (typeof IRIS_CLASSES)[number]][] = [
  [[5.1, 3.5, 1.4, 0.2], 'setosa'],
  [[4.9, 3.0, 1.4, 0.2], 'setosa'],
  [[7.0, 3.2, 4.7, 1.4], 'versicolor'],
  [[5.7, 2.8, 4.1, 1.3], 'versicolor'],
  [[6.3, 3.3, 6.0, 2.5], 'virginica'],
  [[7.7, 3.0, 6.1, 2.3], 'virginica'],
];

describe('iris classifier', () => {
  it('puts each textbook sample in its species', () => {
    const predictions = predictIris(IRIS_SAMPLES.map(([x]) => x));
    assert.equal(predictions.length, IRIS_SAMPLES.length);
    predictions.forEach((row, i) => {
      assert.equal(IRIS_CLASSES[argmax(row)], IRIS_SAMPLES[i]?.[1], `row ${i}: ${JSON.stringify(row)}`);
    });
  });

  it('answers three probabilities per row that sum to 1', () => {
    for (const row of predictIris([[5.1, 3.5, 1.4, 0.2], [0, 0, 0, 0], [100, 100, 100, 100]])) {
      assert.equal(row.length, 3);
      assert.ok(row.every((p) => p >= 0 && p <= 1));
      assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5, JSON.stringify(row));
    }
  });

  it('depends on its input', () => {
    assert.notDeepEqual(predictIris([[5.1, 3.5, 1.4, 0.2]]), predictIris([[6.3, 3.3, 6.0, 2.5]]));
  });
});

describe('churn scorer', () => {
  const base: ChurnFeatures = { tenure_months: 12, monthly_charges: 60, support_calls: 1, contract: 'one-year' };

  it('labels a new, unhappy month-to-month customer churn and a loyal one stay', () => {
    assert.deepEqual(scoreChurn(DEMO_EXAMPLES.churn.features), { score: 0.9844, label: 'churn' });
    const loyal = scoreChurn({ tenure_months: 48, monthly_charges: 45, support_calls: 0, contract: 'two-year' });
    assert.equal(loyal.label, 'stay');
    assert.ok(loyal.score < 0.05, String(loyal.score));
  });

  it('moves the score the way each feature should', () => {
    const s = (over: Partial<ChurnFeatures>): number => scoreChurn({ ...base, ...over }).score;
    assert.ok(s({ support_calls: 5 }) > s({}));
    assert.ok(s({ tenure_months: 60 }) < s({}));
    assert.ok(s({ monthly_charges: 120 }) > s({}));
    assert.ok(s({ contract: 'month-to-month' }) > s({}));
    assert.ok(s({ contract: 'two-year' }) < s({}));
  });

  it('labels by the 0.5 threshold', () => {
    for (const calls of [0, 1, 2, 3, 4, 5, 6, 8, 10]) {
      const { score, label } = scoreChurn({ ...base, support_calls: calls });
      assert.equal(label, score >= CHURN_THRESHOLD ? 'churn' : 'stay', `calls=${calls} score=${score}`);
    }
  });
});

describe('demo services over HTTP', () => {
  let iris: DemoService;
  let churn: DemoService;
  before(async () => {
    iris = await startIrisModel({ port: 0 });
    churn = await startChurnModel({ port: 0 });
  });
  after(async () => {
    await iris.close();
    await churn.close();
  });

  it('serves iris TF-Serving style on 127.0.0.1', async () => {
    assert.match(iris.url, /^http:\/\/127\.0\.0\.1:\d+\/v1\/models\/iris:predict$/);
    const instances = IRIS_SAMPLES.map(([x]) => x);
    const res = await postJson(iris.url, { instances });
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.deepEqual(res.json(), { predictions: predictIris(instances) });
  });

  it('serves churn as {features} -> {score, label}', async () => {
    assert.match(churn.url, /^http:\/\/127\.0\.0\.1:\d+\/predict$/);
    const res = await postJson(churn.url, DEMO_EXAMPLES.churn);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { score: 0.9844, label: 'churn' });
  });

  for (const [what, body] of [
    ['malformed JSON', '{"instances": [[1,2,3,4]'],
    ['no instances', { inputs: [[1, 2, 3, 4]] }],
    ['empty instances', { instances: [] }],
    ['a row of 3 numbers', { instances: [[1, 2, 3]] }],
    ['a string in a row', { instances: [[1, 2, '3', 4]] }],
    ['a JSON array body', [[1, 2, 3, 4]]],
  ] as const) {
    it(`iris answers 400 {"error"} to ${what}`, async () => {
      const res = await postJson(iris.url, body);
      assert.equal(res.status, 400);
      const json = res.json() as Record<string, unknown>;
      assert.deepEqual(Object.keys(json), ['error']);
      assert.equal(typeof json.error, 'string');
    });
  }

  for (const [what, body] of [
    ['malformed JSON', 'features=1'],
    ['no features', { tenure_months: 3 }],
    ['a missing feature', { features: { tenure_months: 3, monthly_charges: 89.5, contract: 'one-year' } }],
    ['a negative number', { features: { ...DEMO_EXAMPLES.churn.features, tenure_months: -1 } }],
    ['a fractional call count', { features: { ...DEMO_EXAMPLES.churn.features, support_calls: 1.5 } }],
    ['an unknown contract', { features: { ...DEMO_EXAMPLES.churn.features, contract: 'weekly' } }],
    ['a number as a string', { features: { ...DEMO_EXAMPLES.churn.features, monthly_charges: '89.5' } }],
  ] as const) {
    it(`churn answers 400 {"detail"} to ${what}`, async () => {
      const res = await postJson(churn.url, body);
      assert.equal(res.status, 400);
      const json = res.json() as Record<string, unknown>;
      assert.deepEqual(Object.keys(json), ['detail']);
      assert.equal(typeof json.detail, 'string');
    });
  }

  it('answers 404 on other paths and 405 to other methods, each in its own error shape', async () => {
    const base = (url: string): string => new URL(url).origin;
    assert.equal((await postJson(`${base(iris.url)}/v1/models/other:predict`, {})).status, 404);
    const notFound = await postJson(`${base(churn.url)}/nope`, {});
    assert.equal(notFound.status, 404);
    assert.ok('detail' in (notFound.json() as object));
    const wrongMethod = await send(iris.url, { method: 'GET' });
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.allow, 'POST');
    assert.ok('error' in (wrongMethod.json() as object));
  });

  it('answers 413 to a body over 1 MB', async () => {
    const res = await postJson(iris.url, `{"instances":[${'[1,2,3,4],'.repeat(120_000)}[1,2,3,4]]}`);
    assert.equal(res.status, 413);
  });
});

describe('startDemoModels', () => {
  it('starts every service and closes them', async () => {
    const demos = await startDemoModels(EPHEMERAL_DEMO_PORTS);
    assert.deepEqual(demos.services.map((s) => s.name), ['iris', 'churn', 'iris-kserve', 'fraud', 'churn-v2']);
    await demos.close();
    for (const service of demos.services) await assert.rejects(postJson(service.url, {}), { code: 'ECONNREFUSED' });
  });

  it('fails when a port is taken, and leaves nothing running', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as AddressInfo).port;
    const free = createServer();
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
    const churnPort = (free.address() as AddressInfo).port;
    await new Promise<void>((resolve) => free.close(() => resolve()));
    try {
      await assert.rejects(startDemoModels({ ...EPHEMERAL_DEMO_PORTS, iris: taken, churn: churnPort }), { code: 'EADDRINUSE' });
      await assert.rejects(send(`http://127.0.0.1:${churnPort}/predict`), { code: 'ECONNREFUSED' });
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});

describe('iris-kserve (KServe v2)', () => {
  it('reads an [n, 4] FP32 tensor row-major and answers the iris classifier\'s probabilities as [n, 3]', () => {
    const parsed = parseKserveRequest({ inputs: [{ name: 'input-0', shape: [2, 4], datatype: 'FP32', data: [5.1, 3.5, 1.4, 0.2, 6.3, 3.3, 6.0, 2.5] }] });
    assert.deepEqual(parsed, { rows: [[5.1, 3.5, 1.4, 0.2], [6.3, 3.3, 6.0, 2.5]] });
    const answer = kserveAnswer((parsed as { rows: number[][] }).rows) as { outputs: [{ shape: number[]; data: number[] }] };
    assert.deepEqual(answer.outputs[0].shape, [2, 3]);
    assert.deepEqual(answer.outputs[0].data, predictIris([[5.1, 3.5, 1.4, 0.2], [6.3, 3.3, 6.0, 2.5]]).flat());
  });

  it('refuses what is not one [n, 4] tensor of numbers', () => {
    for (const body of [{}, { inputs: [] }, { inputs: [{ shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }] }, { inputs: [{ shape: [1, 4], datatype: 'INT8', data: [1, 2, 3, 4] }] }, { inputs: [{ shape: [1, 4], datatype: 'FP32', data: [1, 2, 3] }] }]) {
      assert.ok('error' in parseKserveRequest(body), JSON.stringify(body));
    }
  });
});

describe('fraud (a job API)', () => {
  it('scores a payment and decides by the risk', () => {
    assert.equal(scoreTransaction({ amount: 20, country: 'NZ', card_present: true }).decision, 'approve');
    assert.equal(scoreTransaction({ amount: 912.4, country: 'XA', card_present: false }).decision, 'review');
    assert.equal(scoreTransaction({ amount: 2000, country: 'XA', card_present: false }).decision, 'decline');
  });

  it('reports inputs it cannot score as a FAILED job in a 200, and only a non-job as a 400', () => {
    const failed = fraudAnswer({ job: { type: 'fraud-score', inputs: { amount: 'x' } } });
    assert.equal(failed.status, 200);
    assert.deepEqual({ ...(failed.body as object), jobId: '' }, { jobId: '', status: 'FAILED', message: 'inputs.amount must be a positive number' });
    assert.equal(fraudAnswer({ nope: true }).status, 400);
  });
});
