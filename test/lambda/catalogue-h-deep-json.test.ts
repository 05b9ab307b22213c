// Failure catalogue, section H (edge guarantees): deep JSON is never a 500. MAX_JSON_DEPTH
// takes only depths the code handles end to end (1,000, the CDK stack's cap too); at that
// depth a body that takes every parser path (a `\u` escape sends it through Middy's
// prototype guard, a number a double cannot hold through the lossless parser) reaches the
// model exactly as B wrote it.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { predictPath, restEvent } from '../support/events.ts';
import { echo } from '../support/model-server.ts';
import { captureLogs, expectError, expectSuccess, setup } from '../support/catalogue.ts';
import { MAX_JSON_DEPTH_LIMIT, readSettings } from '../../lambda/settings.ts';

const TAG = 'tag-h';
captureLogs();
/** `data` nested `depth` levels deep (data itself is level 1, the leaf array the last). */
const nested = (depth: number, leaf: string): string => `${'{"k":'.repeat(depth - 2)}{"leaf":${leaf}}${'}'.repeat(depth - 2)}`;
const LEAF = '["caf\\u00e9",12345678901234567890,-0,1e400]';

describe('H56 MAX_JSON_DEPTH takes only depths the code handles', () => {
  test(`${MAX_JSON_DEPTH_LIMIT} is the most; 1,001, 3,000 and 10,000 are refused by name`, () => {
    assert.equal(readSettings({ PARAMETER_PREFIX: '/p', MAX_JSON_DEPTH: String(MAX_JSON_DEPTH_LIMIT) }).maxJsonDepth, 1000);
    for (const depth of ['1001', '3000', '10000']) {
      assert.throws(() => readSettings({ PARAMETER_PREFIX: '/p', MAX_JSON_DEPTH: depth }), /MAX_JSON_DEPTH must be an integer from 1 to 1000/);
    }
  });
});

describe(`H56 data nested ${MAX_JSON_DEPTH_LIMIT} deep with a \\u escape and exact numbers: forwarded exactly`, async () => {
  const s = await setup({ behaviour: echo, env: { MAX_JSON_DEPTH: String(MAX_JSON_DEPTH_LIMIT) } });
  after(() => s.close());

  test(`depth ${MAX_JSON_DEPTH_LIMIT}: 200, the model received B's data byte for byte`, async () => {
    const data = nested(MAX_JSON_DEPTH_LIMIT, LEAF);
    const result = await s.invoke(restEvent({ path: predictPath('iris'), body: `{"userTag":"${TAG}","data":${data}}` }));
    assert.equal(expectSuccess(result, TAG), `{"echo":${data.replace('caf\\u00e9', 'café')}}`);
    assert.equal(s.model.received.at(-1)?.body, data.replace('caf\\u00e9', 'café'));
  });

  test(`depth ${MAX_JSON_DEPTH_LIMIT + 1}: 400 INVALID_REQUEST naming the limit, the model not called`, async () => {
    const before = s.model.received.length;
    const result = await s.invoke(restEvent({ path: predictPath('iris'), body: `{"userTag":"${TAG}","data":${nested(MAX_JSON_DEPTH_LIMIT + 1, LEAF)}}` }));
    // Refused before parsing, so the userTag was never validated: not echoed.
    const body = expectError(result, 400, 'INVALID_REQUEST', null);
    assert.match(body.error.message, /nested deeper than 1000 levels/);
    assert.equal(s.model.received.length, before);
  });
});
