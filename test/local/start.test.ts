// End to end: the whole local mode (demo services, SSM endpoint over a parameters file, the
// real handler behind the loopback API) on ephemeral ports, driven the way a person would.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { fraudAnswer } from '../../local/demo-fraud.ts';
import { kserveAnswer } from '../../local/demo-kserve.ts';
import { CHURN_V2, DEMO_EXAMPLES, EPHEMERAL_DEMO_PORTS, scoreChurn, type DemoService } from '../../local/demo-models.ts';
import { defaultDemoParameters, demoParameters } from '../../local/demo-parameters.ts';
import { endpointParameter, parseParameters, readParametersFile, writeParametersFile } from '../../local/parameters-file.ts';
import { banner, curlFor, DEFAULT_PARAMETERS_FILE, listenOn, localSettings, PortInUseError, servedParameters, startLocal, type LocalMode } from '../../local/start.ts';
import type { SsmServer } from '../../local/ssm-server.ts';
import { FAULTS } from '../../scripts/soak/fault-models.ts';
import { judge, KINDS } from '../../scripts/soak/mix.ts';
import { postJson, send } from './http.ts';

const run = promisify(execFile);
const sh = async (command: string): Promise<string> => (await run('sh', ['-c', command])).stdout;

const handlerSource = readFileSync(new URL('../../lambda/handler.ts', import.meta.url), 'utf8');
const PLACEHOLDER = /placeholder/i.test(handlerSource);
const needsHandler = PLACEHOLDER ? 'lambda/handler.ts is still the placeholder' : false;
let hasCurl = true;
try {
  await run('curl', ['--version']);
} catch {
  hasCurl = false;
}

describe('localSettings', () => {
  it('defaults to port 3000, demos on 9101 to 9105, local/parameters.json and a 2 s TTL', () => {
    assert.deepEqual(localSettings({ env: {} }), {
      port: 3000,
      demoPorts: { iris: 9101, churn: 9102, irisKserve: 9103, fraud: 9104, churnV2: 9105 },
      flexiblePorts: ['PORT', 'DEMO_IRIS_PORT', 'DEMO_CHURN_PORT', 'DEMO_IRIS_KSERVE_PORT', 'DEMO_FRAUD_PORT', 'DEMO_CHURN_V2_PORT'],
      parametersFile: DEFAULT_PARAMETERS_FILE,
      parameterPrefix: '/contract-adapter/local',
      cacheTtlSeconds: 2,
      ssmEndpoint: undefined,
    });
    assert.match(DEFAULT_PARAMETERS_FILE, /\/local\/parameters\.json$/);
  });

  it('takes PORT, DEMO_*_PORT, PARAMETERS_FILE, PARAMETER_PREFIX and PARAMETER_CACHE_TTL_SECONDS from the environment', () => {
    const env = {
      PORT: '8080',
      DEMO_IRIS_PORT: '0',
      DEMO_CHURN_PORT: '7002',
      DEMO_IRIS_KSERVE_PORT: '7003',
      DEMO_FRAUD_PORT: '7004',
      DEMO_CHURN_V2_PORT: '7005',
      PARAMETERS_FILE: '/tmp/p.json',
      PARAMETER_PREFIX: '/x/y',
      PARAMETER_CACHE_TTL_SECONDS: '30',
    };
    assert.deepEqual(localSettings({ env }), {
      port: 8080,
      demoPorts: { iris: 0, churn: 7002, irisKserve: 7003, fraud: 7004, churnV2: 7005 },
      flexiblePorts: [],
      parametersFile: '/tmp/p.json',
      parameterPrefix: '/x/y',
      cacheTtlSeconds: 30,
      ssmEndpoint: undefined,
    });
  });

  it('lets options win over the environment', () => {
    assert.equal(localSettings({ env: { PORT: '8080' }, port: 0 }).port, 0);
  });

  it('counts a port given as an option, or in the environment (0 included), as asked for: only the others may give way', () => {
    assert.deepEqual(localSettings({ env: { DEMO_FRAUD_PORT: '0' }, port: 3000, demoPorts: { iris: 9101 } }).flexiblePorts, ['DEMO_CHURN_PORT', 'DEMO_IRIS_KSERVE_PORT', 'DEMO_CHURN_V2_PORT']);
  });

  for (const env of [{ PORT: 'eighty' }, { DEMO_IRIS_PORT: '70000' }, { PARAMETER_CACHE_TTL_SECONDS: '1.5' }]) {
    it(`refuses ${JSON.stringify(env)}`, () => {
      assert.throws(() => localSettings({ env }), /must be/);
    });
  }
});

