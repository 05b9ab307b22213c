// local/README tells users to edit local/parameters.json, so `npm test` must not depend on it.
// The proof: every test file that names the file (or the `models` script, which reads it by
// default) runs here in a copy of the project whose local/parameters.json is half-written, as
// an editor might leave it, and must pass there.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { defaultDemoParameters } from '../../local/demo-parameters.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const self = fileURLToPath(import.meta.url);

/** What a test reads local/parameters.json through: the name, or the script that defaults to it. */
const READS_THE_FILE = /parameters\.json|scripts\/models\.ts/;

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const suspects = testFiles(join(root, 'test'))
  .filter((path) => path !== self && READS_THE_FILE.test(readFileSync(path, 'utf8')))
  .map((path) => relative(root, path))
  .sort();

/** The whole file as committed, cut in the middle of a value: not JSON at all. */
const committed = `${JSON.stringify(defaultDemoParameters(), null, 2)}\n`;
const halfWritten = committed.slice(0, Math.floor(committed.length / 2));

describe('npm test with an edited local/parameters.json', () => {
  const sandbox = mkdtempSync(join(tmpdir(), 'edited-parameters-'));
  const skip = ['node_modules', '.git', 'cdk.out', join('bench', 'results')].map((path) => join(root, path));

  before(() => {
    cpSync(root, sandbox, { recursive: true, filter: (source) => !skip.includes(source) });
    symlinkSync(join(root, 'node_modules'), join(sandbox, 'node_modules'), 'dir');
    // A repository whose HEAD has the file as committed, as a user's checkout does; without git
    // the test that reads HEAD skips, here as anywhere.
    try {
      const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@invalid', ...args], { cwd: sandbox, stdio: 'ignore' });
      git('init', '-q');
      writeFileSync(join(sandbox, 'local/parameters.json'), committed);
      git('add', 'local/parameters.json');
      git('commit', '-q', '-m', 'as committed');
    } catch {
      // no git
    }
    writeFileSync(join(sandbox, 'local/parameters.json'), halfWritten);
  });
  after(() => rmSync(sandbox, { recursive: true, force: true }));

  it('finds the test files that could read it', () => {
    assert.ok(suspects.includes('test/scripts/models.test.ts'), suspects.join(', '));
    assert.ok(suspects.includes('test/local/parameters-file.test.ts'), suspects.join(', '));
  });

  it('the copy really has the edited file: `npm run models -- validate` reads it by default and refuses it', async () => {
    await assert.rejects(run(process.execPath, ['scripts/models.ts', 'validate'], { cwd: sandbox }), (error: { code?: number; stdout?: string }) => {
      assert.equal(error.code, 1);
      assert.match(error.stdout ?? '', /FAIL {2}.*local\/parameters\.json: not JSON/);
      return true;
    });
  });

  it('every one of those test files passes there', { timeout: 240_000 }, async () => {
    // Without the runner's own variable, the child is a test run of its own, not a subtest.
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    let output: string;
    try {
      ({ stdout: output } = await run(process.execPath, ['--test', '--test-reporter=spec', ...suspects], { cwd: sandbox, env, maxBuffer: 32 * 1024 * 1024 }));
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      assert.fail(`node --test ${suspects.join(' ')} failed (exit ${failed.code}) with local/parameters.json half-written:\n${failed.stdout ?? ''}\n${failed.stderr ?? ''}`);
    }
    const passed = Number(/^ℹ pass (\d+)$/m.exec(output)?.[1] ?? 0);
    assert.ok(passed >= 20, `only ${passed} tests passed:\n${output}`);
    assert.match(output, /^ℹ fail 0$/m, output);
  });
});
