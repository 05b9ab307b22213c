// A fuzzed property, run at a few hundred cases by `npm test` (fuzz.test.ts) and at 10,000 by
// `npm run fuzz` (scripts/fuzz.ts), with every counterexample ever found replayed first.
import { readFileSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';

export interface FuzzProperty {
  /** Stable: counterexamples.json refers to it. */
  name: string;
  /** A fast-check property over JSON-serialisable inputs, so that counterexamples can be kept. */
  property: () => fc.IProperty<unknown[]> | fc.IAsyncProperty<unknown[]>;
}

/** A failure found by a run, kept so that every later run tries it first. */
export interface Counterexample {
  property: string;
  /** The property's arguments, as JSON. */
  args: unknown[];
  /** Replays the run that found it, as long as the arbitraries have not changed. */
  seed: number;
  path: string;
  found: string;
  error: string;
}

export const COUNTEREXAMPLES_FILE = new URL('./counterexamples.json', import.meta.url);

export function readCounterexamples(file: URL = COUNTEREXAMPLES_FILE): Counterexample[] {
  return JSON.parse(readFileSync(file, 'utf8')) as Counterexample[];
}

export function keepCounterexample(entry: Counterexample, file: URL = COUNTEREXAMPLES_FILE): void {
  const kept = readCounterexamples(file);
  kept.push(entry);
  writeFileSync(file, `${JSON.stringify(kept, null, 2)}\n`);
}

export interface FuzzRun {
  name: string;
  numRuns: number;
  replayed: number;
  ms: number;
  details: fc.RunDetails<unknown[]>;
}

/** Runs one property: the kept counterexamples for it first, then `numRuns` generated cases. */
export async function runProperty(fuzz: FuzzProperty, numRuns: number, kept: Counterexample[], seed?: number): Promise<FuzzRun> {
  const examples = kept.filter((entry) => entry.property === fuzz.name).map((entry) => entry.args);
  const started = performance.now();
  const details = (await fc.check(fuzz.property() as fc.IAsyncProperty<unknown[]>, {
    numRuns,
    examples,
    ...(seed === undefined ? {} : { seed }),
  })) as fc.RunDetails<unknown[]>;
  return { name: fuzz.name, numRuns, replayed: examples.length, ms: performance.now() - started, details };
}

/** The entry to keep for a failed run. */
export function counterexampleOf(run: FuzzRun): Counterexample | undefined {
  const { details } = run;
  if (!details.failed || details.counterexample === null) return undefined;
  return {
    property: run.name,
    args: JSON.parse(JSON.stringify(details.counterexample)) as unknown[],
    seed: details.seed,
    path: details.counterexamplePath ?? '',
    found: new Date().toISOString(),
    error: String(details.errorInstance instanceof Error ? details.errorInstance.message : details.errorInstance).slice(0, 500),
  };
}