describe('servedParameters', () => {
  const moved = new Map([
    ['http://127.0.0.1:9101/v1/models/iris:predict', 'http://127.0.0.1:40001/v1/models/iris:predict'],
    ['http://127.0.0.1:9102/predict', 'http://127.0.0.1:40002/predict'],
  ]);

  it('serves a moved demo where an endpoint parameter names its default address, even under another model (iris pointed at churn)', () => {
    assert.deepEqual(
      servedParameters(
        {
          '/p/models/iris/endpoint': 'http://127.0.0.1:9102/predict',
          '/p/models/churn/variants/v2/endpoint': 'http://127.0.0.1:9101/v1/models/iris:predict',
          '/p/models/other/endpoint': 'http://127.0.0.1:9101/elsewhere',
          '/p/models/iris/config': 'http://127.0.0.1:9102/predict',
        },
        moved,
      ),
      {
        '/p/models/iris/endpoint': 'http://127.0.0.1:40002/predict',
        '/p/models/churn/variants/v2/endpoint': 'http://127.0.0.1:40001/v1/models/iris:predict',
        '/p/models/other/endpoint': 'http://127.0.0.1:9101/elsewhere',
        '/p/models/iris/config': 'http://127.0.0.1:9102/predict',
      },
    );
  });

  it('serves the file as it is when every demo is at its default address', () => {
    const parameters = { '/p/models/iris/endpoint': 'http://127.0.0.1:9101/v1/models/iris:predict' };
    assert.equal(servedParameters(parameters, new Map()), parameters);
  });
});

describe('listenOn', () => {
  const blocked = async (): Promise<{ port: number; close(): Promise<void> }> => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    return { port: (blocker.address() as AddressInfo).port, close: () => new Promise<void>((resolve) => blocker.close(() => resolve())) };
  };
  const listen = (port: number) =>
    new Promise<Server>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve(server));
    });

  it('a default port that is taken gives way to a free one', async () => {
    const taken = await blocked();
    try {
      const server = await listenOn('PORT', taken.port, true, listen);
      const { port } = server.address() as AddressInfo;
      assert.notEqual(port, taken.port);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    } finally {
      await taken.close();
    }
  });

  it('a port asked for that is taken is an error that names the variable', async () => {
    const taken = await blocked();
    try {
      await assert.rejects(listenOn('DEMO_FRAUD_PORT', taken.port, false, listen), (error: Error) => {
        assert.ok(error instanceof PortInUseError);
        assert.equal(error.message, `port ${taken.port} is in use (DEMO_FRAUD_PORT=${taken.port}); set DEMO_FRAUD_PORT to another port, or to 0 for a free one`);
        return true;
      });
    } finally {
      await taken.close();
    }
  });
});

