// Failure catalogue, section A: B's envelope and JSON (rows 1-16), through the real handler with
// a loopback SSM endpoint and a loopback model server.
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { envelope } from '../support/events.ts';
import { parseExact } from '../support/json-numbers.ts';
import {
  EVENT_KINDS,
  assertLogsClean,
  assertNoLeak,
  captureLogs,
  expectError,
  expectSuccess,
  marker,
  setup,
  type Setup,
} from '../support/catalogue.ts';
import type { HttpResult } from '../../lambda/contract/response.ts';

const SECRET = marker('B-SECRET');
const TAG = 'tag-1';

const s = await setup();
after(() => s.close());

/** Runs one error case: status, code, echo rule, nothing sent to the model, leak rule in body and logs. */
async function expectRejected(
  event: unknown,
  status: number,
  code: string,
  userTag: string | null,
  secrets: string[] = [SECRET],
): Promise<HttpResult> {
  const logs = captureLogs();
  const before = s.model.received.length;
  const result = await s.invoke(event);
  expectError(result, status, code, userTag);
  assert.equal(s.model.received.length, before, 'the model received nothing');
  assertNoLeak(result, { servers: s.servers, secrets });
  assertLogsClean(logs.text(), { servers: s.servers, secrets });
  return result;
}

/** The model's request body as received, raw. */
const lastReceived = (): string => {
  const last = s.model.received.at(-1);
  assert.ok(last, 'the model received a request');
  return last.body;
};

describe('A1 truncated or malformed JSON, empty body, no body: 400 INVALID_JSON', () => {
  const bodies: Array<[string, string | null]> = [
    ['truncated', `{"userTag":"${TAG}","data":{"k":"${SECRET}"`],
    ['malformed', `{"userTag":"${TAG}","data":{"k":${SECRET}}}`],
    ['unquoted keys', `{userTag:"${TAG}",data:{}}`],
    ['two values', `{"userTag":"${TAG}","data":{}} {"x":"${SECRET}"}`],
    ['empty body', ''],
    ['whitespace only', '   \n'],
    ['no body', null],
  ];
  for (const [kind, make] of EVENT_KINDS) {
    for (const [name, body] of bodies) {
      test(`A1 ${kind}: ${name}`, async () => {
        await expectRejected(make({ body }), 400, 'INVALID_JSON', null);
      });
    }
  }
});

describe('A2 valid JSON that is not an object: 400 INVALID_REQUEST', () => {
  for (const [kind, make] of EVENT_KINDS) {
    for (const body of ['null', '[]', `["${SECRET}"]`, '"x"', '42', 'true']) {
      test(`A2 ${kind}: ${body}`, async () => {
        await expectRejected(make({ body }), 400, 'INVALID_REQUEST', null);
      });
    }
  }
});

describe('A3 userTag missing, not a string, empty, too long, control characters, lone surrogate: 400, userTag null', () => {
  const data = { k: SECRET };
  const cases: Array<[string, string]> = [
    ['missing', JSON.stringify({ data })],
    ['number 123', envelope(123, data)],
    ['true', envelope(true, data)],
    ['object {}', envelope({}, data)],
    ['array', envelope(['a'], data)],
    ['null', envelope(null, data)],
    ['empty string', envelope('', data)],
    ['257 characters', envelope('a'.repeat(257), data)],
    ['257 astral code points', envelope('😀'.repeat(257), data)],
    ['NUL', envelope('a\u0000b', data)],
    ['line feed', envelope('a\nb', data)],
    ['U+001F', envelope('a\u001fb', data)],
    ['DEL U+007F', envelope('a\u007fb', data)],
    ['lone high surrogate (escaped)', `{"userTag":"a\\ud800b","data":{"k":"${SECRET}"}}`],
    ['lone low surrogate (escaped)', `{"userTag":"\\udc00","data":{"k":"${SECRET}"}}`],
    ['reversed surrogate pair', `{"userTag":"\\udc00\\ud800","data":{}}`],
  ];
  for (const [name, body] of cases) {
    test(`A3 userTag ${name}: 400 INVALID_REQUEST, userTag null`, async () => {
      const result = await expectRejected(EVENT_KINDS[0]![1]({ body }), 400, 'INVALID_REQUEST', null);
      assert.match(JSON.parse(result.body).error.message, /userTag/, 'the message names the field');
    });
  }
});

