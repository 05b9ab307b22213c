// https endpoints with TLS material from SSM (docs/models.md, "TLS"): a custom CA, and a client
// certificate and key for mutual TLS, named by the model's config and read from parameters
// under the prefix. Certificates are made with openssl at test time (test/support/tls-fixtures.ts).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { after, describe, test } from 'node:test';
import { GetParametersByPathCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { PREFIX, endpointParameter } from '../support/harness.ts';
import { envelope, predictPath, restEvent } from '../support/events.ts';
import { assertLogsClean, assertNoLeak, captureLogs, expectError, expectSuccess, setup } from '../support/catalogue.ts';
import { tlsFixtures } from '../support/tls-fixtures.ts';
import { tlsAgents } from '../../lambda/upstream/tls-agents.ts';
import type { TlsMaterial } from '../../lambda/config/tls-material.ts';
import type { ModelConnections } from '../../lambda/upstream/connections.ts';

const tls = tlsFixtures();

interface HttpsModel {
  url: string;
  port: number;
  /** The subject CN of each client certificate presented, or null. */
  clients: (string | null)[];
  close(): Promise<void>;
}

async function startHttpsModel(options: { requireClientCert: boolean }): Promise<HttpsModel> {
  const clients: (string | null)[] = [];
  const server: Server = createServer(
    { cert: tls.serverCert, key: tls.serverKey, ca: tls.caCert, requestCert: options.requireClientCert, rejectUnauthorized: options.requireClientCert },
    (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      clients.push(peer && 'subject' in peer && peer.subject ? String(peer.subject.CN) : null);
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"secure":true}');
      });
    },
  );
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    clients,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const serverOnly = await startHttpsModel({ requireClientCert: false });
const mutual = await startHttpsModel({ requireClientCert: true });
after(async () => {
  await serverOnly.close();
  await mutual.close();
});

const config = (model: string, value: unknown): [string, string] => [`${PREFIX}/models/${model}/config`, JSON.stringify(value)];
// TTL 0: a parameter written during the tests is read by the next request.
const s = await setup({
  env: { PARAMETER_CACHE_TTL_SECONDS: '0' },
  parameters: Object.fromEntries([
    [`${PREFIX}/tls/models-ca`, tls.caCert],
    [`${PREFIX}/tls/adapter-cert`, tls.clientCert],
    [`${PREFIX}/tls/adapter-key`, tls.clientKey],
    [`${PREFIX}/tls/other-ca`, tls.otherCaCert],
    [endpointParameter('private-ca'), `${serverOnly.url}/predict`],
    config('private-ca', { tls: { ca: 'tls/models-ca' } }),
    [endpointParameter('public-ca'), `${serverOnly.url}/predict`],
    [endpointParameter('wrong-ca'), `${serverOnly.url}/predict`],
    config('wrong-ca', { tls: { ca: 'tls/other-ca' } }),
    [endpointParameter('mtls'), `${mutual.url}/predict`],
    config('mtls', { tls: { ca: 'tls/models-ca', cert: 'tls/adapter-cert', key: 'tls/adapter-key' } }),
    [endpointParameter('mtls-no-cert'), `${mutual.url}/predict`],
    config('mtls-no-cert', { tls: { ca: 'tls/models-ca' } }),
    [endpointParameter('missing-material'), `${serverOnly.url}/predict`],
    config('missing-material', { tls: { ca: 'tls/not-there' } }),
  ]),
});
after(() => s.close());
const leak = { servers: [serverOnly, mutual], secrets: ['BEGIN', 'models-ca', 'adapter-key'] };
const ask = async (model: string) => {
  const logs = captureLogs();
  const result = await s.invoke(restEvent({ path: predictPath(model), body: envelope('t', {}) }));
  assertNoLeak(result, leak);
  assertLogsClean(logs.text(), leak);
  return result;
};

