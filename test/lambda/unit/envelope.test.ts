import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readEnvelope, userTagProblem, validUserTag } from '../../../lambda/contract/envelope.ts';
import { AdapterError } from '../../../lambda/contract/errors.ts';

const rejects = (body: unknown, field: RegExp) =>
  assert.throws(
    () => readEnvelope(body),
    (error: unknown) => error instanceof AdapterError && error.code === 'INVALID_REQUEST' && field.test(error.detail ?? ''),
  );

describe('readEnvelope', () => {
  test('returns userTag and data, ignoring other keys', () => {
    assert.deepEqual(readEnvelope({ userTag: 'b-1', data: { x: 1 }, url: 'http://evil' }), { userTag: 'b-1', data: { x: 1 } });
  });
  test('refuses a body that is not an object', () => {
    for (const body of [null, [], 'x', 42]) rejects(body, /object/);
  });
  test('refuses data that is missing, null or an array', () => {
    for (const data of [undefined, null, [], 'x', 1]) rejects({ userTag: 'b', data }, /^data/);
  });
});

describe('userTag rules', () => {
  test('no coercion: only strings', () => {
    for (const tag of [123, true, {}, null, undefined]) assert.match(userTagProblem(tag) ?? '', /string/);
  });
  test('1 to 256 code points, counting astral characters once', () => {
    assert.match(userTagProblem('') ?? '', /1 to 256/);
    assert.equal(userTagProblem('a'.repeat(256)), undefined);
    assert.match(userTagProblem('a'.repeat(257)) ?? '', /1 to 256/);
    assert.equal(userTagProblem('😀'.repeat(256)), undefined, '256 emoji are 512 code units but 256 characters');
    assert.match(userTagProblem('😀'.repeat(257)) ?? '', /1 to 256/);
  });
  test('control characters and lone surrogates are refused', () => {
    for (const tag of ['a\u0000', 'a\nb', 'tab\t', 'del\u007f']) assert.match(userTagProblem(tag) ?? '', /control/);
    assert.match(userTagProblem('a\ud800b') ?? '', /well-formed/);
  });
  test('NFD accents, ZWJ sequences and RTL marks are fine', () => {
    for (const tag of ['e\u0301', '👩‍👩‍👧', '\u200fשלום']) assert.equal(userTagProblem(tag), undefined);
  });
  test('validUserTag echoes only a valid tag', () => {
    assert.equal(validUserTag({ userTag: 'b-1', data: 5 }), 'b-1');
    assert.equal(validUserTag({ userTag: 5 }), null);
    assert.equal(validUserTag([]), null);
  });
});