describe('A4 userTag with NFD accents, emoji ZWJ sequences, RTL marks: 200, echoed code-unit-exact', () => {
  const tags: Array<[string, string]> = [
    ['NFD accents', 'Cafe\u0301 Ame\u0301lie'],
    ['NFC and NFD side by side', '\u00e9e\u0301'],
    ['emoji ZWJ family', '\u{1F469}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}'],
    ['flag and skin tone', '\u{1F1EB}\u{1F1F7}\u{1F44D}\u{1F3FD}'],
    ['right-to-left marks', '\u200F\u05E9\u05DC\u05D5\u05DD\u202Eabc\u202C\u200E'],
    ['Arabic with ALM', '\u061C\u0645\u0631\u062D\u0628\u0627'],
    ['256 astral code points (the limit)', '\u{1F600}'.repeat(256)],
    ['256 ASCII characters (the limit)', 'x'.repeat(256)],
    ['C1 control-like and noncharacters', '\u0085\uFFFE\u{10FFFF}'],
    ['JSON-significant characters', '"\\/<>&\u2028\u2029'],
  ];
  for (const [kind, make] of EVENT_KINDS) {
    for (const [name, tag] of tags) {
      test(`A4 ${kind}: ${name}`, async () => {
        const result = await s.invoke(make({ body: envelope(tag, { x: 1 }) }));
        expectSuccess(result, tag);
        const echoed = (JSON.parse(result.body) as { userTag: string }).userTag;
        assert.equal(echoed.length, tag.length, 'same number of code units');
        for (let i = 0; i < tag.length; i++) assert.equal(echoed.charCodeAt(i), tag.charCodeAt(i), `code unit ${i}`);
        assert.ok(result.body.includes(JSON.stringify(tag)), 'the raw body carries the tag as sent');
      });
    }
  }
  test('A4 an escaped userTag in B\'s text echoes the same string', async () => {
    const result = await s.invoke(EVENT_KINDS[0]![1]({ body: '{"userTag":"\\u0065\\u0301\\ud83d\\ude00","data":{}}' }));
    expectSuccess(result, 'e\u0301\u{1F600}');
  });
});

describe('A5 data missing or not an object: 400 INVALID_REQUEST; data {} is forwarded', () => {
  const cases: Array<[string, string]> = [
    ['missing', JSON.stringify({ userTag: TAG, other: SECRET })],
    ['null', envelope(TAG, null)],
    ['array', envelope(TAG, [SECRET])],
    ['string', envelope(TAG, SECRET)],
    ['number', envelope(TAG, 1)],
    ['true', envelope(TAG, true)],
  ];
  for (const [name, body] of cases) {
    test(`A5 data ${name}: 400 INVALID_REQUEST, the valid userTag echoed`, async () => {
      const result = await expectRejected(EVENT_KINDS[1]![1]({ body }), 400, 'INVALID_REQUEST', TAG);
      assert.match(JSON.parse(result.body).error.message, /data/, 'the message names the field');
    });
  }
  test('A5 data {} is valid and forwarded as {}', async () => {
    const result = await s.invoke(EVENT_KINDS[0]![1]({ body: envelope(TAG, {}) }));
    expectSuccess(result, TAG);
    assert.equal(lastReceived(), '{}');
  });
});

describe('A6 extra top-level keys are ignored', () => {
  test('A6 url, host, model, endpoint, headers, timeout change neither the route nor what the model receives', async () => {
    const decoy = await s.addModel('decoy');
    // The decoy is registered after the cache may have been filled: it is only a target B names.
    const data = { features: [1, 2, 3] };
    const extra = {
      url: `${decoy.url}/predict`,
      host: `127.0.0.1:${decoy.port}`,
      model: 'decoy',
      endpoint: `${decoy.url}/predict`,
      headers: { 'x-upstream-host': `127.0.0.1:${decoy.port}`, Authorization: 'Bearer x' },
      timeout: 1,
      timeoutMs: 1,
    };
    for (const [, make] of EVENT_KINDS) {
      const before = s.model.received.length;
      const result = await s.invoke(make({ body: envelope(TAG, data, extra) }));
      assert.equal(expectSuccess(result, TAG), `{"echo":${JSON.stringify(data)}}`);
      assert.equal(s.model.received.length, before + 1);
      const received = s.model.received.at(-1)!;
      assert.equal(received.body, JSON.stringify(data), 'exactly data, without the extra keys');
      assert.equal(received.url, '/predict');
      assert.equal(received.headers.authorization, undefined);
    }
    assert.equal(decoy.connections, 0, 'the decoy named in the body saw no connection');
  });
});

