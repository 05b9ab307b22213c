// The fuzzed properties at a few hundred cases each (FUZZ_RUNS to change), every counterexample
// ever kept in counterexamples.json replayed first. `npm run fuzz` runs 10,000 and keeps what
// it finds.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { FUZZ_PROPERTIES } from './properties.ts';
import { counterexampleOf, keepCounterexample, readCounterexamples, runProperty, type FuzzProperty } from './property.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const kept = readCounterexamples();

describe('fuzzed properties (short run, with every kept counterexample replayed)', () => {
  for (const fuzz of FUZZ_PROPERTIES) {
    test(fuzz.name, async () => {
      const run = await runProperty(fuzz, RUNS, kept);
      assert.equal(run.details.failed, false, run.details.failed ? fc.defaultReportMessage(run.details) : '');
    });
  }

  test('every kept counterexample belongs to a property that still exists', () => {
    const names = new Set(FUZZ_PROPERTIES.map((fuzz) => fuzz.name));
    for (const entry of kept) assert.ok(names.has(entry.property), `counterexamples.json: unknown property ${JSON.stringify(entry.property)}`);
  });
});

describe('the counterexample file', () => {
  test('a failure is kept with its seed and path, and the next run tries it first', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'fuzz-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = pathToFileURL(join(dir, 'counterexamples.json'));
    writeFileSync(file, '[]\n');
    // Fails only for one rare value, which a short run of generated cases will not find.
    const rare: FuzzProperty = {
      name: 'rare',
      property: () => fc.property(fc.integer({ min: 0, max: 1_000_000 }), (n) => assert.notEqual(n, 424_242)),
    };
    const failing: FuzzProperty = { name: 'rare', property: () => fc.property(fc.constant(424_242), (n) => assert.notEqual(n, 424_242)) };

    const found = await runProperty(failing, 1, []);
    const entry = counterexampleOf(found);
    assert.ok(entry);
    assert.deepEqual(entry.args, [424_242]);
    assert.equal(typeof entry.seed, 'number');
    keepCounterexample(entry, file);

    const replayed = await runProperty(rare, 5, readCounterexamples(file));
    assert.equal(replayed.replayed, 1);
    assert.equal(replayed.details.failed, true, 'the kept case is tried before any generated one');
    assert.deepEqual(replayed.details.counterexample, [424_242]);
    assert.equal((await runProperty(rare, 5, [])).details.failed, false, 'without it, 5 generated cases pass');
  });
});
