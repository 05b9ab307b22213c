// `npm run models -- validate|explain` (scripts/models.ts): offline checks of model configs and
// the body a model would receive, with the adapter's own code.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { defaultDemoParameters } from '../../local/demo-parameters.ts';
import { explainOffline, main, validateFile } from '../../scripts/models.ts';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'models-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, json: unknown): string => {
  const path = join(dir, name);
  writeFileSync(path, typeof json === 'string' ? json : JSON.stringify(json));
  return path;
};
// The demo parameters as local/demo-parameters.ts writes them (what local/parameters.json is
// committed as), never the file itself: local/README tells users to edit it.
const demoText = `${JSON.stringify(defaultDemoParameters(), null, 2)}\n`;
const demoFile = file('parameters.json', demoText);
const golden = JSON.parse(readFileSync(new URL('../fixtures/golden/iris-kserve.json', import.meta.url), 'utf8')) as {
  cases: { request: unknown; modelRequest: unknown; modelAnswer: unknown; response: unknown }[];
};

describe('models validate', () => {
  test('the demo parameters (local/parameters.json as committed): every config and the ensemble are valid', () => {
    const report = validateFile('local/parameters.json', demoText);
    assert.equal(report.ok, true, report.lines.join('\n'));
    assert.equal(report.lines.length, 4);
    assert.ok(report.lines.every((line) => /^ok {4}\/contract-adapter\/local\/(models\/[\w-]+\/config|ensembles\/iris-all) \(hash [0-9a-f]{12}\)$/.test(line)), report.lines.join('\n'));
  });

  test('a single config document, model or ensemble, with the full reason when refused', () => {
    assert.deepEqual(validateFile('m.json', '{"request": "{a: data.b}"}').ok, true);
    assert.deepEqual(validateFile('m.json', '{"request": "{a: "}').lines, ['FAIL  m.json: expression: /request syntax error at column 4']);
    assert.deepEqual(validateFile('e.json', '{"members": ["a"], "policy": "quorum:2", "deadlineMs": 5}').lines, ['FAIL  e.json: schema: /policy needs more members than the ensemble has']);
    assert.match(validateFile('x.json', '{"request":').lines[0] ?? '', /^FAIL {2}x\.json: not JSON \(/);
  });

  test('a parameters file: TLS material named but missing, unusable endpoints, ensemble members without a model', () => {
    const report = validateFile('p.json', JSON.stringify({
      '/p/models/a/endpoint': 'https://a.internal/',
      '/p/models/a/config': { tls: { ca: 'tls/ca' } },
      '/p/models/b/endpoint': 'ftp://b/',
      '/p/models/a/variants/v/endpoint': 'not a url',
      '/p/ensembles/e': { members: ['a', 'ghost'], policy: 'any', deadlineMs: 100 },
    }));
    assert.equal(report.ok, false);
    assert.deepEqual(report.lines.filter((l) => l.startsWith('FAIL')).sort(), [
      'FAIL  /p/ensembles/e: member ghost has no /p/models/ghost/endpoint',
      'FAIL  /p/models/a/config: tls: the ca parameter is missing or empty',
      'FAIL  /p/models/a/variants/v/endpoint: not-a-url',
      'FAIL  /p/models/b/endpoint: scheme',
    ]);
  });
});

describe('models explain', () => {
  test('renders the golden fixture: B\'s request -> the model request, the model answer -> B\'s response', () => {
    const [c] = golden.cases;
    const result = explainOffline({ model: 'iris-kserve', envelope: JSON.stringify(c?.request), source: { parameters: demoText }, answer: JSON.stringify(c?.modelAnswer) });
    assert.ok(result.ok, result.text);
    const explained = JSON.parse(result.text) as { body: unknown; response: unknown; variant: unknown };
    assert.deepEqual(explained.body, c?.modelRequest);
    assert.deepEqual(explained.response, c?.response);
    assert.equal(explained.variant, null);
  });

  test('keeps numbers exactly, takes one config file, and names what fails', () => {
    const config = file('c.json', { request: { expression: '{id: data.id}', required: ['data.id'] }, errorWhen: "status == 'FAILED'" });
    const out: string[] = [];
    assert.equal(main(['explain', 'm', '{"userTag":"t","data":{"id":12345678901234567890}}', '--config', config], (l) => out.push(l)), 0);
    assert.match(out.join('\n'), /"id": 12345678901234567890/);
    out.length = 0;
    assert.equal(main(['explain', 'm', '{"userTag":"t","data":{}}', '--config', config], (l) => out.push(l)), 1);
    assert.deepEqual(out, ["400 INVALID_REQUEST: The request envelope is invalid. data.id is required by this model's request mapping."]);
    const failed = explainOffline({ model: 'm', envelope: '{"userTag":"t","data":{"id":1}}', source: { config: readFileSync(config, 'utf8') }, answer: '{"status":"FAILED"}' });
    assert.deepEqual(JSON.parse(failed.text).response, { status: 502, code: 'UPSTREAM_ERROR', cause: 'ErrorWhenMatched' });
    const refused = explainOffline({ model: 'm', envelope: '{"userTag":"t","data":{}}', source: { config: '{"timeoutMs": 0}' } });
    assert.deepEqual(refused, { ok: false, text: 'the config is refused: schema: /timeoutMs must be >= 1' });
  });

  test('npm run models is the script: exit codes 0, 1 and 2 (usage)', async () => {
    const ok = await run(process.execPath, ['scripts/models.ts', 'validate', demoFile], { cwd: root });
    assert.match(ok.stdout, /^ok {4}\/contract-adapter\/local\/models\/churn\/config/m);
    const bad = file('bad.json', { timeoutMs: 'soon' });
    await assert.rejects(run(process.execPath, ['scripts/models.ts', 'validate', bad], { cwd: root }), (error: { code?: number; stdout?: string }) => {
      assert.equal(error.code, 1);
      assert.match(error.stdout ?? '', /FAIL {2}.*bad\.json: schema: \/timeoutMs must be integer/);
      return true;
    });
    await assert.rejects(run(process.execPath, ['scripts/models.ts', 'frobnicate'], { cwd: root }), (error: { code?: number; stdout?: string }) => error.code === 2 && /usage:/.test(error.stdout ?? ''));
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    assert.equal(pkg.scripts.models, 'node scripts/models.ts');
  });

  test('validate refuses, at once and naming the limit, an expression that would never finish if it were evaluated to compile it', async () => {
    // Two equal values of 2^40 elements compared: the old compile (evaluating against null) hung here.
    const chain = `\`1\`${' | [@,@]'.repeat(40)}`;
    const heavy = file('heavy.json', { errorWhen: `[${chain}, ${chain}] | @[0] == @[1]` });
    await assert.rejects(run(process.execPath, ['scripts/models.ts', 'validate', heavy], { cwd: root, timeout: 60_000 }), (error: { code?: number; stdout?: string }) => {
      assert.equal(error.code, 1);
      assert.match(error.stdout ?? '', /FAIL {2}.*heavy\.json: expression: \/errorWhen could build more than 1048576 copies of its input/);
      return true;
    });
    const long = validateFile('long.json', JSON.stringify({ response: `{a: response.a${' || response.a'.repeat(200)}}` }));
    assert.deepEqual(long.lines, ['FAIL  long.json: expression: /response is longer than 2048 characters']);
  });
});
