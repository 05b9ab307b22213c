import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DEFAULT_DEMO_PORTS, EPHEMERAL_DEMO_PORTS, startChurnModel, startDemoModels, startIrisModel } from '../../local/demo-models.ts';
import { defaultDemoParameters } from '../../local/demo-parameters.ts';
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
  // As git has it, never as the working copy may have been edited (local/README tells users to
  // edit it). The working copy passes too when it is the demo set, so that a regenerated file
  // passes before it is committed.
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const generated = `${JSON.stringify(defaultDemoParameters(), null, 2)}\n`;
  let inGit: string | undefined;
  try {
    inGit = execFileSync('git', ['show', 'HEAD:local/parameters.json'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    inGit = undefined;
  }

  it('is the demo parameter set (local/demo-parameters.ts) for the default ports and prefix', { skip: inGit === undefined && 'no git checkout to read the committed file from' }, () => {
    if (readFileSync(join(root, 'local/parameters.json'), 'utf8') === generated) return;
    assert.equal(inGit, generated, 'local/parameters.json as committed is not what local/demo-parameters.ts writes: delete it, run `npm start` once to write it again, and commit it');
  });

  it('points each demo model at its demo service on the default port', async () => {
    const parameters = parseParameters(generated);
    for (const [start, port] of [
      [startIrisModel, DEFAULT_DEMO_PORTS.iris],
      [startChurnModel, DEFAULT_DEMO_PORTS.churn],
    ] as const) {
      const service = await start({ port: 0 });
      await service.close();
      const url = new URL(service.url);
      url.port = String(port);
      assert.equal(parameters[endpointParameter(DEFAULT_PARAMETER_PREFIX, service.name)], url.href);
    }
  });

  it('names every demo service at its default address (the path it really serves)', async () => {
    const demos = await startDemoModels(EPHEMERAL_DEMO_PORTS);
    await demos.close();
    const parameters = parseParameters(generated);
    for (const service of demos.services) {
      const url = new URL(service.url);
      url.port = String(Object.values(DEFAULT_DEMO_PORTS)[demos.services.indexOf(service)]);
      assert.equal(parameters[`${DEFAULT_PARAMETER_PREFIX}/${service.parameter}`], url.href, service.name);
    }
  });
});

describe('endpointParameter', () => {
  it('builds the contract’s endpoint parameter name', () => {
    assert.equal(endpointParameter('/contract-adapter/local', 'iris'), '/contract-adapter/local/models/iris/endpoint');
  });
});

