import assert from 'node:assert/strict';
import { modelName, type ModelName } from '../../../lambda/contract/model-name.ts';
import { describe, test } from 'node:test';
import { parseAllowlist } from '../../../lambda/config/allowlist.ts';
import { configHash, parseModelConfig } from '../../../lambda/config/model-config.ts';
import { buildSnapshot, callableEnsembles, callableModels, callableVariants, newRejections } from '../../../lambda/config/snapshot.ts';
import { resolveTls } from '../../../lambda/config/tls-material.ts';
import { parseEnsembleConfig } from '../../../lambda/config/ensemble-config.ts';
import { parsePolicy } from '../../../lambda/config/policy.ts';
import { tlsFixtures } from '../../support/tls-fixtures.ts';

/** A name as the snapshot keys it. */
const name = (text: string): ModelName => modelName(text) as ModelName;

const open = parseAllowlist('');
const refused = (text: string) => {
  const parsed = parseModelConfig(text);
  assert.equal(parsed.ok, false, text);
  return parsed.ok ? '' : parsed.reason;
};

describe('parseModelConfig', () => {
  test('an empty document is a valid config that changes nothing', () => {
    const parsed = parseModelConfig('{}');
    assert.ok(parsed.ok);
    assert.equal(parsed.config.request, undefined);
    assert.equal(parsed.config.response, undefined);
    assert.equal(parsed.config.hash, configHash('{}'));
    assert.match(parsed.config.hash, /^[0-9a-f]{12}$/);
  });

  test('compiles every expression once, with its defaults', () => {
    const parsed = parseModelConfig(
      JSON.stringify({
        timeoutMs: 1500,
        request: { expression: '{instances: data.rows}', required: ['data.rows'] },
        response: '{label: response.label}',
        errorWhen: "status == 'FAILED'",
        exposeUpstreamErrors: { message: 'detail' },
        variants: { canary: { variant: 'v2', percent: 10 }, shadow: { variant: 'lab' } },
        tls: { ca: 'tls/ca' },
      }),
    );
    assert.ok(parsed.ok);
    const { config } = parsed;
    assert.equal(config.timeoutMs, 1500);
    assert.deepEqual(config.request?.required.map((r) => r.path), ['data.rows']);
    assert.equal(config.errorWhen?.evaluate({ status: 'FAILED' }), true);
    assert.equal(config.exposeUpstreamErrors?.message?.evaluate({ detail: 'no' }), 'no');
    assert.deepEqual(config.canary, { variant: 'v2', percent: 10 });
    assert.equal(config.shadow?.percent, 100, 'a shadow takes every request unless told otherwise');
    assert.deepEqual(config.tls, { ca: 'tls/ca' });
  });

  test('refuses a document that is not JSON, breaks the schema, or holds an expression that does not compile', () => {
    assert.equal(refused('{"request":'), 'not a JSON document');
    assert.equal(refused('[]'), 'schema: / must be object');
    assert.equal(refused('{"timeout": 5}'), 'schema: / must NOT have additional properties ("timeout")');
    assert.equal(refused('{"timeoutMs": 0}'), 'schema: /timeoutMs must be >= 1');
    assert.equal(refused('{"variants": {"canary": {"variant": "v2", "percent": 101}}}'), 'schema: /variants/canary/percent must be <= 100');
    assert.equal(refused('{"variants": {"canary": {"variant": "../x", "percent": 5}}}'), 'schema: /variants/canary/variant does not have the required form');
    assert.equal(refused('{"tls": {"cert": "tls/c"}}'), 'schema: /tls must have property key when property cert is present');
    assert.equal(refused('{"tls": {"ca": "../other/ca"}}'), 'schema: /tls/ca does not have the required form');
    assert.equal(refused('{"request": {"expression": "data", "required": ["data rows"]}}'), 'schema: /request/required/0 does not have the required form');
    assert.equal(refused('{"request": ""}'), 'schema: /request does not have the required form');
    assert.equal(refused('{"request": "{a: "}'), 'expression: /request syntax error at column 4');
    assert.equal(refused('{"errorWhen": "lenght(status)"}'), 'expression: /errorWhen unknown function lenght()');
    assert.equal(refused(JSON.stringify({ errorWhen: `status == '${'x'.repeat(2048)}'` })), 'expression: /errorWhen is longer than 2048 characters');
    // Was refused (Powertools' JMESPath read built-ins on every object); the engine reads the field.
    const shadow = parseModelConfig('{"variants": {"shadow": {"variant": "lab", "compare": "constructor"}}}');
    assert.ok(shadow.ok);
    assert.equal(shadow.config.shadow?.compare?.evaluate({ constructor: 'c' }), 'c');
    assert.equal(shadow.config.shadow?.compare?.evaluate({}), null);
  });
});

