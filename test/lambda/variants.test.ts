// Variants (docs/contract.md, "Model configuration"; docs/models.md): X-Model-Variant routing, a
// weighted canary sticky per userTag, and a shadow that gets a copy of each request within the
// same deadline and whose answer is only compared, counted in an EMF metric and a log line.
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { after, describe, test } from 'node:test';
import { PREFIX, endpointParameter } from '../support/harness.ts';
import { envelope, predictPath, restEvent } from '../support/events.ts';
import { answerJson, startModelServer } from '../support/model-server.ts';
import { assertLogsClean, assertNoLeak, captureLogs, expectError, expectSuccess, marker, setup } from '../support/catalogue.ts';
import { emfLines, parseLines, type LogRecord } from '../support/log-lines.ts';
import { configHash } from '../../lambda/config/model-config.ts';

const variantParameter = (model: string, variant: string): string => `${PREFIX}/models/${model}/variants/${variant}/endpoint`;
const configParameter = (model: string): string => `${PREFIX}/models/${model}/config`;
const SECRET = marker('SECRET');

const lab = await startModelServer(answerJson('{"label":"lab","p":0.1}'));
const v2 = await startModelServer(answerJson('{"label":"v2","p":0.5}'));
after(async () => Promise.all([lab, v2].map((m) => m.close())));

// TTL 0: every request reads the parameters again, so each test's config applies at once.
const s = await setup({
  behaviour: answerJson('{"label":"main","p":0.91}'),
  env: { UPSTREAM_TIMEOUT_MS: '1000', PARAMETER_CACHE_TTL_SECONDS: '0' },
  parameters: {
    [variantParameter('iris', 'lab')]: `${lab.url}/lab`,
    [variantParameter('iris', 'v2')]: `${v2.url}/v2`,
    [variantParameter('iris', 'broken')]: 'file:///etc/passwd',
  },
});
after(() => s.close());
const main = s.model;
const other = await s.addModel('other', answerJson('{"label":"other"}'));
const parameters = s.parameters;
const servers = [main, lab, v2, other];
// The adapter's own lines, read back per request where a test needs them.
const logs = captureLogs();
const records = (): LogRecord[] => parseLines(logs.text());

const ask = (userTag: string, headers: Record<string, string> = {}, data: unknown = { x: 1 }) =>
  s.invoke(restEvent({ path: predictPath('iris'), headers: { 'Content-Type': 'application/json', ...headers }, body: envelope(userTag, data) }));
const configure = (config: unknown): string => {
  const text = JSON.stringify(config);
  parameters[configParameter('iris')] = text;
  return configHash(text);
};
const counts = () => servers.map((server) => server.received.length);
const delta = (before: number[]) => counts().map((n, i) => n - (before[i] ?? 0));

describe('X-Model-Variant', () => {
  test('routes to the named variant of the model, with the same config; the main endpoint is not called', async () => {
    configure({ request: '{rows: data.x}', response: '{label: response.label}' });
    const before = counts();
    const result = await ask('t', { 'X-Model-Variant': 'lab' });
    assert.equal(expectSuccess(result, 't'), '{"label":"lab"}');
    assert.equal(records().filter((l) => l.message === 'request').at(-1)?.variant, 'lab', 'the request line names the variant');
    assert.deepEqual(delta(before), [0, 1, 0, 0]);
    assert.equal(lab.received.at(-1)?.url, '/lab');
    assert.equal(lab.received.at(-1)?.body, '{"rows":1}');
    assert.equal(lab.received.at(-1)?.headers['x-model-variant'], undefined, 'the header is not passed on');
  });

  test('an unknown or malformed variant is 404 UNKNOWN_MODEL, the same body as an unknown model, and calls nothing', async () => {
    configure({});
    const before = counts();
    const unknownModel = await s.invoke(restEvent({ path: predictPath('nosuch'), body: envelope('t', {}), requestId: 'same' }));
    for (const variant of ['nosuch', 'other', 'LAB', '../other', 'lab/../v2', `${other.url}/other`, 'x'.repeat(65), '__proto__', 'constructor']) {
      const result = await s.invoke(restEvent({ headers: { 'Content-Type': 'application/json', 'X-Model-Variant': variant }, body: envelope('t', {}), requestId: 'same' }));
      expectError(result, 404, 'UNKNOWN_MODEL', 't');
      assert.equal(result.body, unknownModel.body, variant);
      assertNoLeak(result, { servers, secrets: ['/etc/passwd'] });
    }
    assert.deepEqual(delta(before), [0, 0, 0, 0]);
  });

  test('a variant whose endpoint is unusable is 503 CONFIG_UNAVAILABLE with no socket; an empty header means none', async () => {
    const before = counts();
    const broken = await ask('t', { 'X-Model-Variant': 'broken' });
    expectError(broken, 503, 'CONFIG_UNAVAILABLE', 't');
    assertNoLeak(broken, { servers, secrets: ['/etc/passwd'] });
    expectSuccess(await ask('t', { 'X-Model-Variant': '  ' }), 't');
    assert.deepEqual(delta(before), [1, 0, 0, 0]);
  });
});

