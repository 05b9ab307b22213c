// Failure catalogue, section D: SSM faults and configured endpoints (rows 26-30), through the
// real handler, the real SDK and the loopback SSM endpoint (local/ssm-server.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { envelope, lambdaContext, predictPath, restEvent, httpEvent } from '../support/events.ts';
import { endpointParameter } from '../support/harness.ts';
import { answerJson, startModelServer, type Behaviour } from '../support/model-server.ts';
import { fakeDns } from '../support/fake-dns.ts';
import { watchConnections, type ConnectionWatch } from '../support/sockets.ts';
import { emfLines, parseLines, requestLines } from '../support/log-lines.ts';
import {
  assertLogsClean,
  assertNoLeak,
  captureLogs,
  closedPort,
  expectError,
  expectSuccess,
  marker,
  setup,
  type Setup,
} from '../support/catalogue.ts';

const TAG = 'tag-d';
const SECRET = marker('B-SECRET');
const BODY = envelope(TAG, { k: SECRET });
const ask = (s: Setup, model = 'iris', context = lambdaContext()) => s.invoke(restEvent({ path: predictPath(model), body: BODY }), context);
const SSM_MESSAGES = ['Rate exceeded', 'ThrottlingException: ', 'parameter source'];

/** Connection attempts to anything but this setup's SSM endpoint: a model socket, allowed or not. */
const modelAttempts = (watch: ConnectionWatch, s: Setup) => watch.except(Number(new URL(s.harness.ssm.url).port));

/** 503 CONFIG_UNAVAILABLE, no model socket, nothing leaked; returns the time it took. */
async function expectConfigUnavailable(s: Setup, model = 'iris', secrets: string[] = []): Promise<number> {
  const logs = captureLogs();
  const started = performance.now();
  const result = await ask(s, model);
  const elapsed = performance.now() - started;
  expectError(result, 503, 'CONFIG_UNAVAILABLE', TAG);
  assertNoLeak(result, { servers: s.servers, secrets: [SECRET, ...SSM_MESSAGES, ...secrets] });
  assertLogsClean(logs.text(), { servers: s.servers, secrets: [SECRET, ...SSM_MESSAGES, ...secrets] });
  return elapsed;
}

describe('D26 SSM throttled or unreachable with nothing cached: 503 CONFIG_UNAVAILABLE within the SSM budget, no model call', () => {
  test('D26 throttled, failing with 500, hanging, and refusing connections', async (t) => {
    const hang = await setup();
    t.after(() => hang.close());
    hang.harness.ssm.setFault({ kind: 'hang' });
    const started = performance.now();
    const hanging = ask(hang);
    // Let the hanging handler make its first SSM call (the SDK reads its endpoint then) before
    // the other handlers run, so that the three-second wait overlaps them.
    while (hang.harness.ssm.calls.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));

    for (const kind of ['throttle', 'error500'] as const) {
      const s = await setup();
      t.after(() => s.close());
      s.harness.ssm.setFault({ kind });
      const elapsed = await expectConfigUnavailable(s);
      assert.ok(elapsed < 5_000, `${kind}: answered in ${Math.round(elapsed)} ms`);
      assert.ok(s.harness.ssm.calls.length >= 1, `${kind}: SSM was asked`);
      assert.equal(s.model.connections, 0, `${kind}: no model call`);
      // Nothing cached and the fault goes on: the next request is refused straight away too.
      assert.ok((await expectConfigUnavailable(s)) < 5_000);
      assert.equal(s.model.connections, 0);
    }

    const port = await closedPort();
    const unreachable = await setup({ env: { AWS_ENDPOINT_URL_SSM: `http://127.0.0.1:${port}` } });
    t.after(() => unreachable.close());
    const elapsed = await expectConfigUnavailable(unreachable, 'iris', [String(port)]);
    assert.ok(elapsed < 5_000, `unreachable: answered in ${Math.round(elapsed)} ms`);
    assert.equal(unreachable.harness.ssm.calls.length, 0);
    assert.equal(unreachable.model.connections, 0);

    const logs = captureLogs();
    const result = await hanging;
    const hangElapsed = performance.now() - started;
    expectError(result, 503, 'CONFIG_UNAVAILABLE', TAG);
    assertNoLeak(result, { servers: hang.servers, secrets: [SECRET] });
    assertLogsClean(logs.text(), { servers: hang.servers, secrets: [SECRET] });
    assert.ok(hangElapsed < 5_000, `hanging SSM: answered in ${Math.round(hangElapsed)} ms (budget 3 s)`);
    assert.equal(hang.model.connections, 0);
  });
});

