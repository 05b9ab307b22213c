// docs/models.md stays true: every JSON block in it is a valid model config, ensemble or
// mapping, and every exchange it quotes (B / model / answer / B gets) is a golden fixture's.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseModelConfig } from '../../../lambda/config/model-config.ts';
import { parseEnsembleConfig } from '../../../lambda/config/ensemble-config.ts';
import { compileMapping } from '../../../lambda/mapping/mapping.ts';

const doc = readFileSync(new URL('../../../docs/models.md', import.meta.url), 'utf8');
/** The fenced blocks written in `language` ('' for none), each as its text. */
function blocks(language: string): string[] {
  const found: string[] = [];
  let open: { language: string; lines: string[] } | undefined;
  for (const line of doc.split('\n')) {
    if (!line.startsWith('```')) {
      open?.lines.push(line);
      continue;
    }
    if (open) {
      if (open.language === language) found.push(open.lines.join('\n'));
      open = undefined;
    } else open = { language: line.slice(3).trim(), lines: [] };
  }
  return found;
}

test('every JSON block in docs/models.md is a valid config, ensemble or mapping', () => {
  const json = blocks('json');
  assert.equal(json.length, 12);
  for (const text of json) {
    const value = JSON.parse(text) as Record<string, unknown>;
    if ('members' in value) {
      const parsed = parseEnsembleConfig(text);
      assert.ok(parsed.ok, `${text}: ${parsed.ok ? '' : parsed.reason}`);
    } else if ('expression' in value) {
      assert.doesNotThrow(() => compileMapping(value as { expression: string; required?: string[] }), text);
    } else {
      const parsed = parseModelConfig(text);
      assert.ok(parsed.ok, `${text}: ${parsed.ok ? '' : parsed.reason}`);
    }
  }
});

test('every exchange docs/models.md quotes is a golden fixture case, unchanged', () => {
  const dir = new URL('../../fixtures/golden/', import.meta.url);
  const cases = readdirSync(dir).flatMap((file) => (JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as { cases: Record<string, unknown>[] }).cases);
  const exchanges = blocks('').filter((text) => text.startsWith('B      '));
  assert.equal(exchanges.length, 4);
  for (const text of exchanges) {
    const line = (label: string): unknown => JSON.parse(text.split('\n').find((l) => l.startsWith(`${label} `))?.slice(7) ?? 'null');
    const request = line('B') as { userTag: string };
    const golden = cases.find((c) => (c.request as { userTag: string }).userTag === request.userTag);
    assert.ok(golden, request.userTag);
    assert.deepEqual(request, golden.request);
    assert.deepEqual(line('model'), golden.modelRequest);
    assert.deepEqual(line('answer'), golden.modelAnswer);
    assert.deepEqual(line('B gets'), golden.response);
  }
});
