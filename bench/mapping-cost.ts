// What model configs cost: JMESPath per call (compiled once per config version, so a request
// only evaluates), the whole mapped path beside the passthrough one, and what the mapping and
// validation code adds to the Lambda bundle (esbuild with the stack's options). The engine is
// the project's own (lambda/mapping/); each evaluation runs under its budget (bounds.ts).
//   node bench/mapping-cost.ts
import { build } from 'esbuild';
import { parseLossless } from '../lambda/contract/json-text.ts';
import { parseModelConfig, type ModelConfig } from '../lambda/config/model-config.ts';
import { compileExpression } from '../lambda/mapping/expression.ts';
import { compileMapping, applyMapping } from '../lambda/mapping/mapping.ts';
import { AdapterError } from '../lambda/contract/errors.ts';
import { ruledFailure } from '../lambda/models/error-rules.ts';
import { modelBody } from '../lambda/models/model-body.ts';
import { resultText } from '../lambda/models/model-result.ts';
import { CDK_ESBUILD_OPTIONS, HANDLER_ENTRY } from './scenarios/cold-start.ts';
import { PROJECT_ROOT } from './lib/paths.ts';

const KSERVE_REQUEST = "{inputs: [{name: 'input-0', shape: [length(data.instances), `4`], datatype: 'FP32', data: data.instances[]}]}";
const input = { userTag: 'b-42', data: { instances: [[5.1, 3.5, 1.4, 0.2], [6.3, 3.3, 6.0, 2.5]] }, headers: { 'x-request-id': 'r' } };
const answer = '{"model_name":"iris","outputs":[{"name":"probabilities","shape":[2,3],"datatype":"FP32","data":[0.98,0.02,0,0,0.1,0.9]}]}';

/** Microseconds per call, the median of 5 rounds after a warm-up. */
function perCall(fn: () => unknown, n = 50_000): number {
  for (let i = 0; i < n; i++) fn();
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    const started = performance.now();
    for (let i = 0; i < n; i++) fn();
    rounds.push(((performance.now() - started) * 1000) / n);
  }
  return rounds.sort((a, b) => a - b)[2] as number;
}

const config = (document: unknown): ModelConfig => {
  const parsed = parseModelConfig(JSON.stringify(document));
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.config;
};
const kserve = config({
  request: { expression: KSERVE_REQUEST, required: ['data.instances'] },
  response: '{probabilities: response.outputs[0].data, shape: response.outputs[0].shape}',
  errorWhen: "status == 'FAILED'",
});
const simple = compileMapping('{instances: data.instances}');
// What onboard declares for rows of 4 numbers, and a kserve-v2 preset's rules over a 500 body.
const onboarded = config({
  dataSchema: { type: 'object', required: ['instances'], properties: { instances: { type: 'array', minItems: 1, items: { type: 'array', minItems: 4, maxItems: 4, items: { type: 'number' } } } } },
  errors: { preset: 'kserve-v2' },
});
const rows100 = { instances: Array.from({ length: 100 }, () => [5.1, 3.5, 1.4, 0.2]) };
const failureBodies = {
  sklearn: '{"error":"X has 5 features, but LogisticRegression is expecting 4 features as input."}',
  other: '{"error":"list index out of range"}',
};
const rejected = new AdapterError('UPSTREAM_ERROR', { upstreamStatus: 500 });
let unique = 0;

const figures = {
  'evaluate {instances: data.instances}': perCall(() => applyMapping(simple, input)),
  'evaluate the KServe request mapping (1 required path)': perCall(() => applyMapping(kserve.request!, input)),
  'parse + evaluate a new expression (no cache)': perCall(() => compileExpression(`{instances: data.instances, n: \`${unique++}\`}`).evaluate(input), 20_000),
  'dataSchema check, 2 rows of 4 numbers': perCall(() => onboarded.dataSchema!.check(input.data)),
  'dataSchema check, 100 rows of 4 numbers': perCall(() => onboarded.dataSchema!.check(rows100), 10_000),
  'error rules on a 500: the kserve-v2 preset, first rule holds': perCall(() => ruledFailure(onboarded.errors, rejected, failureBodies.sklearn, undefined, undefined)),
  'error rules on a 500: the kserve-v2 preset, no rule holds (all 8 tried)': perCall(() => ruledFailure(onboarded.errors, rejected, failureBodies.other, undefined, undefined)),
  'request body: passthrough (JSON.stringify of data)': perCall(() => modelBody(undefined, input)),
  'request body: KServe mapping': perCall(() => modelBody(kserve, input)),
  'result: passthrough (verbatim splice)': perCall(() => resultText(undefined, answer, input)),
  'result: errorWhen + response mapping (parses the answer)': perCall(() => resultText(kserve, answer, input)),
  'JSON.parse of the answer alone': perCall(() => JSON.parse(answer)),
  'JSON.parse keeping inexact numbers (reviver)': perCall(() => parseLossless(answer)),
  'validate + compile a new config version (once per version)': perCall(
    () => parseModelConfig(JSON.stringify({ request: { expression: `{inputs: [{data: data.instances[]}], n: \`${unique++}\`}`, required: ['data.instances'] } })),
    5_000,
  ),
};
console.log('cost per call, µs (median of 5 rounds)');
for (const [name, us] of Object.entries(figures)) console.log(`  ${us.toFixed(2).padStart(8)}  ${name}`);

async function bytes(contents: string): Promise<number> {
  const result = await build({ ...CDK_ESBUILD_OPTIONS, sourcemap: false, write: false, outfile: 'out.mjs', absWorkingDir: PROJECT_ROOT, stdin: { contents, loader: 'ts', resolveDir: PROJECT_ROOT } });
  return result.outputFiles[0]?.contents.length ?? 0;
}
const empty = await bytes('export const x = 1;');
const sizes = {
  'the handler bundle (minified, no source map)': await bytes(`export { handler } from './${HANDLER_ENTRY}';`),
  'the JMESPath engine (lambda/mapping/expression.ts)': (await bytes("export { compileExpression } from './lambda/mapping/expression.ts';")) - empty,
  'the generated standalone validators (both schemas)': (await bytes("export * from './lambda/config/schema-validators.generated.js';")) - empty,
  'Ajv itself, had the schemas been compiled at run time': (await bytes("import { Ajv } from 'ajv'; export const a = new Ajv();")) - empty,
  'lambda/mapping + model-config + snapshot + validators': (await bytes("export { buildSnapshot } from './lambda/config/snapshot.ts';")) - empty,
  'error rules and presets (lambda/models/error-rules.ts)': (await bytes("export { compileErrorRules } from './lambda/models/error-rules.ts';")) - empty,
  'the data schema compiler (lambda/models/data-schema.ts)': (await bytes("export { compileDataSchema } from './lambda/models/data-schema.ts';")) - empty,
};
console.log('bundle bytes (esbuild, the stack\'s options)');
for (const [name, size] of Object.entries(sizes)) console.log(`  ${String(size).padStart(9)}  ${name}`);