describe('A7 duplicate keys: deterministic, and the model receives the validated object', () => {
  const body = `{"userTag":"first","data":{"x":1,"x":2,"y":{"z":"a","z":"b"}},"userTag":"${TAG}","data":{"x":"${SECRET}"},"data":{"x":3,"x":4}}`;
  test('A7 the same answer every time, and the model gets one re-serialised object', async () => {
    const answers: string[] = [];
    const sent: string[] = [];
    for (let i = 0; i < 3; i++) {
      for (const [, make] of EVENT_KINDS) {
        const before = s.model.received.length;
        const result = await s.invoke(make({ body, requestId: 'same-id' }));
        answers.push(`${result.statusCode} ${result.body}`);
        if (result.statusCode === 200) {
          expectSuccess(result, TAG);
          sent.push(lastReceived());
        } else {
          expectError(result, 400, 'INVALID_REQUEST', null);
          assert.equal(s.model.received.length, before);
        }
      }
    }
    assert.equal(new Set(answers).size, 1, 'deterministic');
    if (sent.length > 0) {
      // The object the adapter validated (the last duplicate wins), as JSON with no duplicates.
      assert.deepEqual(new Set(sent), new Set(['{"x":4}']));
    }
  });
  test('A7 duplicate keys inside data: the last one wins, and the model cannot read it differently', async () => {
    const result = await s.invoke(EVENT_KINDS[1]![1]({ body: `{"userTag":"${TAG}","data":{"a":1,"a":{"b":2,"b":3}}}` }));
    expectSuccess(result, TAG);
    assert.equal(lastReceived(), '{"a":{"b":3}}');
  });
});

describe('A8 __proto__ and constructor.prototype keys: no prototype polluted', () => {
  const cases: Array<[string, string]> = [
    ['__proto__ at the top', `{"userTag":"${TAG}","__proto__":{"polluted":"yes"},"data":{}}`],
    ['__proto__ in data', `{"userTag":"${TAG}","data":{"__proto__":{"polluted":"yes"}}}`],
    ['__proto__ deep in data', `{"userTag":"${TAG}","data":{"a":[{"b":{"__proto__":{"polluted":"yes","isAdmin":true}}}]}}`],
    ['constructor.prototype in data', `{"userTag":"${TAG}","data":{"constructor":{"prototype":{"polluted":"yes"}}}}`],
    ['constructor.prototype deep', `{"userTag":"${TAG}","data":{"a":{"constructor":{"prototype":{"polluted":"yes"}}}}}`],
    ['__proto__ with a big number (lossless path)', `{"userTag":"${TAG}","data":{"n":123456789012345678901234567890,"__proto__":{"polluted":"yes"}}}`],
  ];
  for (const [kind, make] of EVENT_KINDS) {
    for (const [name, body] of cases) {
      test(`A8 ${kind}: ${name}`, async () => {
        const before = s.model.received.length;
        const result = await s.invoke(make({ body }));
        if (result.statusCode === 200) {
          // Forwarded as plain data is allowed; then the key must arrive as data, not as a prototype.
          expectSuccess(result, TAG);
          assert.ok(lastReceived().includes('"__proto__"') || lastReceived().includes('"constructor"'));
        } else {
          expectError(result, 400, 'INVALID_REQUEST', null);
          assert.equal(s.model.received.length, before);
        }
        const plain: Record<string, unknown> = {};
        assert.equal(plain.polluted, undefined);
        assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined);
        assert.equal((Object.prototype as Record<string, unknown>).isAdmin, undefined);
        assert.equal(({} as Record<string, unknown>).polluted, undefined);
      });
    }
  }
  test('A8 a model named "constructor" in the body does not change the route', async () => {
    const result = await s.invoke(EVENT_KINDS[0]![1]({ body: `{"userTag":"${TAG}","constructor":{"name":"x"},"data":{"constructor":"ok"}}` }));
    expectSuccess(result, TAG);
    assert.equal(lastReceived(), '{"constructor":"ok"}');
  });
});

/** `levels` nested objects: {"a":{"a":...{}}}, the outermost being `data` itself. */
const nestedObject = (levels: number): string => '{"a":'.repeat(levels - 1) + '{}' + '}'.repeat(levels - 1);

