// The commands the docs print run as printed, against local mode (startLocal, as `npm start`
// wires it): local/README's "Try it" curls with the answers written under them, its offline
// `npm run models -- explain` example, README's first curls and docs/deploy.md's examples of
// how B calls the API. Never with local/parameters.json: the demo parameters are generated.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { DEMO_EXAMPLES, EPHEMERAL_DEMO_PORTS } from '../../local/demo-models.ts';
import { defaultDemoParameters } from '../../local/demo-parameters.ts';
import { startLocal, type LocalMode } from '../../local/start.ts';
import { captureLogs } from '../support/catalogue.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const doc = (path: string): string => readFileSync(join(root, path), 'utf8');
let hasCurl = true;
try {
  await run('curl', ['--version']);
} catch {
  hasCurl = false;
}
const sh = async (command: string, env: Record<string, string> = {}): Promise<string> =>
  (await run('sh', ['-c', command], { cwd: root, env: { ...process.env, ...env } })).stdout;

/** The ```sh blocks of the section under `heading` (a `## ` one), continuation lines joined. */
function shellBlocks(markdown: string, heading: string): string[][] {
  const start = markdown.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `no section ${heading}`);
  const next = markdown.slice(start + heading.length + 2).search(/^## /m);
  const section = markdown.slice(start, next < 0 ? undefined : start + heading.length + 2 + next);
  return [...section.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => (m[1] ?? '').replaceAll('\\\n', ' ').split('\n').filter((line) => line.trim() !== ''));
}

/** An answer as a doc writes it, `…` standing for anything. */
const answerPattern = (written: string): RegExp =>
  new RegExp(`^${written.split('…').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*?')}$`);

describe('the docs\' examples against local mode', { skip: !hasCurl && 'no curl' }, () => {
  // The handler's request lines are kept back rather than printed among the test results.
  captureLogs();
  const dir = mkdtempSync(join(tmpdir(), 'doc-examples-'));
  let local: LocalMode;
  before(async () => {
    local = await startLocal({ port: 0, demoPorts: EPHEMERAL_DEMO_PORTS, parametersFile: join(dir, 'parameters.json') });
  });
  after(async () => {
    await local?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('local/README "Try it": the commands npm start prints, in order, each answering what is written under it', async () => {
    const [block] = shellBlocks(doc('local/README.md'), '## Try it');
    assert.ok(block);
    const examples: { curl: string; answer?: string }[] = [];
    for (const line of block) {
      if (line.startsWith('curl ')) examples.push({ curl: line.replaceAll('http://127.0.0.1:3000', local.url) });
      else if (line.startsWith('# ') && examples.at(-1) && examples.at(-1)?.answer === undefined) (examples.at(-1) as { answer?: string }).answer = line.slice(2);
    }
    assert.deepEqual(
      examples.map((e) => e.curl),
      [...Object.values(local.curls), ...local.moreCurls, `curl -s ${local.url}/v1/models`],
      'the README lists what the banner prints',
    );
    for (const { curl, answer } of examples) {
      assert.ok(answer, `an answer under ${curl}`);
      const out = await sh(curl);
      assert.match(out.trim(), answerPattern(answer), curl);
    }
  });

  it("README's first curls (localhost:3000) answer what it shows", async () => {
    const readme = doc('README.md');
    const pairs = [...readme.matchAll(/^```sh\n(curl -s localhost:3000[\s\S]*?)^```\n```json\n(.*)\n```$/gm)];
    assert.equal(pairs.length, 2);
    for (const [, command, answer] of pairs) {
      const curl = (command ?? '').replaceAll('\\\n', ' ').replaceAll('localhost:3000', local.url.replace('http://', ''));
      assert.equal((await sh(curl)).trim(), answer, curl);
    }
  });

  it("docs/deploy.md's calls by B: the demos' real shapes and names, answered as predict and the ensemble answer", async () => {
    const [block] = shellBlocks(doc('docs/deploy.md'), '## How B calls the API');
    assert.ok(block);
    const env = { API_URL: `${local.url}/`, API_KEY: 'any' };
    const answers: Record<string, unknown> = {};
    for (const command of block) {
      assert.match(command, /-H "x-api-key: \$API_KEY"/, 'every call sends the key');
      const path = /"\$\{API_URL\}(\S+)"/.exec(command)?.[1] ?? '';
      const data = /-d '([^']*)'/.exec(command)?.[1];
      if (data !== undefined) assert.deepEqual((JSON.parse(data) as { data: unknown }).data, DEMO_EXAMPLES.iris, `${path}: iris's own request shape`);
      answers[path] = JSON.parse(await sh(command, env));
    }
    assert.deepEqual(Object.keys(answers), ['v1/models', 'v1/models/iris/predict', 'v1/ensembles/iris-all/predict']);
    assert.ok((answers['v1/models'] as { ensembles: string[] }).ensembles.includes('iris-all'));
    assert.deepEqual(Object.keys((answers['v1/models/iris/predict'] as { result: object }).result), ['predictions']);
    const ensemble = answers['v1/ensembles/iris-all/predict'] as { userTag: string; result: Record<string, unknown>; partial: boolean };
    assert.equal(ensemble.userTag, 'order-43');
    assert.deepEqual(Object.keys(ensemble.result).sort(), ['iris', 'iris-kserve']);
    assert.equal(ensemble.partial, false);
  });
});

describe("local/README's offline explain example", () => {
  it('runs as written (with the demo parameters instead of whatever local/parameters.json holds now)', async () => {
    const command = /`(npm run models -- explain [^`]+)`/.exec(doc('local/README.md'))?.[1];
    assert.ok(command, 'the example is in local/README');
    const dir = mkdtempSync(join(tmpdir(), 'doc-explain-'));
    try {
      const parameters = join(dir, 'parameters.json');
      writeFileSync(parameters, JSON.stringify(defaultDemoParameters()));
      const out = await sh(`${command} --parameters '${parameters}'`);
      // npm prints its own header first; the explanation is the JSON after it.
      const explained = JSON.parse(out.slice(out.indexOf('\n{') + 1)) as { model: string; body: unknown };
      const envelope = JSON.parse(/'(\{.*\})'/.exec(command)?.[1] ?? '') as { userTag: string; data: { transaction: unknown } };
      assert.equal(explained.model, 'fraud');
      assert.deepEqual(explained.body, { job: { type: 'fraud-score', inputs: envelope.data.transaction, submittedBy: envelope.userTag } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