describe('D27 SSM throttled or unreachable with a good cached value: 200 from the last good value, a metric says stale', () => {
  test('D27 throttle, 500, hang and a closed SSM endpoint all serve the last good endpoint', async (t) => {
    // TTL 0: every request finds the copy too old and tries to refresh it.
    const s = await setup({ behaviour: answerJson('{"from":"old"}'), env: { PARAMETER_CACHE_TTL_SECONDS: '0' } });
    t.after(() => s.close());
    const moved = await startModelServer(answerJson('{"from":"new"}'));
    t.after(() => moved.close());
    assert.equal(expectSuccess(await ask(s), TAG), '{"from":"old"}');

    // The parameter changes while SSM fails: the answer must come from the last good value.
    s.parameters[endpointParameter('iris')] = `${moved.url}/predict`;
    const faults: Array<[string, () => void, number]> = [
      ['throttled', () => s.harness.ssm.setFault({ kind: 'throttle' }), 10_000],
      ['500', () => s.harness.ssm.setFault({ kind: 'error500' }), 10_000],
      // A hanging SSM is waited for only as long as the request's budget allows.
      ['hanging', () => s.harness.ssm.setFault({ kind: 'hang' }), 1_600],
    ];
    for (const [name, apply, remaining] of faults) {
      apply();
      const calls = s.harness.ssm.calls.length;
      const logs = captureLogs();
      const started = performance.now();
      const result = await ask(s, 'iris', lambdaContext(remaining));
      const elapsed = performance.now() - started;
      assert.equal(expectSuccess(result, TAG), '{"from":"old"}', `${name}: the last good value serves`);
      const [metrics] = emfLines(parseLines(logs.text())).filter((record) => 'Requests' in record);
      assert.equal(metrics?.StaleServes, 1, `${name}: a metric says stale was served`);
      assert.equal(requestLines(parseLines(logs.text()))[0]?.cache, 'stale');
      assert.ok(s.harness.ssm.calls.length > calls, `${name}: a refresh was attempted`);
      assert.ok(elapsed < 5_000, `${name}: answered in ${Math.round(elapsed)} ms`);
      // A hanging refresh fails (and is logged) after the request has already been answered, when
      // the SDK's per-call timeouts and its one retry are spent.
      if (name !== 'hanging') assert.match(logs.text(), /configuration refresh failed/);
      assertLogsClean(logs.text(), { servers: [s.model, { url: moved.url, port: moved.port }], secrets: [SECRET, ...SSM_MESSAGES] });
    }
    assert.equal(moved.connections, 0);

    // Unreachable: the SSM endpoint goes away altogether.
    s.harness.ssm.setFault({ kind: 'none' });
    await s.harness.ssm.close();
    // A refresh that started before the close may still succeed; what matters is that from
    // now on every refresh fails and the answer keeps coming from one good value.
    const answers = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const result = await ask(s);
      answers.add(expectSuccess(result, TAG));
    }
    const last = expectSuccess(await ask(s), TAG);
    assert.ok(answers.has(last));
    assert.ok(['{"from":"old"}', '{"from":"new"}'].includes(last));
  });
});