describe('A9 nesting deeper than MAX_JSON_DEPTH: 400, never a stack overflow or 500', () => {
  test('A9 data nested exactly 64 levels (the default limit) is accepted', async () => {
    const result = await s.invoke(EVENT_KINDS[0]![1]({ body: `{"userTag":"${TAG}","data":${nestedObject(64)}}` }));
    expectSuccess(result, TAG);
    assert.equal(lastReceived(), nestedObject(64));
  });
  test('A9 data nested 65 levels: 400 INVALID_REQUEST', async () => {
    const result = await expectRejected(EVENT_KINDS[1]![1]({ body: `{"userTag":"${TAG}","data":${nestedObject(65)}}` }), 400, 'INVALID_REQUEST', null);
    assert.match(JSON.parse(result.body).error.message, /data/);
  });
  const deep: Array<[string, string]> = [
    ['10,000 nested arrays', `{"userTag":"${TAG}","data":{"a":${'['.repeat(10_000)}${']'.repeat(10_000)}}}`],
    ['10,000 nested objects', `{"userTag":"${TAG}","data":${nestedObject(10_000)}}`],
    ['10,000 unclosed brackets', `{"userTag":"${TAG}","data":{"a":${'['.repeat(10_000)}`],
    ['100,000 nested arrays, no envelope', '['.repeat(100_000) + ']'.repeat(100_000)],
  ];
  for (const [kind, make] of EVENT_KINDS) {
    for (const [name, body] of deep) {
      test(`A9 ${kind}: ${name}: 400`, async () => {
        const result = await s.invoke(make({ body }));
        assert.equal(result.statusCode, 400, result.body);
        const code = JSON.parse(result.body).error.code as string;
        assert.ok(code === 'INVALID_REQUEST' || code === 'INVALID_JSON', code);
        expectError(result, 400, code, null);
        assertNoLeak(result, { servers: s.servers });
      });
    }
  }
});

describe('A10 wide JSON under the byte cap: answered well inside the deadline', () => {
  test('A10 300,000 keys in data (3.5 MB body, MAX_REQUEST_BYTES 4 MiB)', async (t) => {
    const wide = await setup({
      env: { MAX_REQUEST_BYTES: String(4 * 1024 * 1024) },
      behaviour: (_req, res, body) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(`{"bytes":${Buffer.byteLength(body)}}`);
      },
    });
    t.after(() => wide.close());
    const keys = 300_000;
    const parts: string[] = [];
    for (let i = 0; i < keys; i++) parts.push(`"k${i.toString(36)}":${i % 10}`);
    const data = `{${parts.join(',')}}`;
    const body = `{"userTag":"${TAG}","data":${data}}`;
    assert.ok(Buffer.byteLength(body) < 4 * 1024 * 1024);
    const started = performance.now();
    const result = await wide.invoke(EVENT_KINDS[0]![1]({ body }));
    const elapsed = performance.now() - started;
    assert.equal(expectSuccess(result, TAG), `{"bytes":${data.length}}`);
    assert.equal(wide.model.received[0]!.body, data);
    assert.ok(elapsed < 5_000, `answered in ${Math.round(elapsed)} ms, well inside the 10 s default deadline`);
  });
});

describe('A11 1e400 and integers beyond 2^53: forwarded exactly or 400, never changed', () => {
  const numbers = [
    '1e400',
    '-1E+400',
    '1e-400',
    '9007199254740993',
    '-9007199254740993',
    '18446744073709551616',
    '123456789012345678901234567890',
    '0.1000000000000000055511151231257827',
    '3.141592653589793238462643383279',
    '-0',
    '-0.0',
    '1.0',
    '100e-2',
  ];
  for (const [kind, make] of EVENT_KINDS) {
    for (const number of numbers) {
      test(`A11 ${kind}: ${number}`, async () => {
        const data = `{"n":${number},"list":[${number}],"deep":{"m":${number}}}`;
        const before = s.model.received.length;
        const result = await s.invoke(make({ body: `{"userTag":"${TAG}","data":${data}}` }));
        if (result.statusCode === 400) {
          expectError(result, 400, 'INVALID_REQUEST', TAG);
          assert.equal(s.model.received.length, before);
          return;
        }
        expectSuccess(result, TAG);
        const received = lastReceived();
        if (received === data) return;
        // Re-serialised: allowed only when every number keeps its exact decimal value (1.0 -> 1).
        assert.deepEqual(parseExact(received), parseExact(data), `sent ${data}, the model got ${received}`);
      });
    }
  }
  test('A11 the exact forms reach the model byte-exact for the inexact numbers', async () => {
    const data = '{"big":123456789012345678901234567890,"huge":1e400,"neg":-9007199254740993,"negzero":-0}';
    const result = await s.invoke(EVENT_KINDS[0]![1]({ body: `{"userTag":"${TAG}","data":${data}}` }));
    if (result.statusCode === 200) assert.equal(lastReceived(), data);
    else expectError(result, 400, 'INVALID_REQUEST', TAG);
  });
});

