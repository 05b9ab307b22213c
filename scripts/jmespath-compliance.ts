// Runs a directory of JMESPath compliance files (the public suite's format: an array of
// {given, cases: [{expression, result | error | bench}]}) against the project's engine, and
// prints pass/total per file and every failure. The suite itself is not part of this repository.
//
//   node scripts/jmespath-compliance.ts <dir>      (exits 1 if any case fails)
//
// A case expecting an error passes when the expression is refused at load or fails at
// evaluation (the engine refuses unknown functions, wrong argument counts and a slice step of 0
// at load, where jmespath.py fails when it evaluates). A benchmark case ("bench") passes when it
// compiles, and for "full" also evaluates.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parseLossless } from '../lambda/contract/json-text.ts';
import { ExpressionError, ExpressionFailure, compileExpression } from '../lambda/mapping/expression.ts';

interface Case {
  expression: string;
  result?: unknown;
  error?: string;
  bench?: string;
}
interface Suite {
  given: unknown;
  cases: Case[];
}

/** A JSON value with numbers as doubles and keys sorted, so that two results compare by value. */
const canonical = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

type Outcome = { ok: true } | { ok: false; got: string };

function run(given: unknown, c: Case): Outcome {
  let expression;
  try {
    expression = compileExpression(c.expression);
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error;
    return c.error !== undefined ? { ok: true } : { ok: false, got: `refused at load: ${error.message}` };
  }
  if (c.bench === 'parse') return { ok: true };
  let result;
  try {
    result = expression.evaluate(given);
  } catch (error) {
    if (!(error instanceof ExpressionFailure)) throw error;
    if (c.error !== undefined) return { ok: true };
    return { ok: false, got: `failed: ${(error.cause as Error).name}: ${(error.cause as Error).message}` };
  }
  if (c.bench !== undefined) return { ok: true };
  if (c.error !== undefined) return { ok: false, got: `result ${JSON.stringify(result)}` };
  return isDeepStrictEqual(canonical(result), canonical(c.result)) ? { ok: true } : { ok: false, got: `result ${JSON.stringify(result)}` };
}

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node scripts/jmespath-compliance.ts <dir of compliance JSON files>');
  process.exit(2);
}
let failed = 0;
let total = 0;
for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
  const suites = parseLossless(readFileSync(join(dir, file), 'utf8')) as Suite[];
  let pass = 0;
  let count = 0;
  const failures: string[] = [];
  for (const suite of suites) {
    for (const c of suite.cases) {
      count++;
      const outcome = run(suite.given, c);
      if (outcome.ok) pass++;
      else failures.push(`    ${JSON.stringify(c.expression)}: expected ${c.error !== undefined ? `error ${c.error}` : c.bench !== undefined ? `bench ${c.bench}` : JSON.stringify(c.result)}, ${outcome.got}`);
    }
  }
  console.log(`${pass === count ? 'pass' : 'FAIL'}  ${file}: ${pass}/${count}`);
  for (const line of failures) console.log(line);
  failed += count - pass;
  total += count;
}
console.log(`${total - failed}/${total} cases pass`);
process.exit(failed === 0 ? 0 : 1);
