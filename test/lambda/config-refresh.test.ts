// Operators repoint a model with `aws ssm put-parameter --overwrite`: the same call, made with
// the real SDK against the loopback SSM endpoint, is picked up within the TTL, no restart.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { endpointParameter, startHarness, type Harness } from '../support/harness.ts';
import { envelope, restEvent } from '../support/events.ts';
import { answerJson, startModelServer, type ModelServer } from '../support/model-server.ts';

let blue: ModelServer;
let green: ModelServer;
let harness: Harness;

before(async () => {
  blue = await startModelServer(answerJson('{"colour":"blue"}'));
  green = await startModelServer(answerJson('{"colour":"green"}'));
  harness = await startHarness({ [endpointParameter('iris')]: blue.url }, { PARAMETER_CACHE_TTL_SECONDS: '1' });
});
after(async () => {
  await harness.close();
  await blue.close();
  await green.close();
});

const ask = async () => JSON.parse((await harness.invoke(restEvent({ body: envelope('t', {}) }))).body).result.colour;

test('put-parameter --overwrite takes effect within the TTL, with one SSM call per refresh', async () => {
  assert.equal(await ask(), 'blue');
  const client = new SSMClient({ region: 'us-east-1', endpoint: harness.ssm.url, credentials: { accessKeyId: 't', secretAccessKey: 't' } });
  await client.send(new PutParameterCommand({ Name: endpointParameter('iris'), Value: green.url, Type: 'String', Overwrite: true }));
  client.destroy();

  const callsBefore = harness.ssm.calls.filter((c) => c === 'GetParametersByPath').length;
  for (let i = 0; i < 20; i++) assert.equal(await ask(), 'blue', 'cached within the TTL');
  assert.equal(harness.ssm.calls.filter((c) => c === 'GetParametersByPath').length, callsBefore, 'no SSM call while fresh');

  await new Promise((resolve) => setTimeout(resolve, 1_050));
  assert.equal(await ask(), 'green');
  assert.equal(harness.ssm.calls.filter((c) => c === 'GetParametersByPath').length, callsBefore + 1);
});