describe('A12 NaN, comments, trailing commas, single quotes, a UTF-8 BOM: 400 INVALID_JSON', () => {
  const cases: Array<[string, string]> = [
    ['NaN', `{"userTag":"${TAG}","data":{"n":NaN}}`],
    ['Infinity', `{"userTag":"${TAG}","data":{"n":Infinity}}`],
    ['line comment', `{"userTag":"${TAG}", // ${SECRET}\n"data":{}}`],
    ['block comment', `{"userTag":"${TAG}",/* ${SECRET} */"data":{}}`],
    ['trailing comma in object', `{"userTag":"${TAG}","data":{"a":1,},}`],
    ['trailing comma in array', `{"userTag":"${TAG}","data":{"a":[1,2,]}}`],
    ['single quotes', `{'userTag':'${TAG}','data':{'k':'${SECRET}'}}`],
    ['UTF-8 BOM', `\uFEFF{"userTag":"${TAG}","data":{}}`],
    ['hex number', `{"userTag":"${TAG}","data":{"n":0x10}}`],
    ['leading zero', `{"userTag":"${TAG}","data":{"n":012}}`],
    ['leading plus', `{"userTag":"${TAG}","data":{"n":+1}}`],
    ['raw control character in a string', `{"userTag":"${TAG}","data":{"k":"a\u0001b"}}`],
  ];
  for (const [kind, make] of EVENT_KINDS) {
    for (const [name, body] of cases) {
      test(`A12 ${kind}: ${name}`, async () => {
        await expectRejected(make({ body }), 400, 'INVALID_JSON', null);
      });
    }
    test(`A12 ${kind}: a UTF-8 BOM in a base64 body`, async () => {
      const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(envelope(TAG, {}))]);
      await expectRejected(make({ body: bytes.toString('base64'), isBase64Encoded: true }), 400, 'INVALID_JSON', null);
    });
  }
});

describe('A13 invalid UTF-8 in a base64 body, garbage base64: 400 INVALID_JSON, never 500', () => {
  const wrap = (inner: Buffer): Buffer =>
    Buffer.concat([Buffer.from(`{"userTag":"${TAG}","data":{"k":"`), inner, Buffer.from(`${SECRET}"}}`)]);
  const bad: Array<[string, string]> = [
    ['0xFF byte', wrap(Buffer.from([0xff])).toString('base64')],
    ['truncated sequence', wrap(Buffer.from([0xc3, 0x28])).toString('base64')],
    ['overlong slash', wrap(Buffer.from([0xc0, 0xaf])).toString('base64')],
    ['encoded surrogate', wrap(Buffer.from([0xed, 0xa0, 0x80])).toString('base64')],
    ['beyond U+10FFFF', wrap(Buffer.from([0xf4, 0x90, 0x80, 0x80])).toString('base64')],
    ['cut in the middle of a code point', Buffer.from(`{"userTag":"${TAG}","data":{"k":"é`).subarray(0, -1).toString('base64')],
    ['garbage characters', '!!!!not base64!!!!'],
    ['URL-safe alphabet', Buffer.from(envelope(TAG, { k: '???>>>' })).toString('base64url').replace(/=+$/, '') + '-_'],
    ['a lone character', 'e'],
    ['only padding', '===='],
    ['padding in the middle', 'ey==J1c2VyVGFn'],
    ['whitespace inside', `${Buffer.from(envelope(TAG, {})).toString('base64').slice(0, 8)} \n${Buffer.from(envelope(TAG, {})).toString('base64').slice(8)}`],
    ['data URL prefix', `data:application/json;base64,${Buffer.from(envelope(TAG, {})).toString('base64')}`],
  ];
  for (const [kind, make] of EVENT_KINDS) {
    for (const [name, body] of bad) {
      test(`A13 ${kind}: ${name}`, async () => {
        await expectRejected(make({ body, isBase64Encoded: true }), 400, 'INVALID_JSON', null);
      });
    }
    test(`A13 ${kind}: a lone surrogate in a plain (non-base64) body`, async () => {
      await expectRejected(make({ body: `{"userTag":"${TAG}","data":{"k":"\ud800${SECRET}"}}` }), 400, 'INVALID_JSON', null);
    });
  }
});

