import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DEFAULT_DEMO_PORTS, EPHEMERAL_DEMO_PORTS, startChurnModel, startDemoModels, startIrisModel } from '../../local/demo-models.ts';
import { demoParameters } from '../../local/demo-parameters.ts';
import {
  DEFAULT_PARAMETER_PREFIX,
  endpointParameter,
  parametersFileSource,
  parseParameters,
  ParametersFileError,
  readParametersFile,
  writeParametersFile,
} from '../../local/parameters-file.ts';
import { startSsmServer, type SsmServer } from '../../local/ssm-server.ts';

const dir = mkdtempSync(join(tmpdir(), 'params-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const tempFile = (content: string): string => {
  const path = join(dir, `p${n++}.json`);
  writeFileSync(path, content);
  return path;
};

describe('parseParameters', () => {
  it('reads names to string values', () => {
    assert.deepEqual(parseParameters('{"/a/models/iris/endpoint": "http://127.0.0.1:1/x"}'), {
      '/a/models/iris/endpoint': 'http://127.0.0.1:1/x',
    });
  });

  it('stores an object or array value as its JSON text, as SSM would hold it', () => {
    assert.deepEqual(parseParameters('{"/a/models/iris/config": {"timeoutMs": 500}, "/a/x": [1]}'), {
      '/a/models/iris/config': '{"timeoutMs":500}',
      '/a/x': '[1]',
    });
  });

  for (const [what, text] of [
    ['invalid JSON', '{"/a": "b",'],
    ['an empty file', ''],
    ['an array', '["/a"]'],
    ['null', 'null'],
    ['a number value', '{"/a": 1}'],
    ['a null value', '{"/a": null}'],
    ['a name without a leading slash', '{"a/b": "c"}'],
  ] as const) {
    it(`rejects ${what}`, () => {
      assert.throws(() => parseParameters(text), ParametersFileError);
    });
  }
});

describe('readParametersFile', () => {
  it('names the file in its error, and a missing file is an error too', () => {
    const broken = tempFile('{');
    assert.throws(() => readParametersFile(broken), (e: Error) => e instanceof ParametersFileError && e.message.includes(broken));
    assert.throws(() => readParametersFile(join(dir, 'missing.json')), /ENOENT/);
  });
});

describe('parametersFileSource', () => {
  it('re-reads the file on every call and reports each change of health once', () => {
    const path = tempFile('{"/a": "1"}');
    const events: (string | null)[] = [];
    const source = parametersFileSource(path, (problem) => events.push(problem));
    assert.deepEqual(source(), { '/a': '1' });
    writeFileSync(path, '{"/a": "2"}');
    assert.deepEqual(source(), { '/a': '2' });
    assert.deepEqual(events, [], 'a healthy start is not news');
    writeFileSync(path, '{"/a": ');
    assert.throws(() => source(), ParametersFileError);
    assert.throws(() => source(), ParametersFileError);
    writeFileSync(path, '{"/a": "3"}');
    assert.deepEqual(source(), { '/a': '3' });
    assert.equal(events.length, 2);
    assert.match(String(events[0]), /not valid JSON/);
    assert.equal(events[1], null);
  });
});

describe('writeParametersFile', () => {
  it('writes a file that reads back the same', () => {
    const path = join(dir, 'written.json');
    writeParametersFile(path, { '/a/b': 'c' });
    assert.deepEqual(readParametersFile(path), { '/a/b': 'c' });
  });
});

describe('the SSM endpoint over a parameters file', () => {
  const path = join(dir, 'ssm.json');
  let ssm: SsmServer;
  let client: SSMClient;
  before(async () => {
    writeFileSync(path, JSON.stringify({ '/p/models/iris/endpoint': 'http://127.0.0.1:1/a', '/q/other': 'x' }));
    ssm = await startSsmServer({ parameters: parametersFileSource(path) });
    client = new SSMClient({
      endpoint: ssm.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
  });
  after(async () => {
    client.destroy();
    await ssm.close();
  });

  const byPath = async (): Promise<Record<string, string>> => {
    const out = await client.send(new GetParametersByPathCommand({ Path: '/p', Recursive: true }));
    return Object.fromEntries((out.Parameters ?? []).map((p) => [p.Name ?? '', p.Value ?? '']));
  };

  it('serves the file to the real SDK, and an edit like put-parameter --overwrite', async () => {
    assert.deepEqual(await byPath(), { '/p/models/iris/endpoint': 'http://127.0.0.1:1/a' });
    writeFileSync(path, JSON.stringify({ '/p/models/iris/endpoint': 'http://127.0.0.1:2/b' }));
    assert.deepEqual(await byPath(), { '/p/models/iris/endpoint': 'http://127.0.0.1:2/b' });
  });

  it('answers 500 while the file is half-written, and serves again once it is whole', async () => {
    writeFileSync(path, '{"/p/models/iris/endpoint": "http://127.0.0.1:3/c"');
    const raw = await fetch(ssm.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'AmazonSSM.GetParametersByPath', 'content-type': 'application/x-amz-json-1.1' },
      body: '{"Path":"/p","Recursive":true}',
    });
    assert.equal(raw.status, 500);
    assert.equal(((await raw.json()) as { __type: string }).__type, 'InternalServerError');
    await assert.rejects(byPath(), (e: { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode === 500);
    writeFileSync(path, JSON.stringify({ '/p/models/iris/endpoint': 'http://127.0.0.1:3/c' }));
    assert.deepEqual(await byPath(), { '/p/models/iris/endpoint': 'http://127.0.0.1:3/c' });
  });
});

describe('local/parameters.json as committed', () => {
  it('is the demo parameter set (local/demo-parameters.ts) for the default ports and prefix', async () => {
    const committed = readParametersFile(new URL('../../local/parameters.json', import.meta.url).pathname);
    const demos = await startDemoModels(EPHEMERAL_DEMO_PORTS);
    await demos.close();
    const atDefaultPorts = demos.services.map((service) => {
      const url = new URL(service.url);
      url.port = String(Object.values(DEFAULT_DEMO_PORTS)[demos.services.indexOf(service)]);
      return { parameter: service.parameter, url: url.href };
    });
    assert.deepEqual(committed, parseParameters(JSON.stringify(demoParameters(DEFAULT_PARAMETER_PREFIX, atDefaultPorts))));
  });

  it('points each demo model at its demo service on the default port', async () => {
    const committed = readParametersFile(new URL('../../local/parameters.json', import.meta.url).pathname);
    for (const [start, port] of [
      [startIrisModel, DEFAULT_DEMO_PORTS.iris],
      [startChurnModel, DEFAULT_DEMO_PORTS.churn],
    ] as const) {
      const service = await start({ port: 0 });
      await service.close();
      const url = new URL(service.url);
      url.port = String(port);
      assert.equal(committed[endpointParameter(DEFAULT_PARAMETER_PREFIX, service.name)], url.href);
    }
  });
});

describe('endpointParameter', () => {
  it('builds the contract’s endpoint parameter name', () => {
    assert.equal(endpointParameter('/contract-adapter/local', 'iris'), '/contract-adapter/local/models/iris/endpoint');
  });
});

