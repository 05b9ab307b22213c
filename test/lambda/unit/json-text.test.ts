import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isExactNumber, parseLossless, scanJson, singleJsonText } from '../../../lambda/contract/json-text.ts';

describe('scanJson', () => {
  test('measures depth outside strings only', () => {
    assert.equal(scanJson('{"a":[[1]]}', 3).depthExceeded, false);
    assert.equal(scanJson('{"a":[[[1]]]}', 3).depthExceeded, true);
    assert.equal(scanJson('{"a":"[[[[[[[[[["}', 1).depthExceeded, false);
    assert.equal(scanJson('{"a":"\\"[[[[["}', 1).depthExceeded, false, 'an escaped quote does not end the string');
  });

  test('stops at the limit on 10,000 levels without recursion', () => {
    assert.equal(scanJson('['.repeat(10_000) + ']'.repeat(10_000), 65).depthExceeded, true);
  });

  test('flags numbers a double would change, and nothing else', () => {
    assert.equal(scanJson('{"a":1,"b":-2.5,"c":true,"d":false,"e":"1e400"}', 5).hasInexactNumber, false);
    for (const n of ['12345678901234567890', '1e400', '-0', '9007199254740993', '0.1000000000000000055511151231257827']) {
      assert.equal(scanJson(`{"a":${n}}`, 5).hasInexactNumber, true, n);
    }
  });
});

describe('isExactNumber', () => {
  test('the same decimal value counts as exact, whatever the spelling', () => {
    for (const n of ['0', '1', '1.50', '1e2', '1E+2', '0.000001', '9007199254740992', '0.30000000000000004', '1e21']) {
      assert.equal(isExactNumber(n), true, n);
    }
  });
  test('rounded, overflowing and negative-zero numbers are not exact', () => {
    for (const n of ['9007199254740993', '12345678901234567890', '1e400', '-1e400', '1e-400', '-0', '-0.0']) {
      assert.equal(isExactNumber(n), false, n);
    }
  });
});

describe('parseLossless', () => {
  test('keeps inexact numbers as written when serialised again', () => {
    const text = '{"id":12345678901234567890,"big":1e400,"z":-0,"ok":1.5,"nested":[9007199254740993]}';
    assert.equal(JSON.stringify(parseLossless(text)), text);
  });
  test('leaves exact numbers as numbers', () => {
    assert.deepEqual(parseLossless('{"a":1.5,"b":[2]}'), { a: 1.5, b: [2] });
  });
});

describe('singleJsonText', () => {
  test('accepts exactly one JSON value and trims JSON whitespace', () => {
    assert.equal(singleJsonText(' {"a":1}\n'), '{"a":1}');
    assert.equal(singleJsonText('42'), '42');
    assert.equal(singleJsonText('"x"'), '"x"');
  });
  test('refuses empty, truncated, trailing garbage, BOM and HTML', () => {
    for (const text of ['', '{"a":1', '{"a":1} x', '\ufeff{}', '<html></html>', 'NaN', "{'a':1}"]) {
      assert.equal(singleJsonText(text), undefined, JSON.stringify(text));
    }
  });
});