describe('TLS to models', () => {
  test('an https model signed by a private CA: trusted with the CA its config names', async () => {
    assert.equal(expectSuccess(await ask('private-ca'), 't'), '{"secure":true}');
  });

  test('the same model without the CA, or with another CA: 502 UPSTREAM_ERROR (TLS failed)', async () => {
    expectError(await ask('public-ca'), 502, 'UPSTREAM_ERROR', 't');
    expectError(await ask('wrong-ca'), 502, 'UPSTREAM_ERROR', 't');
  });

  test('mutual TLS: the client certificate and key from SSM are presented; without them the model refuses', async () => {
    const before = mutual.clients.length;
    assert.equal(expectSuccess(await ask('mtls'), 't'), '{"secure":true}');
    assert.deepEqual(mutual.clients.slice(before), ['client']);
    const refused = await ask('mtls-no-cert');
    // In TLS 1.3 the server refuses a missing client certificate after the client's side of the
    // handshake is done: undici then sees the connection closed (503 UPSTREAM_UNAVAILABLE), or,
    // if the alert arrives first, a TLS error (502 UPSTREAM_ERROR). Either way no request ran.
    const code = (JSON.parse(refused.body) as { error: { code: string } }).error.code;
    if (code === 'UPSTREAM_ERROR') expectError(refused, 502, 'UPSTREAM_ERROR', 't');
    else expectError(refused, 503, 'UPSTREAM_UNAVAILABLE', 't');
    assert.equal(mutual.clients.length, before + 1, 'no request reached the model');
  });

  test('a config naming TLS material that is not there: 503 CONFIG_UNAVAILABLE, no socket', async () => {
    expectError(await ask('missing-material'), 503, 'CONFIG_UNAVAILABLE', 't');
  });

  test('material written with put-parameter --type SecureString is read back decrypted and used', async () => {
    const ssm = new SSMClient({ region: 'us-east-1', endpoint: s.harness.ssm.url, credentials: { accessKeyId: 't', secretAccessKey: 't' } });
    try {
      await ssm.send(new PutParameterCommand({ Name: `${PREFIX}/tls/rotated-ca`, Value: tls.caCert, Type: 'SecureString', Overwrite: true }));
      const page = await ssm.send(new GetParametersByPathCommand({ Path: `${PREFIX}/tls`, Recursive: true, WithDecryption: true }));
      assert.equal(page.Parameters?.find((p) => p.Name === `${PREFIX}/tls/rotated-ca`)?.Type, 'SecureString');
    } finally {
      ssm.destroy();
    }
    s.parameters[endpointParameter('secure-string')] = `${serverOnly.url}/predict`;
    s.parameters[`${PREFIX}/models/secure-string/config`] = JSON.stringify({ tls: { ca: 'tls/rotated-ca' } });
    assert.equal(expectSuccess(await ask('secure-string'), 't'), '{"secure":true}');
  });
});

describe('tlsAgents', () => {
  const material = (hash: string): TlsMaterial => ({ hash, ca: hash });
  const fakeAgent = () => {
    const agent = { closed: false, close: async () => void (agent.closed = true) };
    return agent;
  };
  const connections = (agent: ReturnType<typeof fakeAgent>) => ({ pool: agent, newConnection: () => undefined }) as unknown as ModelConnections;

  test('one set of connections per distinct material, shared by every model that uses it', () => {
    const created: string[] = [];
    const agentFor = tlsAgents((m) => (created.push(m.hash), connections(fakeAgent())));
    const a = agentFor(material('a'));
    assert.equal(agentFor(material('a')), a);
    assert.notEqual(agentFor(material('b')), a);
    assert.deepEqual(created, ['a', 'b']);
  });

  test('past the cap the least recently used pool is closed (requests in flight on it finish)', () => {
    const agents = new Map<string, ReturnType<typeof fakeAgent>>();
    const agentFor = tlsAgents((m) => {
      const agent = fakeAgent();
      agents.set(m.hash, agent);
      return connections(agent);
    }, 2);
    agentFor(material('a'));
    agentFor(material('b'));
    agentFor(material('a'));
    agentFor(material('c'));
    assert.equal(agents.get('b')?.closed, true, 'b was the least recently used');
    assert.equal(agents.get('a')?.closed, false);
    assert.equal(agents.get('c')?.closed, false);
  });
});