describe('canary', () => {
  const tags = Array.from({ length: 400 }, (_, i) => `user-${i}`);
  const labelOf = async (tag: string, headers: Record<string, string> = {}) =>
    (JSON.parse((await ask(tag, headers)).body) as { result: { label: string } }).result.label;

  test('sends its percentage of userTags to the variant, and each userTag always the same way', async () => {
    configure({ variants: { canary: { variant: 'v2', percent: 25 } } });
    const first = new Map<string, string>();
    for (const tag of tags) first.set(tag, await labelOf(tag));
    const share = [...first.values()].filter((label) => label === 'v2').length / tags.length;
    assert.ok(share > 0.18 && share < 0.32, `about 25% went to the canary: ${share}`);
    assert.ok([...first.values()].every((label) => label === 'v2' || label === 'main'));
    for (const tag of tags.slice(0, 60)) assert.equal(await labelOf(tag), first.get(tag), `sticky for ${tag}`);
  });

  test('0% sends nobody, 100% everybody; X-Model-Variant wins over the canary', async () => {
    configure({ variants: { canary: { variant: 'v2', percent: 0 } } });
    for (const tag of tags.slice(0, 40)) assert.equal(await labelOf(tag), 'main');
    configure({ variants: { canary: { variant: 'v2', percent: 100 } } });
    for (const tag of tags.slice(0, 40)) assert.equal(await labelOf(tag), 'v2');
    assert.equal(await labelOf('user-1', { 'X-Model-Variant': 'lab' }), 'lab');
  });

  test('a canary whose variant is missing or unusable leaves everyone on the main endpoint', async () => {
    configure({ variants: { canary: { variant: 'gone', percent: 100 } } });
    assert.equal(await labelOf('user-1'), 'main');
    configure({ variants: { canary: { variant: 'broken', percent: 100 } } });
    assert.equal(await labelOf('user-1'), 'main');
  });
});

