// `npm run models -- onboard` against loopback servers that answer what MLServer, KServe V1 and
// V2 and MLflow answered (test/fixtures/model-servers/) and the TF-Serving-style demo, and
// `npm run models -- probe` against a server that answers right and one that answers wrong.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { stringify as toYaml } from 'yaml';
import { parseModelConfig } from '../../lambda/config/model-config.ts';
import { startIrisModel } from '../../local/demo-models.ts';
import { startSsmServer } from '../../local/ssm-server.ts';
import { mainAsync } from '../../scripts/models.ts';
import { onboard, type Fixtures } from '../../scripts/models/onboard.ts';
import { probe } from '../../scripts/models/probe.ts';
import { startModelServer, type ModelServer } from '../support/model-server.ts';
import { exchange, recordedServer, recording, replay } from '../support/recorded-servers.ts';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'onboard-'));
const servers: { close(): Promise<void> }[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});
const started = async (behaviour: Parameters<typeof startModelServer>[0]): Promise<ModelServer> => {
  const server = await startModelServer(behaviour);
  servers.push(server);
  return server;
};
const env = { UPSTREAM_ALLOWLIST: '' };

const mlserver = await started(recordedServer('mlserver.json', 'v2 predict 1 row'));
const kserve = await started(recordedServer('kserve.json', 'v2 predict 1 row'));
const kserveV1 = await started(recordedServer('kserve.json', 'v1 predict 1 row'));
const mlflow = await started(recordedServer('mlflow.json', 'dataframe_split 1 row'));
const tf = await startIrisModel({ port: 0 });
servers.push(tf);

