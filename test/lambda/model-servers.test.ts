// What B gets when the adapter talks to real model servers: every recorded exchange
// (test/fixtures/model-servers/: MLServer 1.7, KServe 0.20 V1 and V2, MLflow 3.6) replayed
// through the real handler, with no error rules, with its protocol's preset, and with the
// preset and exposeUpstreamErrors. The expected outcomes are written out here, from the
// recordings and docs/contract.md, not computed from lambda/models/error-presets.ts; a last test
// checks that each preset rule names recorded exchanges it really matches.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { PRESETS, type PresetName } from '../../lambda/models/error-presets.ts';
import { matchingRule, compileErrorRules } from '../../lambda/models/error-rules.ts';
import { captureLogs, expectError, expectSuccess, setup } from '../support/catalogue.ts';
import { envelope, predictPath, restEvent } from '../support/events.ts';
import { PREFIX, endpointParameter } from '../support/harness.ts';
import { exchange, postsOfObjects, recording, replay, responseText, RECORDING_FILES, type Exchange, type RecordingFile } from '../support/recorded-servers.ts';

interface Expected {
  status: number;
  code?: string;
  retryable?: boolean;
}

/** contract.md's error table by the model's status alone, for a model without rules. */
function byStatus(status: number): Expected {
  if (status >= 200 && status < 300) return { status: 200 };
  if (status === 429 || status === 503) return { status: 503, code: 'UPSTREAM_UNAVAILABLE', retryable: true };
  if (status === 401 || status === 403 || status === 404) return { status: 502, code: 'UPSTREAM_ERROR', retryable: true };
  if (status >= 400 && status < 500) return { status: 422, code: 'MODEL_REJECTED_INPUT', retryable: false };
  return { status: 502, code: 'UPSTREAM_ERROR', retryable: true };
}

const REJECTED: Expected = { status: 422, code: 'MODEL_REJECTED_INPUT', retryable: false };
const FAULT_NOT_RETRYABLE: Expected = { status: 502, code: 'UPSTREAM_ERROR', retryable: false };

/** The recorded 5xx answers a preset turns into something other than a retryable 502 (every other exchange: by status). */
const WITH_PRESET: Record<RecordingFile, Record<string, Expected>> = {
  'kserve.json': {
    'v1 bad: 5 features': REJECTED,
    'v1 bad: string feature': REJECTED,
    'v1 bad: numeric strings': REJECTED,
    'v1 bad: missing instances key': REJECTED,
    'v1 bad: other key': REJECTED,
    'v1 bad: empty instances': REJECTED,
    'v1 bad: ragged rows': REJECTED,
    'v1 bad: huge row': REJECTED,
    'v2 bad: 5 features': REJECTED,
    'v2 bad: string feature': REJECTED,
    'v2 bad: empty data': REJECTED,
    'v2 bad: unknown datatype': REJECTED,
    'v2 bad: shape disagrees with data': REJECTED,
    'v2 bad: huge row': REJECTED,
    // "list index out of range" is any Python IndexError: nothing says it is about the input.
  },
  'mlserver.json': {
    'v2 bad: 5 features': FAULT_NOT_RETRYABLE,
    'v2 bad: string feature': FAULT_NOT_RETRYABLE,
    'v2 bad: empty data': FAULT_NOT_RETRYABLE,
    'v2 bad: BYTES datatype': FAULT_NOT_RETRYABLE,
    'v2 bad: shape disagrees with data': FAULT_NOT_RETRYABLE,
    'v2 bad: huge row': FAULT_NOT_RETRYABLE,
  },
  'mlflow.json': {},
};

/** The preset for an exchange: KServe's file holds both protocols, told apart by path. */
const presetFor = (file: RecordingFile, e: Exchange): PresetName =>
  file === 'mlserver.json' ? 'mlserver' : file === 'mlflow.json' ? 'mlflow' : e.request.path.startsWith('/v1/') ? 'kserve-v1' : 'kserve-v2';

/** What the preset's message pick gives for `exposeUpstreamErrors: true`, written out per body shape. */
function expectedDetails(file: RecordingFile, e: Exchange): string | undefined {
  const body = e.response.body as Record<string, unknown> | string;
  if (typeof body === 'string') return body.trim() || undefined; // a text body: its text
  if (file === 'mlflow.json') return typeof body.message === 'string' ? body.message.slice(0, 1024) : undefined;
  if (typeof body.error === 'string') return body.error;
  const detail = body.detail;
  if (Array.isArray(detail)) return (detail[0] as { msg?: string }).msg;
  return undefined;
}

/** At most 1 KiB of UTF-8, as the adapter cuts it. */
const cut = (text: string): string => {
  let out = '';
  for (const char of text) {
    if (Buffer.byteLength(out + char) > 1024) break;
    out += char;
  }
  return out;
};