describe('D28 more parameters than one page: every page is read', () => {
  test('D28 46 models over 5 pages of 10: the model on the last page is callable', async (t) => {
    const s = await setup();
    t.after(() => s.close());
    const last = await s.addModel('zzz-last', answerJson('{"page":"last"}'));
    const first = await s.addModel('aaa-first', answerJson('{"page":"first"}'));
    for (let i = 0; i < 44; i++) s.parameters[endpointParameter(`m${String(i).padStart(2, '0')}`)] = `${s.model.url}/m${i}`;
    assert.equal(Object.keys(s.parameters).length, 47, "iris, zzz-last, aaa-first and m00 to m43");

    assert.equal(expectSuccess(await ask(s, 'zzz-last'), TAG), '{"page":"last"}');
    const pages = s.harness.ssm.calls.filter((call) => call === 'GetParametersByPath').length;
    assert.ok(pages >= 5, `read ${pages} pages`);
    assert.equal(last.connections, 1);
    assert.equal(expectSuccess(await ask(s, 'aaa-first'), TAG), '{"page":"first"}');
    assert.equal(first.connections, 1);
    expectSuccess(await ask(s, 'm43'), TAG);
    assert.equal(s.model.received.at(-1)!.url, '/m43');

    const listed = await s.invoke(restEvent({ method: 'GET', path: '/v1/models', headers: {} }));
    assert.equal(listed.statusCode, 200);
    const { models } = JSON.parse(listed.body) as { models: string[] };
    assert.equal(models.length, 47);
    assert.ok(models.includes('zzz-last') && models.includes('aaa-first') && models.includes('m00'));
  });
});