describe('parseEnsembleConfig', () => {
  test('members, a policy they can meet and a deadline', () => {
    const parsed = parseEnsembleConfig('{"members": ["a", "b", "c"], "policy": "quorum:2", "deadlineMs": 500}');
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.config.members, ['a', 'b', 'c']);
    assert.equal(parsed.config.policy.needed, 2);
  });
  test('refuses duplicates, too many members, a quorum above the member count and unknown policies', () => {
    const reason = (text: string) => {
      const parsed = parseEnsembleConfig(text);
      return parsed.ok ? 'accepted' : parsed.reason;
    };
    assert.match(reason('{"members": ["a", "a"], "policy": "all", "deadlineMs": 5}'), /duplicate/);
    assert.match(reason(`{"members": ${JSON.stringify(Array.from({ length: 9 }, (_, i) => `m${i}`))}, "policy": "all", "deadlineMs": 5}`), /must NOT have more than 8 items/);
    assert.equal(reason('{"members": ["a", "b"], "policy": "quorum:3", "deadlineMs": 5}'), 'schema: /policy needs more members than the ensemble has');
    assert.equal(reason('{"members": ["a"], "policy": "most", "deadlineMs": 5}'), 'schema: /policy does not have the required form');
    assert.equal(reason('{"members": ["a"], "policy": "all"}'), "schema: / must have required property 'deadlineMs'");
  });
  test('policies', () => {
    assert.equal(parsePolicy('all', 3)?.needed, 3);
    assert.equal(parsePolicy('any', 3)?.needed, 1);
    assert.equal(parsePolicy('quorum:3', 3)?.needed, 3);
    assert.equal(parsePolicy('quorum:4', 3), undefined);
    assert.equal(parsePolicy('quorum:0', 3), undefined);
  });
});

describe('buildSnapshot with configs, variants and ensembles', () => {
  const base = {
    '/p/models/iris/endpoint': 'http://a/iris',
    '/p/models/iris/variants/lab/endpoint': 'http://a/lab',
    '/p/models/iris/variants/bad/endpoint': 'ftp://a/',
    '/p/models/iris/variants/../endpoint': 'http://a/x',
    '/p/models/churn/endpoint': 'http://a/churn',
    '/p/models/orphan/config': '{}',
    '/p/models/orphan/variants/v/endpoint': 'http://a/v',
    '/p/ensembles/both': '{"members": ["iris", "churn"], "policy": "all", "deadlineMs": 100}',
    '/p/ensembles/broken': '{"members": []}',
  };
  const build = (extra: Record<string, string> = {}, previous?: ReturnType<typeof buildSnapshot>) =>
    buildSnapshot(new Map(Object.entries({ ...base, ...extra })), '/p', open, previous);

  test('variants belong to their model; a config or variant without an endpoint configures nothing', () => {
    const snapshot = build();
    assert.deepEqual(callableModels(snapshot), ['churn', 'iris']);
    assert.deepEqual(callableVariants(snapshot), { iris: ['lab'] });
    assert.deepEqual([...(snapshot.models.get(name('iris'))?.variants.keys() ?? [])].sort(), ['bad', 'lab']);
    assert.deepEqual(callableEnsembles(snapshot), ['both']);
    assert.equal(snapshot.ensembles.get(name('broken'))?.kind, 'unusable');
  });

  test('a refused config with nothing good before it makes the model unusable, and is reported once', () => {
    const first = build({ '/p/models/iris/config': '{"timeoutMs": -1}' });
    assert.equal(first.models.get(name('iris'))?.config.kind, 'unusable');
    assert.deepEqual(callableModels(first), ['churn'], 'not listed while unusable');
    const rejection = first.rejections.find((r) => r.name === 'iris');
    assert.deepEqual(rejection, { kind: 'model', name: 'iris', hash: configHash('{"timeoutMs": -1}'), reason: 'schema: /timeoutMs must be >= 1', kept: undefined });
    const second = build({ '/p/models/iris/config': '{"timeoutMs": -1}' }, first);
    assert.equal(newRejections(second, first).length, 0, 'the same rejection is not reported again');
    assert.equal(newRejections(first, undefined).length, 2, 'the broken ensemble and the model');
  });

  test('a refused config keeps the last good one serving; its compiled form is reused while the text is unchanged', () => {
    const good = '{"request": "{rows: data.x}"}';
    const first = build({ '/p/models/iris/config': good });
    const second = build({ '/p/models/iris/config': good }, first);
    const firstState = first.models.get(name('iris'))?.config;
    const secondState = second.models.get(name('iris'))?.config;
    assert.ok(firstState?.kind === 'ok' && secondState?.kind === 'ok');
    assert.equal(secondState.config, firstState.config, 'the same compiled object: compiled once per version');

    const third = build({ '/p/models/iris/config': '{"request": "{rows: "}' }, second);
    const thirdState = third.models.get(name('iris'))?.config;
    assert.ok(thirdState?.kind === 'ok');
    assert.equal(thirdState.config, firstState.config, 'the last good version keeps serving');
    assert.equal(third.rejections[0]?.kept, configHash(good));

    const fourth = build({ '/p/models/iris/config': '{"request": "{rows: "}' }, third);
    assert.equal(fourth.models.get(name('iris'))?.config.kind, 'ok', 'still the last good one a refresh later');
    const removed = build({}, fourth);
    assert.equal(removed.models.get(name('iris'))?.config.kind, 'none', 'deleting the config parameter removes the config');
  });

  test('an ensemble keeps its last good version too', () => {
    const first = build();
    const second = build({ '/p/ensembles/both': '{"members": ["iris"], "policy": "quorum:2", "deadlineMs": 100}' }, first);
    const state = second.ensembles.get(name('both'));
    assert.ok(state?.kind === 'ok');
    assert.deepEqual(state.config.members, ['iris', 'churn']);
  });
});

