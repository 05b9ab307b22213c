// The SSM edge against the loopback SSM endpoint with the real client: every page is read.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SSMClient } from '@aws-sdk/client-ssm';
import { readParametersByPath } from '../../../lambda/config/ssm-parameters.ts';
import { startSsmServer, type SsmServer } from '../../../local/ssm-server.ts';

let ssm: SsmServer;
let client: SSMClient;
const parameters: Record<string, string> = { '/elsewhere/x': 'no' };
for (let i = 0; i < 23; i++) parameters[`/p/models/m${i}/endpoint`] = `http://10.0.0.${i}/`;

before(async () => {
  ssm = await startSsmServer({ parameters: () => parameters });
  client = new SSMClient({ region: 'us-east-1', endpoint: ssm.url, credentials: { accessKeyId: 't', secretAccessKey: 't' }, maxAttempts: 1 });
});
after(async () => {
  client.destroy();
  await ssm.close();
});

test('reads every page of the prefix, recursively, with one call per page', async () => {
  const result = await readParametersByPath(client, '/p', AbortSignal.timeout(2_000));
  assert.equal(result.size, 23);
  assert.equal(result.get('/p/models/m22/endpoint'), 'http://10.0.0.22/');
  assert.equal(result.has('/elsewhere/x'), false);
  assert.deepEqual(ssm.calls, ['GetParametersByPath', 'GetParametersByPath', 'GetParametersByPath']);
});

test('gives up when the signal aborts', async () => {
  ssm.setFault({ kind: 'hang' });
  const started = Date.now();
  await assert.rejects(readParametersByPath(client, '/p', AbortSignal.timeout(100)));
  assert.ok(Date.now() - started < 2_000);
  ssm.setFault({ kind: 'none' });
});