describe('D29 an invalid or disallowed endpoint: 503 CONFIG_UNAVAILABLE and no socket', () => {
  test('D29 empty, not a URL, file:, ftp:, userinfo, fragment, metadata address (no allowlist)', async (t) => {
    const s = await setup();
    t.after(() => s.close());
    const p = s.model.port;
    const bad: Record<string, string> = {
      empty: '',
      'not-a-url': 'not a url',
      relative: '/predict',
      file: 'file:///etc/passwd',
      ftp: 'ftp://x/',
      ftp2: `ftp://127.0.0.1:${p}/`,
      ws: `ws://127.0.0.1:${p}/`,
      javascript: 'javascript:alert(1)',
      data: 'data:application/json,{}',
      userinfo: 'https://a@evil.example',
      'userinfo-loopback': `http://user:pass@127.0.0.1:${p}/predict`,
      fragment: `http://127.0.0.1:${p}/predict#x`,
      'userinfo-empty': `http://@127.0.0.1:${p}/predict`,
      'userinfo-colon': `http://:@127.0.0.1:${p}/predict`,
      'userinfo-host-first': `http://127.0.0.1:${p}@evil.example/`,
      'userinfo-two-ats': `http://evil.example@x@127.0.0.1:${p}/`,
      metadata: 'http://169.254.169.254/latest/meta-data/',
      'metadata-decimal': 'http://2852039166/',
      'metadata-octal': 'http://0251.0376.0251.0376/',
      'metadata-hex': 'http://0xa9fea9fe/',
      'metadata-trailing-dot': 'http://169.254.169.254./',
      'metadata-v4-mapped': 'http://[::ffff:169.254.169.254]/',
      'metadata-nat64': 'http://[64:ff9b::a9fe:a9fe]/',
      'metadata-v6': 'http://[fd00:ec2::254]/',
      unspecified: `http://0.0.0.0:${p}/`,
      'unspecified-zero': `http://0:${p}/`,
    };
    for (const [name, value] of Object.entries(bad)) s.parameters[endpointParameter(name)] = value;
    const watch = watchConnections();
    t.after(() => watch.stop());
    for (const name of Object.keys(bad)) {
      await expectConfigUnavailable(s, name, ['evil.example', '/etc/passwd', '169.254', 'fd00', 'meta-data', 'user:pass', '0xa9fe', '0251', 'ff9b']);
    }
    assert.equal(s.model.connections, 0, 'no socket to the loopback model');
    assert.deepEqual(modelAttempts(watch, s), [], 'no connection attempted anywhere but SSM');
    const listed = JSON.parse((await s.invoke(restEvent({ method: 'GET', path: '/v1/models', headers: {} }))).body) as { models: string[] };
    assert.deepEqual(listed.models, ['iris'], 'unusable endpoints are not listed');
    // The control: the same handler does reach a good endpoint.
    expectSuccess(await ask(s), TAG);
    assert.equal(s.model.connections, 1);
  });

  test('D29 with UPSTREAM_ALLOWLIST=10.0.0.0/8: loopback in any spelling and the metadata address', async (t) => {
    const model = await startModelServer();
    t.after(() => model.close());
    const p = model.port;
    const spellings: Record<string, string> = {
      decimal: `http://2130706433:${p}/`,
      'hex-short': `http://0x7f.1:${p}/`,
      dotted: `http://127.0.0.1:${p}/`,
      short: `http://127.1:${p}/`,
      octal: `http://0177.0.0.1:${p}/`,
      'v4-mapped-v6': `http://[::ffff:127.0.0.1]:${p}/`,
      'v6-loopback': `http://[::1]:${p}/`,
      // The model's name is logged (it is configured); the host in its endpoint never is.
      'named-host': `http://localhost:${p}/`,
      metadata: 'http://169.254.169.254/',
    };
    const parameters: Record<string, string> = {};
    for (const [name, value] of Object.entries(spellings)) parameters[endpointParameter(name)] = value;
    const s = await setup({ env: { UPSTREAM_ALLOWLIST: '10.0.0.0/8' }, parameters });
    t.after(() => s.close());
    const watch = watchConnections();
    t.after(() => watch.stop());
    for (const name of Object.keys(spellings)) {
      await expectConfigUnavailable(s, name, ['2130706433', '0x7f', '169.254', String(p)]);
    }
    await expectConfigUnavailable(s, 'iris');
    assert.equal(model.connections, 0, 'no socket');
    assert.equal(s.model.connections, 0, 'no socket');
    assert.deepEqual(modelAttempts(watch, s), [], 'no connection attempted anywhere but SSM');
  });

  test('D29 an allowed host name that resolves outside the allowlist: refused, no socket', async (t) => {
    const model = await startModelServer();
    t.after(() => model.close());
    const dns = fakeDns({ 'models.internal': { address: '127.0.0.1' } });
    t.after(() => dns.restore());
    const s = await setup({
      env: { UPSTREAM_ALLOWLIST: 'models.internal,10.20.0.0/16' },
      parameters: { [endpointParameter('rebound')]: `http://models.internal:${model.port}/predict` },
    });
    t.after(() => s.close());
    const watch = watchConnections();
    t.after(() => watch.stop());
    const logs = captureLogs();
    const result = await ask(s, 'rebound');
    expectError(result, 503, 'CONFIG_UNAVAILABLE', TAG);
    assertNoLeak(result, { servers: [model], secrets: ['models.internal', SECRET] });
    assertLogsClean(logs.text(), { servers: [model], secrets: ['models.internal', SECRET] });
    assert.equal(model.connections, 0, 'no socket to an address outside the allowlist');
    assert.deepEqual(modelAttempts(watch, s), [], 'the lookup refused before any connection attempt');
  });

  test('D29 the same name resolving inside the allowlist is called (the control)', async (t) => {
    const model = await startModelServer(answerJson('{"ok":true}'));
    t.after(() => model.close());
    const dns = fakeDns({ 'models.internal': { address: '127.0.0.1' } });
    t.after(() => dns.restore());
    const s = await setup({
      env: { UPSTREAM_ALLOWLIST: 'models.internal,127.0.0.0/8' },
      parameters: { [endpointParameter('resolved')]: `http://models.internal:${model.port}/predict` },
    });
    t.after(() => s.close());
    const watch = watchConnections();
    t.after(() => watch.stop());
    assert.equal(expectSuccess(await ask(s, 'resolved'), TAG), '{"ok":true}');
    assert.deepEqual(dns.asked, ['models.internal']);
    assert.equal(model.connections, 1);
    assert.deepEqual(modelAttempts(watch, s), [{ address: '127.0.0.1', port: model.port }], 'the watch sees a real attempt');
  });

  test('D29 a CIDR-only allowlist (as the CDK stack sets it) admits an unlisted name that resolves inside it', async (t) => {
    const model = await startModelServer(answerJson('{"ok":true}'));
    t.after(() => model.close());
    const dns = fakeDns({ 'iris.models.internal': { address: '127.0.0.1' } });
    t.after(() => dns.restore());
    const s = await setup({
      env: { UPSTREAM_ALLOWLIST: '127.0.0.0/8' },
      parameters: { [endpointParameter('named')]: `http://iris.models.internal:${model.port}/predict` },
    });
    t.after(() => s.close());
    assert.equal(expectSuccess(await ask(s, 'named'), TAG), '{"ok":true}');
    assert.equal(model.connections, 1);
  });

  test('D29 a names-only allowlist refuses an unlisted name before any lookup', async (t) => {
    const dns = fakeDns({ 'other.internal': { address: '127.0.0.1' } });
    t.after(() => dns.restore());
    const s = await setup({
      env: { UPSTREAM_ALLOWLIST: 'models.internal' },
      parameters: { [endpointParameter('other')]: 'http://other.internal/predict' },
    });
    t.after(() => s.close());
    expectError(await ask(s, 'other'), 503, 'CONFIG_UNAVAILABLE', TAG);
    assert.deepEqual(dns.asked, []);
  });

  test('D29 no allowlist: a host name that resolves to the metadata address opens no socket', async (t) => {
    const dns = fakeDns({ 'rebind.example': { address: '169.254.169.254' } });
    t.after(() => dns.restore());
    const s = await setup({
      env: { UPSTREAM_TIMEOUT_MS: '500' },
      parameters: { [endpointParameter('rebind')]: 'http://rebind.example/latest/meta-data/' },
    });
    t.after(() => s.close());
    const watch = watchConnections();
    t.after(() => watch.stop());
    const logs = captureLogs();
    const result = await ask(s, 'rebind');
    expectError(result, 503, 'CONFIG_UNAVAILABLE', TAG);
    assert.deepEqual(modelAttempts(watch, s), [], 'no connection attempt to 169.254.169.254');
    assertNoLeak(result, { secrets: ['rebind.example', '169.254', SECRET] });
    assertLogsClean(logs.text(), { secrets: ['rebind.example', '169.254', SECRET] });
    assert.deepEqual(dns.asked, ['rebind.example']);
  });
});

describe('D30 an endpoint changed while a request is in flight', () => {
  test('D30 the in-flight request finishes on the value it resolved; the next one uses the new value', async (t) => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow: Behaviour = async (_req, res) => {
      await gate;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"from":"old"}');
    };
    const s = await setup({ behaviour: slow, env: { PARAMETER_CACHE_TTL_SECONDS: '0' } });
    t.after(() => s.close());
    const moved = await startModelServer(answerJson('{"from":"new"}'));
    t.after(() => moved.close());

    const inFlight = s.invoke(httpEvent({ body: BODY }));
    while (s.model.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    s.parameters[endpointParameter('iris')] = `${moved.url}/predict`;

    // A new request while the first is held: it reads SSM again (TTL 0) and goes to the new model.
    assert.equal(expectSuccess(await s.invoke(httpEvent({ body: BODY })), TAG), '{"from":"new"}');
    release();
    assert.equal(expectSuccess(await inFlight, TAG), '{"from":"old"}', 'the in-flight request keeps its endpoint');
    assert.equal(s.model.received.length, 1);
    assert.equal(moved.received.length, 1);
    assert.equal(expectSuccess(await s.invoke(restEvent({ body: BODY })), TAG), '{"from":"new"}');
  });
});