describe('resolveTls', () => {
  const tls = tlsFixtures();
  const parameters = new Map([
    ['/p/tls/ca', tls.caCert],
    ['/p/tls/cert', tls.clientCert],
    ['/p/tls/key', tls.clientKey],
    ['/p/tls/other-key', tls.serverKey],
    ['/p/tls/garbage', 'not a pem'],
  ]);

  test('reads the named parameters under the prefix and fingerprints them', () => {
    const resolved = resolveTls({ ca: 'tls/ca', cert: 'tls/cert', key: 'tls/key' }, parameters, '/p');
    assert.ok(resolved.ok);
    assert.equal(resolved.material.ca, tls.caCert);
    assert.match(resolved.material.hash, /^[0-9a-f]{16}$/);
    const caOnly = resolveTls({ ca: 'tls/ca' }, parameters, '/p');
    assert.ok(caOnly.ok && caOnly.material.hash !== resolved.material.hash);
    const again = resolveTls({ ca: 'tls/ca', cert: 'tls/cert', key: 'tls/key' }, parameters, '/p', resolved.material);
    assert.ok(again.ok && again.material === resolved.material, 'unchanged material is reused as it is');
  });

  test('refuses missing parameters and material Node cannot use, naming neither values nor parameters', () => {
    assert.deepEqual(resolveTls({ ca: 'tls/nope' }, parameters, '/p'), { ok: false, reason: 'tls: the ca parameter is missing or empty' });
    const garbage = resolveTls({ ca: 'tls/garbage' }, parameters, '/p');
    assert.ok(!garbage.ok && /^tls: material Node cannot use \(ERR_/.test(garbage.reason), JSON.stringify(garbage));
    const mismatch = resolveTls({ cert: 'tls/cert', key: 'tls/other-key' }, parameters, '/p');
    assert.ok(!mismatch.ok && mismatch.reason.startsWith('tls: material Node cannot use'));
  });

  test('a config whose TLS material is refused falls back like any refused config', () => {
    const config = JSON.stringify({ tls: { ca: 'tls/ca' } });
    const params = (ca: string) => new Map([['/p/models/m/endpoint', 'https://a/'], ['/p/models/m/config', config], ['/p/tls/ca', ca]]);
    const first = buildSnapshot(params(tls.caCert), '/p', open);
    const good = first.models.get(name('m'))?.config;
    assert.ok(good?.kind === 'ok' && good.tls?.ca === tls.caCert);
    const second = buildSnapshot(params('garbage'), '/p', open, first);
    const kept = second.models.get(name('m'))?.config;
    assert.ok(kept?.kind === 'ok' && kept.tls === good.tls, 'the last good material keeps serving');
    assert.match(second.rejections[0]?.reason ?? '', /^tls: /);
  });
});
