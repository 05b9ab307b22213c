// The Lambda validates configs with Ajv's standalone code, generated from the published schemas
// (docs/*.schema.json) by scripts/generate-config-validators.ts. These tests fail when the
// committed code and the schemas drift apart, and check that it judges documents as Ajv does.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { OUTPUT, SCHEMAS, generateValidators, readSchema } from '../../../scripts/generate-config-validators.ts';
import { validateEnsembleConfig, validateModelConfig } from '../../../lambda/config/schema-validators.generated.js';

const projectFile = (path: string): string => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

describe('generated config validators', () => {
  test('are exactly what the generator makes from the published schemas (rerun it after editing a schema)', () => {
    assert.equal(readFileSync(projectFile(OUTPUT), 'utf8'), generateValidators());
  });

  test('need nothing from Ajv at run time', () => {
    const code = readFileSync(projectFile(OUTPUT), 'utf8');
    assert.doesNotMatch(code, /\brequire\(|\bimport\b/);
  });

  test('judge documents as Ajv compiling the published schema does', () => {
    const ajv = new Ajv({ allErrors: false, strict: true });
    const model = ajv.compile(readSchema(SCHEMAS.validateModelConfig));
    const ensemble = ajv.compile(readSchema(SCHEMAS.validateEnsembleConfig));
    const modelDocs: unknown[] = [
      {},
      { request: '{a: data.b}', response: { expression: 'response', required: ['response.x'] } },
      { errorWhen: "status == 'FAILED'", exposeUpstreamErrors: true },
      { exposeUpstreamErrors: { message: 'detail' } },
      { exposeUpstreamErrors: { message: 1 } },
      { variants: { canary: { variant: 'v2', percent: 12.5 }, shadow: { variant: 'lab', percent: 0, compare: 'label' } } },
      { variants: { canary: { variant: 'v2' } } },
      { tls: { ca: 'tls/ca', cert: 'tls/c', key: 'tls/k' } },
      { tls: {} },
      { tls: { ca: 'a/../b' } },
      { timeoutMs: 1.5 },
      { request: 'x'.repeat(4097) },
      null,
      'config',
    ];
    for (const doc of modelDocs) assert.equal(validateModelConfig(doc), model(doc), JSON.stringify(doc)?.slice(0, 80));
    const ensembleDocs: unknown[] = [
      { members: ['a'], policy: 'any', deadlineMs: 1 },
      { members: [], policy: 'any', deadlineMs: 1 },
      { members: ['a', 'b'], policy: 'quorum:9', deadlineMs: 1 },
      { members: ['a'], policy: 'all', deadlineMs: 1, extra: true },
      { members: ['-a'], policy: 'all', deadlineMs: 1 },
    ];
    for (const doc of ensembleDocs) assert.equal(validateEnsembleConfig(doc), ensemble(doc), JSON.stringify(doc));
  });
});