describe('A14 a base64 body of a valid envelope: the same answer, byte for byte, as the plain one', () => {
  const bodies: Array<[string, string]> = [
    ['success', envelope('Zoë \u{1F600}', { text: 'naïve ☃', n: 1.5, big: 1 })],
    ['success with a big integer', `{"userTag":"${TAG}","data":{"big":123456789012345678901234567890}}`],
    ['invalid envelope', envelope(TAG, [1])],
    ['invalid JSON', '{"userTag":'],
  ];
  for (const [kind, make] of EVENT_KINDS) {
    for (const [name, body] of bodies) {
      test(`A14 ${kind}: ${name}`, async () => {
        const plain = await s.invoke(make({ body, requestId: 'same-id' }));
        const plainSent = s.model.received.length;
        const encoded = await s.invoke(make({ body: Buffer.from(body).toString('base64'), isBase64Encoded: true, requestId: 'same-id' }));
        assert.equal(encoded.statusCode, plain.statusCode);
        assert.equal(encoded.body, plain.body);
        assert.deepEqual(encoded.headers, plain.headers);
        if (plain.statusCode === 200) {
          assert.equal(s.model.received.length, plainSent + 1);
          assert.equal(s.model.received.at(-1)!.body, s.model.received.at(-2)!.body, 'the model got the same bytes');
        }
      });
    }
  }
});

describe('A15 a body over MAX_REQUEST_BYTES: 413 before parsing', () => {
  let small: Setup;
  before(async () => {
    small = await setup({ env: { MAX_REQUEST_BYTES: '1024' } });
  });
  after(() => small.close());
  const exactly = (bytes: number): string => {
    const head = `{"userTag":"${TAG}","data":{"p":"`;
    const tail = '"}}';
    return head + 'x'.repeat(bytes - head.length - tail.length) + tail;
  };
  for (const [kind, make] of EVENT_KINDS) {
    test(`A15 ${kind}: exactly 1024 bytes is accepted, plain and base64`, async () => {
      expectSuccess(await small.invoke(make({ body: exactly(1024) })), TAG);
      expectSuccess(await small.invoke(make({ body: Buffer.from(exactly(1024)).toString('base64'), isBase64Encoded: true })), TAG);
    });
    const over: Array<[string, string, boolean]> = [
      ['1025 bytes of valid JSON', exactly(1025), false],
      ['1025 bytes of garbage (not parsed)', `${SECRET}{`.padEnd(1025, '{'), false],
      ['400 three-byte characters (1200 bytes, 400 code units)', `{"userTag":"${TAG}","data":{"p":"${'€'.repeat(400)}"}}`, false],
      ['base64 of 1025 bytes', Buffer.from(exactly(1025)).toString('base64'), true],
      ['base64 of 1025 bytes of invalid UTF-8', Buffer.alloc(1025, 0xff).toString('base64'), true],
      ['a huge base64 body (not decoded)', 'A'.repeat(4 * 1024 * 1024), true],
    ];
    for (const [name, body, isBase64Encoded] of over) {
      test(`A15 ${kind}: ${name}: 413`, async () => {
        const logs = captureLogs();
        const sent = small.model.received.length;
        const result = await small.invoke(make({ body, isBase64Encoded }));
        expectError(result, 413, 'PAYLOAD_TOO_LARGE', null);
        assert.equal(small.model.received.length, sent);
        assertNoLeak(result, { servers: small.servers, secrets: [SECRET] });
        assertLogsClean(logs.text(), { servers: small.servers, secrets: [SECRET] });
      });
    }
  }
});

describe('A16 Content-Encoding gzip on the request: 415, no inflating', () => {
  const gz = gzipSync(envelope(TAG, { k: SECRET })).toString('base64');
  for (const [kind, make] of EVENT_KINDS) {
    for (const encoding of ['gzip', 'GZIP', 'deflate', 'br', 'gzip, identity', 'x-gzip']) {
      test(`A16 ${kind}: Content-Encoding ${encoding}`, async () => {
        await expectRejected(
          make({ headers: { 'Content-Type': 'application/json', 'Content-Encoding': encoding }, body: gz, isBase64Encoded: true }),
          415,
          'UNSUPPORTED_MEDIA_TYPE',
          null,
        );
      });
    }
    test(`A16 ${kind}: Content-Encoding gzip on a plain JSON body is refused too`, async () => {
      await expectRejected(
        make({ headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: envelope(TAG, { k: SECRET }) }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        null,
      );
    });
  }
});
