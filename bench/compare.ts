// Several bench runs side by side, as a markdown table of their medians:
//   node bench/compare.ts LABEL=FILE.json ... > bench/results/before-after.md
// The last run's targets and met/not met close each row.
import { readFileSync } from 'node:fs';
import { comparison, type Results } from './report.ts';

const runs = process.argv.slice(2).map((argument) => {
  const at = argument.indexOf('=');
  if (at < 1) throw new Error(`expected LABEL=FILE, got ${argument}`);
  return { label: argument.slice(0, at), results: JSON.parse(readFileSync(argument.slice(at + 1), 'utf8')) as Results };
});
process.stdout.write(comparison(runs));