captureLogs();
const s = await setup();
after(() => s.close());
const server = s.model;
const CONFIGS = {
  plain: (_preset: PresetName) => undefined,
  preset: (preset: PresetName) => ({ errors: { preset } }),
  exposed: (preset: PresetName) => ({ errors: { preset }, exposeUpstreamErrors: true }),
} as const;
for (const preset of Object.keys(PRESETS) as PresetName[]) {
  for (const [variant, config] of Object.entries(CONFIGS)) {
    const name = `${preset}-${variant}`;
    s.parameters[endpointParameter(name)] = `${server.url}/replay`;
    const doc = config(preset);
    if (doc) s.parameters[`${PREFIX}/models/${name}/config`] = JSON.stringify(doc);
  }
}

async function call(model: string, e: Exchange) {
  server.behave(replay(e));
  const before = server.received.length;
  const result = await s.invoke(restEvent({ path: predictPath(model), body: envelope('t-1', e.request.body) }));
  assert.equal(server.received.length, before + 1, 'the model is called once');
  assert.deepEqual(JSON.parse(server.received.at(-1)?.body ?? 'null'), e.request.body, 'the model receives the recorded request');
  return result;
}

function check(result: Awaited<ReturnType<typeof call>>, e: Exchange, expected: Expected) {
  if (expected.status === 200) {
    assert.equal(expectSuccess(result, 't-1'), responseText(e), "B's result is the model's answer, byte for byte");
    return undefined;
  }
  const body = expectError(result, expected.status, expected.code ?? '', 't-1');
  assert.equal(body.error.retryable, expected.retryable, 'retryable');
  if (expected.code === 'MODEL_REJECTED_INPUT') assert.equal(body.error.upstreamStatus, e.response.status, 'upstreamStatus');
  else assert.equal(body.error.upstreamStatus, undefined);
  return body as typeof body & { error: { details?: string } };
}

for (const file of RECORDING_FILES) {
  describe(`replayed: ${file}`, () => {
    for (const e of postsOfObjects(file)) {
      const preset = presetFor(file, e);
      test(`${e.name} (${e.response.status}): no rules, preset ${preset}, preset with exposeUpstreamErrors`, async () => {
        const plain = check(await call(`${preset}-plain`, e), e, byStatus(e.response.status));
        assert.equal(plain?.error.details, undefined, 'no details without exposeUpstreamErrors');
        const expected = WITH_PRESET[file][e.name] ?? byStatus(e.response.status);
        const withPreset = check(await call(`${preset}-preset`, e), e, expected);
        assert.equal(withPreset?.error.details, undefined, 'no details without exposeUpstreamErrors');
        const exposed = check(await call(`${preset}-exposed`, e), e, expected);
        const details = expected.code === 'MODEL_REJECTED_INPUT' ? expectedDetails(file, e) : undefined;
        assert.equal(exposed?.error.details, details === undefined ? undefined : cut(details), 'details: the preset\'s message, at most 1 KiB');
        assert.doesNotMatch(result(exposed), /Traceback|stack_trace/, 'never a stack trace');
      });
    }
  });
}

const result = (body: unknown): string => JSON.stringify(body ?? null);

test('the written-out expectations name recorded exchanges, every one of them a 5xx', () => {
  for (const file of RECORDING_FILES) {
    for (const name of Object.keys(WITH_PRESET[file])) assert.ok(exchange(file, name).response.status >= 500, `${file}: ${name}`);
  }
});

test('each preset rule matches the recorded exchanges it names, and no rule matches an exchange it does not name', () => {
  for (const [preset, { rules }] of Object.entries(PRESETS) as [PresetName, (typeof PRESETS)[PresetName]][]) {
    rules.forEach((rule, i) => {
      const compiled = compileErrorRules({ rules: [rule] });
      for (const named of rule.matches) {
        const at = named.indexOf(': ');
        const [file, name] = [named.slice(0, at) as RecordingFile, named.slice(at + 2)];
        const e = exchange(file, name);
        assert.ok(matchingRule(compiled, e.response.status, responseText(e)), `${preset} [${i}] matches ${named}`);
      }
      for (const file of RECORDING_FILES) {
        for (const e of recording(file).exchanges) {
          if ((rule.matches as readonly string[]).includes(`${file}: ${e.name}`)) continue;
          // A rule that states what the status already says (a 4xx is 422) may hold for more 400s than it lists.
          if (rule.outcome === 'MODEL_REJECTED_INPUT' && byStatus(e.response.status).code === 'MODEL_REJECTED_INPUT') continue;
          assert.equal(matchingRule(compiled, e.response.status, responseText(e)), undefined, `${preset} [${i}] must not match ${file}: ${e.name}`);
        }
      }
    });
  }
});