describe('onboard', () => {
  test('MLServer: its metadata lists no inputs, so it stops and says to give --features', async () => {
    const result = await onboard({ model: 'iris-mls', endpoint: `${mlserver.url}/v2/models/iris/infer`, protocol: 'auto', out: dir, env });
    assert.equal(result.ok, false);
    assert.match(result.lines.at(-1) ?? '', /^onboard: \/v2\/models\/iris lists no inputs \(MLServer's sklearn runtime lists none unless the model's settings declare them\): give the row width with --features N$/);
  });

  test('MLServer with --features: the mlserver preset, FP64 rows of 4, fixtures that pass through the handler', async () => {
    const result = await onboard({ model: 'iris-mls', endpoint: `${mlserver.url}/v2/models/iris/infer`, protocol: 'auto', features: 4, out: dir, env });
    assert.equal(result.ok, true, result.lines.join('\n'));
    assert.deepEqual(result.config?.errors, { preset: 'mlserver' });
    assert.equal((result.config?.request as { expression: string }).expression, "{inputs: [{name: 'input-0', shape: [length(data.instances), `4`], datatype: 'FP64', data: data.instances[]}]}");
    assert.ok(result.lines.some((l) => l.includes('read     server: GET /v2 -> 200 mlserver 1.7.0.dev0')));
    assert.ok(result.lines.some((l) => l.includes('assumed  input name input-0, datatype FP64 (the default: JSON numbers are doubles), 4 features (--features)')));
    assert.ok(result.lines.some((l) => l.includes('predict_proba')), 'says what the sklearn runtime answers');
    const config = readFileSync(join(dir, 'iris-mls.config.json'), 'utf8');
    assert.equal(parseModelConfig(config).ok, true);
    assert.equal(readFileSync(join(dir, 'iris-mls.endpoint.txt'), 'utf8'), `${mlserver.url}/v2/models/iris/infer\n`);
    const fixtures = JSON.parse(readFileSync(join(dir, 'fixtures', 'iris-mls.json'), 'utf8')) as Fixtures;
    assert.deepEqual(fixtures.cases.map((c) => c.status), [200, 400, 400]);
    const recorded = exchange('mlserver.json', 'v2 predict 1 row').response.body as { outputs: { data: unknown; shape: unknown }[] };
    assert.deepEqual(fixtures.cases[0]?.response, { userTag: 'fixture-1', result: { predictions: recorded.outputs[0]?.data, shape: recorded.outputs[0]?.shape } });
    assert.deepEqual(fixtures.cases[0]?.modelRequest, { inputs: [{ name: 'input-0', shape: [1, 4], datatype: 'FP64', data: [0, 0, 0, 0] }] });
    assert.equal(fixtures.cases[1]?.error?.message, 'The request envelope is invalid. data.instances[0] must have 4 items.');
  });

  test('KServe V2: the kserve-v2 preset; its metadata lists no inputs either', async () => {
    const refused = await onboard({ model: 'iris-ks', endpoint: `${kserve.url}/v2/models/iris/infer`, protocol: 'auto', out: dir, env, dryRun: true });
    assert.match(refused.lines.at(-1) ?? '', /lists no inputs \(the server lists none for this model\): give the row width with --features N$/);
    const result = await onboard({ model: 'iris-ks', endpoint: `${kserve.url}/v2/models/iris/infer`, protocol: 'auto', features: 4, datatype: 'FP32', out: dir, env, dryRun: true });
    assert.equal(result.ok, true, result.lines.join('\n'));
    assert.deepEqual(result.config?.errors, { preset: 'kserve-v2' });
    assert.match((result.config?.request as { expression: string }).expression, /datatype: 'FP32'/);
    assert.ok(result.lines.some((l) => l.startsWith('  dry run: nothing written')));
  });

  test('KServe V1: not TF Serving (no /metadata), the V1 model route, --features needed', async () => {
    const refused = await onboard({ model: 'iris-v1', endpoint: `${kserveV1.url}/v1/models/iris:predict`, protocol: 'auto', out: dir, env });
    assert.match(refused.lines.at(-1) ?? '', /KServe V1 has no input metadata: give the row width with --features N$/);
    const result = await onboard({ model: 'iris-v1', endpoint: `${kserveV1.url}/v1/models/iris:predict`, protocol: 'auto', features: 4, out: dir, env });
    assert.equal(result.ok, true, result.lines.join('\n'));
    assert.deepEqual(result.config?.errors, { preset: 'kserve-v1' });
    assert.deepEqual(result.config?.request, { expression: '{instances: data.instances}', required: ['data.instances'] });
    assert.equal(result.config?.response, undefined, 'the answer reaches B as it is');
    assert.deepEqual(result.fixtures?.cases[0]?.response, { userTag: 'fixture-1', result: exchange('kserve.json', 'v1 predict 1 row').response.body });
  });

  test('MLflow: no metadata route, so the signature comes from the MLmodel file; its columns become a dataframe_split', async () => {
    const refused = await onboard({ model: 'iris-mlflow', endpoint: `${mlflow.url}/invocations`, protocol: 'auto', out: dir, env });
    assert.match(refused.lines.at(-1) ?? '', /does not say what the model takes: give the model's MLmodel file with --mlmodel$/);
    const signature = recording('mlflow.json').signature as { inputs: unknown; outputs: unknown };
    const mlmodel = join(dir, 'MLmodel');
    writeFileSync(mlmodel, toYaml({ flavors: { python_function: {} }, signature: { inputs: JSON.stringify(signature.inputs), outputs: JSON.stringify(signature.outputs), params: null } }));
    const result = await onboard({ model: 'iris-mlflow', endpoint: `${mlflow.url}/invocations`, protocol: 'auto', mlmodel, out: dir, env });
    assert.equal(result.ok, true, result.lines.join('\n'));
    assert.deepEqual(result.config?.request, {
      expression: "{dataframe_split: {columns: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'], data: data.instances}}",
      required: ['data.instances'],
    });
    assert.deepEqual(result.config?.errors, { preset: 'mlflow' });
    assert.deepEqual(result.fixtures?.cases[0]?.modelRequest, { dataframe_split: { columns: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'], data: [[0, 0, 0, 0]] } });
  });

  test('TF Serving: the signature from /v1/models/{name}/metadata', async () => {
    const result = await onboard({ model: 'iris-tf', endpoint: tf.url, protocol: 'auto', out: dir, env, dryRun: true });
    assert.equal(result.ok, true, result.lines.join('\n'));
    assert.deepEqual(result.config?.errors, { preset: 'tf-serving' });
    assert.ok(result.lines.includes('  read     input: instances DT_FLOAT [-1,4]'));
  });

  test('the handler\'s endpoint and allowlist checks: a refused URL reads nothing; a refused address opens no socket', async () => {
    const before = mlserver.received.length;
    const listed = await onboard({ model: 'm', endpoint: `${mlserver.url}/v2/models/iris/infer`, protocol: 'auto', features: 4, out: dir, env: { UPSTREAM_ALLOWLIST: 'models.internal' } });
    assert.equal(listed.lines.at(-1), 'onboard: the endpoint is refused as the handler would refuse it: host-not-allowed');
    const metadata = await onboard({ model: 'm', endpoint: 'http://169.254.169.254/v2/models/iris/infer', protocol: 'auto', out: dir, env });
    assert.equal(metadata.lines.at(-1), 'onboard: the endpoint is refused as the handler would refuse it: host-not-allowed');
    const named = await onboard({ model: 'm', endpoint: `http://localhost:${mlserver.port}/v2/models/iris/infer`, protocol: 'auto', features: 4, out: dir, env: { UPSTREAM_ALLOWLIST: '10.0.0.0/8' } });
    assert.match(named.lines.at(-1) ?? '', /^onboard: the server could not be read \(/);
    assert.equal(mlserver.received.length, before, 'nothing reached the server');
    const userinfo = await onboard({ model: 'm', endpoint: `http://a@127.0.0.1:${mlserver.port}/x`, protocol: 'auto', out: dir, env });
    assert.equal(userinfo.lines.at(-1), 'onboard: the endpoint is refused as the handler would refuse it: userinfo');
  });

  test('--put writes both parameters through the SDK (a loopback SSM endpoint as AWS_ENDPOINT_URL_SSM), and probe reads them back from SSM', async () => {
    const stored: Record<string, string> = {};
    const ssm = await startSsmServer({ parameters: () => stored });
    servers.push(ssm);
    Object.assign(process.env, { AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_SSM: ssm.url, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
    const out = join(dir, 'put');
    const result = await onboard({ model: 'iris-put', endpoint: `${mlserver.url}/v2/models/iris/infer`, protocol: 'auto', features: 4, out, env, put: true, prefix: '/team/prod' });
    assert.equal(result.ok, true, result.lines.join('\n'));
    assert.deepEqual(result.lines.filter((l) => l.startsWith('  put')), ['  put      /team/prod/models/iris-put/endpoint', '  put      /team/prod/models/iris-put/config']);
    assert.deepEqual(ssm.calls.filter((c) => c === 'PutParameter').length, 2);
    const fixtures = JSON.parse(readFileSync(join(out, 'fixtures', 'iris-put.json'), 'utf8')) as Fixtures;
    const probed = await probe({ model: 'iris-put', fixtures, prefix: '/team/prod', env });
    assert.equal(probed.ok, true, probed.lines.join('\n'));
    assert.ok(ssm.calls.includes('GetParametersByPath'));
    const noPrefix = await onboard({ model: 'iris-put', endpoint: `${mlserver.url}/v2/models/iris/infer`, protocol: 'auto', features: 4, out, env: { ...env, PARAMETER_PREFIX: '' }, put: true });
    assert.equal(noPrefix.lines.at(-1), 'onboard: --put needs the SSM prefix: --prefix /contract-adapter/prod, or PARAMETER_PREFIX');
  });
});

const out = join(dir, 'probe');
const rightServer = await started(recordedServer('mlserver.json', 'v2 predict 1 row'));
const onboarded = await onboard({ model: 'iris-probe', endpoint: `${rightServer.url}/v2/models/iris/infer`, protocol: 'auto', features: 4, out, env });
const fixturesFile = join(out, 'fixtures', 'iris-probe.json');
const fixtures = JSON.parse(readFileSync(fixturesFile, 'utf8')) as Fixtures;
const parametersFor = (url: string, config = readFileSync(join(out, 'iris-probe.config.json'), 'utf8')) => {
  const file = join(out, `parameters-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ '/team/prod/models/iris-probe/endpoint': `${url}/v2/models/iris/infer\n`, '/team/prod/models/iris-probe/config': config }));
  return file;
};

describe('probe', () => {
  test('a server that answers right: every fixture passes, with its latency; the endpoint\'s trailing newline is trimmed', async () => {
    assert.equal(onboarded.ok, true, onboarded.lines.join('\n'));
    const lines: string[] = [];
    const code = await mainAsync(['probe', 'iris-probe', '--fixtures', fixturesFile, '--parameters', parametersFor(rightServer.url)], (l) => lines.push(l));
    assert.equal(code, 0, lines.join('\n'));
    assert.equal(lines[0], 'probe iris-probe (/team/prod, 3 fixtures)');
    assert.match(lines[1] ?? '', /^ {2}pass {2}200 +\d+\.\d ms {2}the example$/);
    assert.match(lines[2] ?? '', /^ {2}pass {2}400 +\d+\.\d ms {2}a row of 5: B's 400 names the field, the model is not called$/);
    assert.equal(lines.at(-1), '3 passed, 0 failed');
  });

  test('a server that answers wrong: the mismatch is named, and the CLI exits 1', async () => {
    const wrongServer = await started(recordedServer('mlserver.json', 'v2 predict 1 row FP64'));
    const file = parametersFor(wrongServer.url);
    const result = await probe({ model: 'iris-probe', fixtures, parameters: readFileSync(file, 'utf8'), env });
    assert.equal(result.ok, false);
    assert.deepEqual(result.cases.map((c) => c.pass), [false, true, true]);
    assert.match(result.cases[0]?.why ?? '', /^expected \{"userTag":"fixture-1","result":\{"predictions":\[0\.98155720506/);
    await assert.rejects(run(process.execPath, ['scripts/models.ts', 'probe', 'iris-probe', '--fixtures', fixturesFile, '--parameters', file], { cwd: root }), (error: { code?: number; stdout?: string }) => {
      assert.equal(error.code, 1);
      assert.match(error.stdout ?? '', /^ {2}FAIL {2}200 .* the example$/m);
      assert.match(error.stdout ?? '', /^2 passed, 1 failed$/m);
      return true;
    });
  });

  test('a server that now refuses the example, a changed mapping, a refused config: each a failure', async () => {
    const refusing = await started(replay(exchange('mlserver.json', 'v2 bad: 5 features')));
    const refused = await probe({ model: 'iris-probe', fixtures, parameters: readFileSync(parametersFor(refusing.url), 'utf8'), env });
    assert.equal(refused.cases[0]?.why, 'expected 200, got 502 UPSTREAM_ERROR');
    const config = JSON.parse(readFileSync(join(out, 'iris-probe.config.json'), 'utf8')) as { request: { expression: string } };
    config.request.expression = config.request.expression.replace("'FP64'", "'FP32'");
    const changed = await probe({ model: 'iris-probe', fixtures, parameters: readFileSync(parametersFor(rightServer.url, JSON.stringify(config)), 'utf8'), env });
    assert.match(changed.cases[0]?.why ?? '', /^the model would receive \{"inputs":\[\{"name":"input-0","shape":\[1,4\],"datatype":"FP32"/);
    const broken = await probe({ model: 'iris-probe', fixtures, parameters: readFileSync(parametersFor(rightServer.url, '{"timeoutMs": 0}'), 'utf8'), env });
    assert.equal(broken.ok, false);
    assert.equal(broken.lines[0], 'probe: /team/prod/models/iris-probe/config is refused: schema: /timeoutMs must be >= 1');
    assert.equal(broken.cases[0]?.why, 'expected 200, got 503 CONFIG_UNAVAILABLE');
  });

  test('the allowlist applies: an endpoint outside UPSTREAM_ALLOWLIST is 503 and opens no socket', async () => {
    const before = rightServer.received.length;
    const result = await probe({ model: 'iris-probe', fixtures, parameters: readFileSync(parametersFor(rightServer.url), 'utf8'), env: { UPSTREAM_ALLOWLIST: '10.0.0.0/8' } });
    assert.equal(result.cases[0]?.why, 'expected 200, got 503 CONFIG_UNAVAILABLE');
    assert.equal(rightServer.received.length, before);
  });
});

test('the loopback stand-ins answer what was recorded', async () => {
  const res = await fetch(`${mlserver.url}/v2/models/iris`);
  assert.deepEqual(await res.json(), exchange('mlserver.json', 'v2 model metadata').response.body);
});