describe('shadow', () => {
  /** The ShadowComparisons EMF lines, as {model, comparison}. */
  const shadowCounts = () =>
    emfLines(records())
      .filter((line) => 'ShadowComparisons' in line)
      .map((line) => ({ model: line.model, comparison: line.comparison, count: line.ShadowComparisons }));
  const shadowLogs = () => records().filter((l) => l.message === 'shadow compared');

  test('gets a copy of the mapped request; B gets the main answer; agreement is counted and logged without bodies', async () => {
    const hash = configure({ request: '{rows: data.x}', response: '{label: response.label}', variants: { shadow: { variant: 'lab' } } });
    lab.behave(answerJson(`{"label":"main","p":0.2,"secret":"${SECRET}"}`));
    const before = counts();
    const countsBefore = shadowCounts().length;
    const result = await ask('agree-1', {}, { secret: SECRET, x: [1, 2] });
    assert.equal(expectSuccess(result, 'agree-1'), '{"label":"main"}', 'the main answer, mapped');
    assert.deepEqual(delta(before), [1, 1, 0, 0]);
    assert.equal(lab.received.at(-1)?.body, main.received.at(-1)?.body, 'the same body');
    assert.equal(lab.received.at(-1)?.body, '{"rows":[1,2]}');
    assert.deepEqual(shadowCounts().slice(countsBefore), [{ model: 'iris', comparison: 'agree', count: 1 }]);
    const line = shadowLogs().at(-1) as LogRecord;
    assert.deepEqual(
      { level: line.level, model: line.model, configHash: line.configHash, variant: line.variant, shadowVariant: line.shadowVariant, outcome: line.outcome, shadowCode: line.shadowCode },
      { level: 'INFO', model: 'iris', configHash: hash, variant: undefined, shadowVariant: 'lab', outcome: 'agree', shadowCode: undefined },
    );
    assert.equal(typeof line.ms, 'number');
    const request = records().filter((l) => l.message === 'request').at(-1);
    assert.equal(request?.configHash, hash, 'the request line carries the config hash');
    assert.ok(!logs.text().includes(SECRET), 'no body in any log line');
    assertLogsClean(logs.text(), { servers, secrets: [SECRET] });
  });

  test('a different answer is counted as disagreement; `compare` narrows what is compared', async () => {
    configure({ variants: { shadow: { variant: 'lab' } } });
    lab.behave(answerJson('{"label":"main","p":0.2}'));
    expectSuccess(await ask('d-1'), 'd-1');
    assert.equal(shadowCounts().at(-1)?.comparison, 'disagree');
    configure({ variants: { shadow: { variant: 'lab', compare: 'label' } } });
    expectSuccess(await ask('d-2'), 'd-2');
    assert.equal(shadowCounts().at(-1)?.comparison, 'agree');
  });

  test('a failing shadow never changes what B gets', async () => {
    configure({ variants: { shadow: { variant: 'lab' } } });
    lab.behave(answerJson(`{"detail":"${SECRET}"}`, 500));
    const result = await ask('f-1');
    assert.equal(expectSuccess(result, 'f-1'), '{"label":"main","p":0.91}');
    assert.deepEqual(shadowCounts().at(-1), { model: 'iris', comparison: 'shadow-failed', count: 1 });
    assert.equal(shadowLogs().at(-1)?.shadowCode, 'UPSTREAM_ERROR');
  });

  test('a slow shadow is aborted at the same deadline and B still gets the main answer', async () => {
    configure({ timeoutMs: 250, variants: { shadow: { variant: 'lab' } } });
    const closed: { at?: number } = {};
    lab.behave((req: IncomingMessage) => {
      req.socket.once('close', () => (closed.at = performance.now()));
    });
    const started = performance.now();
    const result = await ask('slow-1');
    const elapsed = performance.now() - started;
    assert.equal(expectSuccess(result, 'slow-1'), '{"label":"main","p":0.91}');
    assert.ok(elapsed >= 240 && elapsed < 600, `waited for the shadow up to the 250 ms deadline only (${Math.round(elapsed)} ms)`);
    assert.equal(shadowLogs().at(-1)?.shadowCode, 'UPSTREAM_TIMEOUT');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(closed.at !== undefined, 'the shadow request was aborted');
  });

  test('when the main call fails the shadow is aborted and B gets the main error', async () => {
    configure({ variants: { shadow: { variant: 'lab' } } });
    const closed: { at?: number } = {};
    lab.behave((req: IncomingMessage) => {
      req.socket.once('close', () => (closed.at = performance.now()));
    });
    main.behave(answerJson('{"detail":"no"}', 400));
    try {
      const started = performance.now();
      expectError(await ask('mf-1'), 422, 'MODEL_REJECTED_INPUT', 'mf-1');
      assert.ok(performance.now() - started < 500, 'did not wait for the shadow');
      assert.equal(shadowCounts().at(-1)?.comparison, 'main-failed');
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.ok(closed.at !== undefined, 'the shadow request was aborted');
    } finally {
      main.behave(answerJson('{"label":"main","p":0.91}'));
    }
  });

  test('percent 0 sends no copy', async () => {
    lab.behave(answerJson('{"label":"lab","p":0.1}'));
    configure({ variants: { shadow: { variant: 'lab', percent: 0 } } });
    const before = counts();
    expectSuccess(await ask('p0'), 'p0');
    assert.deepEqual(delta(before), [1, 0, 0, 0]);
  });

  test('a shadow\'s answers are never returned: B naming the shadow variant gets 404 UNKNOWN_MODEL, nothing is called, and it is not listed', async () => {
    // docs/contract.md, "Where this differs from the design's contract": the design's rule is followed.
    configure({ variants: { shadow: { variant: 'lab' } } });
    const before = counts();
    const unknown = await s.invoke(restEvent({ path: predictPath('iris'), headers: { 'Content-Type': 'application/json', 'X-Model-Variant': 'nosuch' }, body: envelope('self', {}), requestId: 'same' }));
    const shadow = await s.invoke(restEvent({ path: predictPath('iris'), headers: { 'Content-Type': 'application/json', 'X-Model-Variant': 'lab' }, body: envelope('self', {}), requestId: 'same' }));
    expectError(shadow, 404, 'UNKNOWN_MODEL', 'self');
    assert.equal(shadow.body, unknown.body, 'the same answer as a variant that does not exist');
    assert.deepEqual(delta(before), [0, 0, 0, 0]);
    const listed = JSON.parse((await s.invoke(restEvent({ method: 'GET', path: '/v1/models' }))).body) as { variants: Record<string, string[]> };
    assert.deepEqual(listed.variants.iris, ['v2'], 'lab is the shadow: only v2 (and not the broken endpoint) is listed');
  });
});
