// LOCAL_SSM_ENDPOINT: local mode reading a team's own parameters from an external SSM endpoint
// (here a second loopback SSM endpoint stands in for it) with the credentials and region of
// the usual AWS environment, instead of the loopback one over local/parameters.json. Its own
// file: the handler loads once per process (start.ts).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { EPHEMERAL_DEMO_PORTS, startIrisModel } from '../../local/demo-models.ts';
import { startSsmServer } from '../../local/ssm-server.ts';
import { banner, localSettings, startLocal } from '../../local/start.ts';
import { postJson } from './http.ts';

const model = await startIrisModel({ port: 0 });
const team: Record<string, string> = { '/team/prod/models/flowers/endpoint': `${model.url}\n` };
const external = await startSsmServer({ parameters: () => team });
const local = await startLocal({
  port: 0,
  demoPorts: EPHEMERAL_DEMO_PORTS,
  parametersFile: '/nonexistent/parameters.json',
  env: {
    LOCAL_SSM_ENDPOINT: external.url,
    PARAMETER_PREFIX: '/team/prod',
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'team-key',
    AWS_SECRET_ACCESS_KEY: 'team-secret',
  },
});
after(async () => {
  await local.close();
  await external.close();
  await model.close();
});

test('the handler reads the team\'s parameters from LOCAL_SSM_ENDPOINT, signed with the environment\'s credentials', async () => {
  assert.equal(local.ssm, undefined, 'no loopback SSM endpoint');
  assert.equal(local.ssmUrl, external.url);
  const answer = await postJson(`${local.url}/v1/models/flowers/predict`, { userTag: 'b-1', data: { instances: [[5.1, 3.5, 1.4, 0.2]] } });
  assert.equal(answer.status, 200, answer.text);
  assert.deepEqual(answer.json(), { userTag: 'b-1', result: { predictions: [[0.985313, 0.014687, 0]] } });
  assert.ok(external.calls.includes('GetParametersByPath'));
  assert.equal(process.env.AWS_ACCESS_KEY_ID, 'team-key', 'the environment\'s credentials, not local mode\'s fake ones');
  assert.equal(process.env.AWS_REGION, 'eu-west-1');
  // The demo models' parameters are not there: only what the team's SSM holds.
  assert.equal((await postJson(`${local.url}/v1/models/iris/predict`, { userTag: 'b-1', data: {} })).status, 404);
  assert.match(banner(local), /SSM {9}http:\/\/127\.0\.0\.1:\d+ {3}\(LOCAL_SSM_ENDPOINT, prefix \/team\/prod, TTL 2 s\)/);
  assert.ok(local.notices.some((n) => n.startsWith(`LOCAL_SSM_ENDPOINT: the handler reads /team/prod from ${external.url} with the usual AWS credentials`)));
});

test('LOCAL_SSM_ENDPOINT is an http(s) URL or "aws"', () => {
  assert.equal(localSettings({ env: { LOCAL_SSM_ENDPOINT: 'aws' } }).ssmEndpoint, 'aws');
  assert.throws(() => localSettings({ env: { LOCAL_SSM_ENDPOINT: 'ssm.eu-west-1' } }), /^Error: LOCAL_SSM_ENDPOINT must be an http\(s\) URL or "aws", got "ssm.eu-west-1"$/);
});
