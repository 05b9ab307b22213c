// Failure catalogue, section H (edge guarantees): what B gets back fits what Lambda can return
// (contract/result-size.ts). The result is measured as Lambda serialises it, after escaping,
// for a model's answer, an ensemble's joined answers and a response mapping's output alike.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { PREFIX, endpointParameter } from '../support/harness.ts';
import { envelope, predictPath, restEvent } from '../support/events.ts';
import { answerJson, startModelServer } from '../support/model-server.ts';
import { captureLogs, expectError, expectSuccess, setup } from '../support/catalogue.ts';
import { parseLines, requestLines } from '../support/log-lines.ts';
import { MAX_RESULT_BYTES, withinLambdaLimit } from '../../lambda/contract/result-size.ts';
import { jsonResult } from '../../lambda/contract/response.ts';
import { AdapterError } from '../../lambda/contract/errors.ts';

const TAG = 'tag-h';
/** Under the default MAX_RESPONSE_BYTES (5 MiB): each of these passes the model-answer cap. */
const ANSWER_BYTES = 4_900_000;
/** `["a","a",...]`: every quote is escaped in the proxy result, 4 bytes an item become 6. */
const shortStrings = (bytes: number): string => `[${Array.from({ length: Math.floor((bytes - 2) / 4) }, () => '"a"').join(',')}]`;
/** One long string: escaping adds two bytes in all. */
const longString = (bytes: number): string => `"${'a'.repeat(bytes - 2)}"`;

const short = await startModelServer(answerJson(shortStrings(ANSWER_BYTES)));
const long = await startModelServer(answerJson(longString(ANSWER_BYTES)));
const half = await startModelServer(answerJson(longString(3_200_000)));
after(() => Promise.all([short, long, half].map((server) => server.close())));

const s = await setup({
  parameters: {
    [endpointParameter('short-strings')]: `${short.url}/predict`,
    [endpointParameter('long-string')]: `${long.url}/predict`,
    [endpointParameter('half-a')]: `${half.url}/predict`,
    [endpointParameter('half-b')]: `${half.url}/predict`,
    [endpointParameter('doubled')]: `${half.url}/predict`,
    [`${PREFIX}/models/doubled/config`]: JSON.stringify({ response: '[response, response]' }),
    [`${PREFIX}/ensembles/halves`]: JSON.stringify({ members: ['half-a', 'half-b'], policy: 'all', deadlineMs: 5000 }),
  },
});
after(() => s.close());

async function ask(path: string) {
  const logs = captureLogs();
  const result = await s.invoke(restEvent({ path, body: envelope(TAG, { x: 1 }) }));
  return { result, line: requestLines(parseLines(logs.text()))[0] };
}

describe('H55 a result over what Lambda returns: 502 RESULT_TOO_LARGE, not API Gateway\'s own 502', () => {
  test(`a ${ANSWER_BYTES}-byte answer of short strings (7 MB once escaped): RESULT_TOO_LARGE, not retryable, logged with its real size`, async () => {
    const { result, line } = await ask(predictPath('short-strings'));
    const body = expectError(result, 502, 'RESULT_TOO_LARGE', TAG);
    assert.equal(body.error.retryable, false);
    assert.equal(body.error.message, 'The result is larger than the adapter can return.');
    assert.equal(line?.outcome, 'RESULT_TOO_LARGE');
    const expected = Buffer.byteLength(JSON.stringify(jsonResult(200, `{"userTag":"${TAG}","result":${shortStrings(ANSWER_BYTES)}}`)));
    assert.equal(line?.resultBytes, expected);
    assert.ok(expected > 7_000_000, `${expected} bytes`);
  });

  test(`a ${ANSWER_BYTES}-byte answer of one long string: 200, and its serialised result is within the limit`, async () => {
    const { result } = await ask(predictPath('long-string'));
    expectSuccess(result, TAG);
    const bytes = Buffer.byteLength(JSON.stringify(result));
    assert.ok(bytes <= MAX_RESULT_BYTES, `${bytes} bytes`);
  });

  test('an ensemble of two 3.2 MB answers, each under every cap: RESULT_TOO_LARGE', async () => {
    const { result, line } = await ask('/v1/ensembles/halves/predict');
    expectError(result, 502, 'RESULT_TOO_LARGE', TAG);
    assert.ok((line?.resultBytes as number) > MAX_RESULT_BYTES);
    assert.equal(line?.ensemble, 'halves');
  });

  test('a response mapping that doubles a 3.2 MB answer: a 502, never a 200 Lambda cannot return', async () => {
    const { result, line } = await ask(predictPath('doubled'));
    // The mapping's own output budget may stop it first (UPSTREAM_BAD_RESPONSE); either way B
    // gets the contract's 502, not API Gateway's.
    assert.equal(result.statusCode, 502, result.body.slice(0, 200));
    assert.ok(['RESULT_TOO_LARGE', 'UPSTREAM_BAD_RESPONSE'].includes(line?.outcome as string), String(line?.outcome));
  });
});

describe('withinLambdaLimit', () => {
  test('a result of exactly the limit passes; one byte more is RESULT_TOO_LARGE with its size', () => {
    const overhead = Buffer.byteLength(JSON.stringify(jsonResult(200, '')));
    const fits = jsonResult(200, 'a'.repeat(MAX_RESULT_BYTES - overhead));
    assert.equal(withinLambdaLimit(fits), fits);
    const over = jsonResult(200, 'a'.repeat(MAX_RESULT_BYTES - overhead + 1));
    assert.throws(() => withinLambdaLimit(over), (error: unknown) => error instanceof AdapterError && error.code === 'RESULT_TOO_LARGE' && error.resultBytes === MAX_RESULT_BYTES + 1);
  });

  test('escaping is counted: a body of control characters is six bytes a character', () => {
    const result = jsonResult(200, '\u0001'.repeat(1_000_001));
    assert.throws(() => withinLambdaLimit(result), (error: unknown) => error instanceof AdapterError && (error.resultBytes as number) > 6_000_000);
    assert.equal(withinLambdaLimit(jsonResult(200, '\u0001'.repeat(990_000))).statusCode, 200);
  });
});
