// lambda/http/request-body.ts parses B's body with JSON.parse alone unless its text could
// hold a __proto__ or constructor key (it spells one out, or has a \u escape that could): only
// such bodies go through Middy's parser, whose reviver refuses those keys (a performance trick,
// docs/performance.md). These tests pin the refusals that must survive the shortcut, through
// the real handler: if the check that picks the path missed a spelling, the body would be
// forwarded to the model instead of refused.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { envelope, predictPath, restEvent } from '../../support/events.ts';
import { captureLogs, expectError, expectSuccess, setup } from '../../support/catalogue.ts';

const TAG = 'tag-fast-path';
const s = await setup();
after(() => s.close());

const ask = (body: string) => s.invoke(restEvent({ path: predictPath('iris'), body }));

describe("request bodies: JSON.parse alone, Middy's parser where a forbidden key could be", () => {
  const refused: Array<[string, string]> = [
    ['__proto__ in data', `{"userTag":"${TAG}","data":{"__proto__":{"polluted":true}}}`],
    ['__proto__ at the top', `{"userTag":"${TAG}","__proto__":{},"data":{}}`],
    ['constructor.prototype in data', `{"userTag":"${TAG}","data":{"a":{"constructor":{"prototype":{}}}}}`],
    ['__proto__ spelled with a \\u escape', `{"userTag":"${TAG}","data":{"\\u005f_proto__":{"polluted":true}}}`],
    ['constructor spelled with \\u escapes', `{"userTag":"${TAG}","data":{"\\u0063onstructor":{"prot\\u006ftype":{}}}}`],
  ];
  for (const [name, body] of refused) {
    test(`${name}: 400 INVALID_REQUEST naming the keys, refused by Middy's parser, nothing sent to the model`, async () => {
      const logs = captureLogs();
      const before = s.model.received.length;
      const result = await ask(body);
      const error = expectError(result, 400, 'INVALID_REQUEST', null);
      assert.match(error.error.message, /must not contain __proto__ or constructor\.prototype keys/);
      assert.equal(s.model.received.length, before);
      // The refusal is the one Middy's parser throws (its reviver), so that path was taken.
      assert.match(logs.text(), /"outcome":"INVALID_REQUEST".*"errorClass":"UnprocessableEntityError"/);
    });
  }

  test('the same shapes without a forbidden key are forwarded as they are, on either path', async () => {
    captureLogs();
    for (const data of ['{"proto":{"x":1}}', '{"constructor":"ok"}', '{"a":{"constructor":{"name":"x"}}}', '{"\\u0061":1}']) {
      const result = await ask(`{"userTag":"${TAG}","data":${data}}`);
      expectSuccess(result, TAG);
      assert.deepEqual(JSON.parse(s.model.received.at(-1)?.body ?? ''), JSON.parse(data));
    }
    // And a plain envelope, which takes JSON.parse alone.
    expectSuccess(await ask(envelope(TAG, { instances: [[5.1, 3.5]] })), TAG);
  });
});
