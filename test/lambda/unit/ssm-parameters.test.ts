// The SSM edge against the loopback SSM endpoint with the real client: every page is read, and
// a read that fails keeps its pages and resumes at the page that failed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SSMClient } from '@aws-sdk/client-ssm';
import { ParameterReader, readParametersByPath } from '../../../lambda/config/ssm-parameters.ts';
import { startSsmServer, type SsmServer } from '../../../local/ssm-server.ts';

let ssm: SsmServer;
let client: SSMClient;
/** Runs as each call reaches the endpoint, before it is answered. */
let beforeAnswer: (() => void) | undefined;
const parameters: Record<string, string> = { '/elsewhere/x': 'no' };
for (let i = 0; i < 23; i++) parameters[`/p/models/m${i}/endpoint`] = `http://10.0.0.${i}/`;

before(async () => {
  ssm = await startSsmServer({ parameters: () => parameters, onCall: () => beforeAnswer?.() });
  client = new SSMClient({ region: 'us-east-1', endpoint: ssm.url, credentials: { accessKeyId: 't', secretAccessKey: 't' }, maxAttempts: 1 });
});
after(async () => {
  client.destroy();
  await ssm.close();
});

const ssmCallsFrom = (from: number) => ssm.pageCalls.slice(from).map(({ start, status }) => `${start}:${status}`);

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

/** The next read's `n`th call (from 1) suffers `fault`. */
function faultOnCall(n: number, fault: Parameters<SsmServer['setFault']>[0]): void {
  let seen = 0;
  beforeAnswer = () => {
    if (++seen === n) ssm.setFault(fault, 1);
  };
}

test('a page that fails keeps the pages read: the next read asks for that page, not page 1', async () => {
  const from = ssm.pageCalls.length;
  const reader = new ParameterReader(client, '/p');
  faultOnCall(2, { kind: 'throttle' });
  await assert.rejects(reader.read(), { name: 'ThrottlingException' });
  assert.equal(reader.pagesKept, 1);
  const result = await reader.read();
  assert.equal(result.size, 23);
  assert.equal(result.get('/p/models/m0/endpoint'), 'http://10.0.0.0/', 'the page read before the failure is in');
  assert.deepEqual(ssmCallsFrom(from), ['0:200', '10:400', '10:200', '20:200'], 'page 2 asked again, page 1 never');
  assert.equal(reader.pagesKept, 0, 'a complete read keeps nothing');
  assert.equal(reader.lastPassPages, 3);
  // The next read is a new pass, from page 1.
  assert.equal((await reader.read()).size, 23);
  assert.deepEqual(ssmCallsFrom(from).slice(4), ['0:200', '10:200', '20:200']);
});

test('a NextToken the service no longer accepts: the read starts over, once', async () => {
  const from = ssm.pageCalls.length;
  const reader = new ParameterReader(client, '/p');
  faultOnCall(2, { kind: 'error500' });
  await assert.rejects(reader.read());
  assert.equal(reader.pagesKept, 1);
  ssm.invalidateTokens();
  assert.equal((await reader.read()).size, 23);
  assert.deepEqual(ssmCallsFrom(from), ['0:200', '10:500', '-1:400', '0:200', '10:200', '20:200']);
  assert.equal(reader.lastPassPages, 3);
});

test('one read at a time', async () => {
  const reader = new ParameterReader(client, '/p');
  const first = reader.read();
  await assert.rejects(reader.read(), /already in progress/);
  assert.equal((await first).size, 23);
});