describe('curlFor', () => {
  it('prints a command whose -d argument is the envelope, even with quotes in it', async () => {
    const data = { text: "it's \"quoted\" $HOME `x`" };
    const command = curlFor('http://127.0.0.1:1', 'iris', data, "b'42");
    assert.match(command, /^curl -s http:\/\/127\.0\.0\.1:1\/v1\/models\/iris\/predict -H 'content-type: application\/json' -d '/);
    const args = (await sh(command.replace(/^curl /, 'printf "%s\\n" '))).trimEnd().split('\n');
    assert.deepEqual(JSON.parse(args.at(-1) ?? ''), { userTag: "b'42", data });
  });
});

describe('local mode end to end', { skip: needsHandler }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'local-e2e-'));
  const parametersFile = join(dir, 'parameters.json');
  const prefix = '/contract-adapter/e2e';
  const TTL_SECONDS = 1;
  let local: LocalMode;
  let demo: Record<string, DemoService>;

  before(async () => {
    local = await startLocal({
      port: 0,
      demoPorts: EPHEMERAL_DEMO_PORTS,
      parametersFile,
      parameterPrefix: prefix,
      cacheTtlSeconds: TTL_SECONDS,
    });
    demo = Object.fromEntries(local.demos.map((d) => [d.name, d]));
  });
  after(async () => {
    await local?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const demoAnswer = async (name: 'iris' | 'churn', data: unknown): Promise<unknown> => {
    const res = await postJson(demo[name]?.url ?? '', data);
    assert.equal(res.status, 200, `the ${name} demo itself answers`);
    return res.json();
  };

  it('creates the missing parameters file with the demo set, the demos at their default addresses, whatever ports they got', () => {
    assert.deepEqual(readParametersFile(parametersFile), parseParameters(JSON.stringify(defaultDemoParameters(prefix))));
    assert.equal(readParametersFile(parametersFile)[endpointParameter(prefix, 'iris')], 'http://127.0.0.1:9101/v1/models/iris:predict');
    assert.ok(local.notices.some((n) => n.includes(`created ${parametersFile}`)));
  });

  it('serves each demo at the port it got, where the file names its default address; every other value as written', async () => {
    const served = local.parameters();
    assert.equal(served[endpointParameter(prefix, 'iris')], demo.iris?.url);
    assert.equal(served[endpointParameter(prefix, 'churn')], demo.churn?.url);
    assert.equal(served[`${prefix}/models/churn/variants/v2/endpoint`], demo['churn-v2']?.url);
    assert.deepEqual(served, parseParameters(JSON.stringify(demoParameters(prefix, local.demos))));
    // What the handler really gets: the SSM endpoint's answer.
    const answer = await fetch(local.ssmUrl, {
      method: 'POST',
      headers: { 'x-amz-target': 'AmazonSSM.GetParametersByPath', 'content-type': 'application/x-amz-json-1.1' },
      body: JSON.stringify({ Path: prefix, Recursive: true }),
    });
    const { Parameters } = (await answer.json()) as { Parameters: { Name: string; Value: string }[] };
    assert.equal(Parameters.find((p) => p.Name === endpointParameter(prefix, 'fraud'))?.Value, demo.fraud?.url);
    for (const d of local.demos) {
      assert.ok(local.notices.some((n) => n.startsWith(`demo ${d.name} is on port ${d.port}, not `) && n.includes('=0)')), `a notice for ${d.name}: ${local.notices.join(' | ')}`);
    }
    assert.ok(!local.notices.some((n) => n.includes('not the demo at')), local.notices.join(' | '));
  });

  it('prints the API, each demo URL, a curl per demo model and one per other route', () => {
    const text = banner(local);
    assert.ok(text.includes(local.url));
    for (const d of local.demos) assert.ok(text.includes(d.url), d.name);
    for (const [model, curl] of Object.entries(local.curls)) assert.ok(text.includes(curl), `curl for ${model}`);
    assert.deepEqual(Object.keys(local.curls).sort(), ['churn', 'fraud', 'iris', 'iris-kserve']);
    for (const curl of local.moreCurls) assert.ok(text.includes(curl));
  });

  // What B gets from the mapped demos, computed from the demo services' own code.
  const kserveResult = () => {
    const answer = kserveAnswer(DEMO_EXAMPLES['iris-kserve'].instances.map((row) => [...row])) as { outputs: [{ data: number[]; shape: number[] }] };
    return { probabilities: answer.outputs[0].data, shape: answer.outputs[0].shape, classes: ['setosa', 'versicolor', 'virginica'] };
  };
  const fraudResult = () => {
    const answer = fraudAnswer({ job: { type: 'fraud-score', inputs: DEMO_EXAMPLES.fraud.transaction } }).body as { jobId: string; output: { risk: number; decision: string } };
    return { risk: answer.output.risk, decision: answer.output.decision, jobId: answer.jobId };
  };

  it('iris-kserve and fraud: the printed curls answer in B\'s contract, shaped by their mappings', { skip: !hasCurl && 'no curl' }, async () => {
    assert.deepEqual(JSON.parse(await sh(local.curls['iris-kserve'] ?? 'false')), { userTag: 'b-42', result: kserveResult() });
    const fraud = JSON.parse(await sh(local.curls.fraud ?? 'false')) as { result: { decision: string } };
    assert.deepEqual(fraud, { userTag: 'b-42', result: fraudResult() });
    assert.equal(fraud.result.decision, 'review', 'a large card-not-present payment from a high-risk country');
  });

  it('the ensemble, the variant and explain curls answer as printed', { skip: !hasCurl && 'no curl' }, async () => {
    const [ensemble, variant, explained] = await Promise.all(local.moreCurls.map((curl) => sh(curl)));
    const irisAnswer = await demoAnswer('iris', DEMO_EXAMPLES.iris);
    const kserveOne = kserveAnswer([[...DEMO_EXAMPLES.iris.instances[0]]]) as { outputs: [{ data: number[]; shape: number[] }] };
    assert.deepEqual(JSON.parse(ensemble ?? ''), {
      userTag: 'b-42',
      result: { iris: irisAnswer, 'iris-kserve': { probabilities: kserveOne.outputs[0].data, shape: [1, 3], classes: ['setosa', 'versicolor', 'virginica'] } },
      partial: false,
      errors: {},
    });
    assert.deepEqual(JSON.parse(variant ?? ''), { userTag: 'b-42', result: irisAnswer }, 'iris\'s variant green: the same service');
    const explanation = JSON.parse(explained ?? '') as { result: { model: string; body: unknown } };
    assert.equal(explanation.result.model, 'iris-kserve');
    assert.deepEqual(explanation.result.body, { inputs: [{ name: 'input-0', shape: [2, 4], datatype: 'FP32', data: DEMO_EXAMPLES['iris-kserve'].instances.flat() }] });
  });

  it('fraud: a job the service reports FAILED in a 200 is B\'s 502 (errorWhen); B\'s missing field is its 400', async () => {
    const failed = await postJson(`${local.url}/v1/models/fraud/predict`, { userTag: 'b-42', data: { transaction: { amount: -1, country: 'NZ', card_present: true } } });
    assert.equal(failed.status, 502);
    assert.equal((failed.json() as { error: { code: string } }).error.code, 'UPSTREAM_ERROR');
    const missing = await postJson(`${local.url}/v1/models/fraud/predict`, { userTag: 'b-42', data: {} });
    assert.equal(missing.status, 400);
    assert.match((missing.json() as { error: { message: string } }).error.message, /data\.transaction is required/);
  });

  for (const name of ['iris', 'churn'] as const) {
    it(`${name}: the printed curl answers {"userTag":"b-42","result": <what the model answers>}`, { skip: !hasCurl && 'no curl' }, async () => {
      const out = await sh(local.curls[name] ?? 'false');
      assert.ok(out.startsWith('{"userTag":"b-42","result":'), out);
      const body = JSON.parse(out) as { userTag: string; result: unknown };
      assert.deepEqual(Object.keys(body), ['userTag', 'result']);
      assert.deepEqual(body.result, await demoAnswer(name, DEMO_EXAMPLES[name]));
    });

    it(`${name}: the same request answers 200 with JSON`, async () => {
      const res = await postJson(`${local.url}/v1/models/${name}/predict`, { userTag: 'b-42', data: DEMO_EXAMPLES[name] });
      assert.equal(res.status, 200);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      assert.deepEqual(res.json(), { userTag: 'b-42', result: await demoAnswer(name, DEMO_EXAMPLES[name]) });
    });
  }

  it('computes the result from the input: another flower, another answer', async () => {
    const data = { instances: [[6.3, 3.3, 6.0, 2.5], [5.7, 2.8, 4.1, 1.3]] };
    const res = await postJson(`${local.url}/v1/models/iris/predict`, { userTag: 'x', data });
    assert.equal(res.status, 200);
    const result = (res.json() as { result: { predictions: number[][] } }).result;
    assert.deepEqual(result, await demoAnswer('iris', data));
    assert.notDeepEqual(result, await demoAnswer('iris', DEMO_EXAMPLES.iris));
  });

  it('echoes a userTag exactly, combining marks and astral characters included', async () => {
    const userTag = 'b-42 e\u0301 \u{1F600} "q"';
    const res = await postJson(`${local.url}/v1/models/churn/predict`, { userTag, data: DEMO_EXAMPLES.churn });
    assert.equal(res.status, 200);
    assert.equal((res.json() as { userTag: string }).userTag, userTag);
  });

  it('GET /v1/models lists the configured models, their variants and the ensembles', async () => {
    const res = await send(`${local.url}/v1/models`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { models: ['churn', 'fraud', 'iris', 'iris-kserve'], variants: { iris: ['green'] }, ensembles: ['iris-all'] });
  });

  it("answers the soak's requests as the soak expects, for every kind that needs no fault model", async () => {
    // The soak (npm run soak) judges each answer by its own idea of the contract; this keeps
    // that idea in step with the adapter, without the minute of load.
    const faultModel = /^\/v1\/models\/(slow|broken|garbage|oversized|rejecting|throttled|resetting|redirecting|stale|refused|metadata)\//;
    const kinds = KINDS.filter((kind) => !faultModel.test(kind.path) && kind.name !== 'too-large');
    assert.ok(kinds.length >= 15);
    assert.deepEqual(Object.keys(FAULTS).filter((name) => !faultModel.test(`/v1/models/${name}/`)), [], 'every fault model is left out');
    for (const kind of kinds) {
      const res = await send(`${local.url}${kind.path}`, { method: kind.method, headers: kind.headers, body: kind.body });
      const verdict = judge(kind, res.status, res.text, res.headers);
      assert.deepEqual(verdict, { outcome: kind.expected }, kind.name);
    }
  });

  it('lets the handler answer unknown routes, methods and models in the contract shape', async () => {
    const route = await send(`${local.url}/v2/whatever`, { method: 'POST' });
    assert.equal(route.status, 404);
    assert.equal((route.json() as { error: { code: string } }).error.code, 'NOT_FOUND');
    const method = await send(`${local.url}/v1/models/iris/predict`);
    assert.equal(method.status, 405);
    const model = await postJson(`${local.url}/v1/models/nope/predict`, { userTag: 't', data: {} });
    assert.equal(model.status, 404);
    const body = model.json() as { userTag: string; error: { code: string; requestId: string } };
    assert.equal(body.error.code, 'UNKNOWN_MODEL');
    assert.equal(body.error.requestId, model.headers['x-amzn-requestid'], 'the handler reports API Gateway’s request id');
  });

  it('hands the handler bytes that are not UTF-8 as base64, which it rejects as INVALID_JSON', async () => {
    const res = await send(`${local.url}/v1/models/iris/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.concat([Buffer.from('{"userTag":"'), Buffer.from([0xff]), Buffer.from('","data":{}}')]),
    });
    assert.equal(res.status, 400);
    assert.equal((res.json() as { error: { code: string } }).error.code, 'INVALID_JSON');
  });

  it('answers 413 over 10 MB in the contract shape', async () => {
    const res = await send(`${local.url}/v1/models/iris/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.alloc(10 * 1024 * 1024 + 1, 0x20),
    });
    assert.equal(res.status, 413);
    assert.deepEqual((res.json() as { userTag: unknown; error: { code: string } }).userTag, null);
    assert.equal((res.json() as { error: { code: string } }).error.code, 'PAYLOAD_TOO_LARGE');
  });

  it('picks up an edit of the parameters file within the TTL, without a restart', async () => {
    const url = local.url;
    const churnData = { userTag: 'b-42', data: DEMO_EXAMPLES.churn };
    const before = await postJson(`${url}/v1/models/iris/predict`, churnData);
    assert.equal(before.status, 422, 'the iris demo rejects churn features');

    const original = readParametersFile(parametersFile);
    writeParametersFile(parametersFile, { ...original, [endpointParameter(prefix, 'iris')]: demo.churn?.url ?? '' });
    const edited = Date.now();
    try {
      let res = before;
      while (Date.now() - edited < TTL_SECONDS * 1000 + 3000) {
        res = await postJson(`${url}/v1/models/iris/predict`, churnData);
        if (res.status === 200) break;
        await sleep(100);
      }
      const took = Date.now() - edited;
      assert.equal(res.status, 200, `iris still answers ${res.status} ${took} ms after the edit`);
      assert.deepEqual(res.json(), { userTag: 'b-42', result: await demoAnswer('churn', DEMO_EXAMPLES.churn) });
      assert.ok(took <= TTL_SECONDS * 1000 + 1000, `picked up after ${took} ms, TTL ${TTL_SECONDS} s`);
      assert.equal(local.url, url);
    } finally {
      writeParametersFile(parametersFile, original);
    }
  });

  it('keeps serving its last good values while the file is half-written', async () => {
    // Back to the original file, as the previous test left it.
    const irisBody = { userTag: 'b-42', data: DEMO_EXAMPLES.iris };
    const deadline = Date.now() + TTL_SECONDS * 1000 + 3000;
    while ((await postJson(`${local.url}/v1/models/iris/predict`, irisBody)).status !== 200) {
      assert.ok(Date.now() < deadline, 'iris is back on its own service');
      await sleep(100);
    }
    const good = readFileSync(parametersFile, 'utf8');
    writeFileSync(parametersFile, good.slice(0, good.length / 2));
    const callsBefore = (local.ssm as SsmServer).calls.length;
    try {
      await sleep(TTL_SECONDS * 1000 + 300);
      for (let i = 0; i < 3; i++) {
        const res = await postJson(`${local.url}/v1/models/iris/predict`, irisBody);
        assert.equal(res.status, 200, `attempt ${i}: ${res.text}`);
        assert.deepEqual((res.json() as { result: unknown }).result, await demoAnswer('iris', DEMO_EXAMPLES.iris));
        await sleep(300);
      }
      assert.ok((local.ssm as SsmServer).calls.length > callsBefore, 'the handler asked SSM again');
      const ssmAnswer = await fetch(local.ssmUrl, {
        method: 'POST',
        headers: { 'x-amz-target': 'AmazonSSM.GetParametersByPath', 'content-type': 'application/x-amz-json-1.1' },
        body: JSON.stringify({ Path: prefix, Recursive: true }),
      });
      assert.equal(ssmAnswer.status, 500, 'meanwhile the SSM endpoint fails');
      await ssmAnswer.arrayBuffer();
    } finally {
      writeFileSync(parametersFile, good);
    }
  });
});
