// `npm run fuzz`: every fuzzed property (test/fuzz/properties.ts) at 10,000 generated cases
// (FUZZ_RUNS to change; FUZZ_SEED to replay one run), after the counterexamples already kept.
// A failure is added to test/fuzz/counterexamples.json, which `npm test` replays, and the
// command exits 1.
import fc from 'fast-check';
import { FUZZ_PROPERTIES } from '../test/fuzz/properties.ts';
import { COUNTEREXAMPLES_FILE, counterexampleOf, keepCounterexample, readCounterexamples, runProperty } from '../test/fuzz/property.ts';

const runs = Number(process.env.FUZZ_RUNS ?? 10_000);
const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
if (!Number.isSafeInteger(runs) || runs < 1) throw new Error(`FUZZ_RUNS must be a positive integer, got ${process.env.FUZZ_RUNS}`);

const kept = readCounterexamples();
const started = performance.now();
let failures = 0;
console.log(`fuzz: ${FUZZ_PROPERTIES.length} properties x ${runs} runs${seed === undefined ? '' : `, seed ${seed}`}; ${kept.length} kept counterexamples replayed first`);
for (const fuzz of FUZZ_PROPERTIES) {
  const run = await runProperty(fuzz, runs, kept, seed);
  const { details } = run;
  const figures = `${String(details.numRuns).padStart(6)} runs ${String(details.numSkips).padStart(4)} skipped ${(run.ms / 1000).toFixed(1).padStart(5)} s`;
  if (!details.failed) {
    console.log(`  ok    ${figures}  ${fuzz.name}`);
    continue;
  }
  failures++;
  console.log(`  FAIL  ${figures}  ${fuzz.name}\n${fc.defaultReportMessage(details)}`);
  const entry = counterexampleOf(run);
  if (entry && !kept.some((k) => k.property === entry.property && JSON.stringify(k.args) === JSON.stringify(entry.args))) {
    keepCounterexample(entry);
    console.log(`  kept in ${COUNTEREXAMPLES_FILE.pathname}: npm test replays it from now on`);
  }
}
const total = ((performance.now() - started) / 1000).toFixed(1);
console.log(`fuzz: ${FUZZ_PROPERTIES.length - failures} of ${FUZZ_PROPERTIES.length} properties held over ${runs} runs each, in ${total} s`);
process.exitCode = failures === 0 ? 0 : 1;
