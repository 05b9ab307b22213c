import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isHostAllowed, isResolvedAddressAllowed, parseAllowlist } from '../../../lambda/config/allowlist.ts';
import { parseEndpoint } from '../../../lambda/config/endpoint.ts';
import { buildSnapshot, callableModels } from '../../../lambda/config/snapshot.ts';

const open = parseAllowlist('');
const restricted = parseAllowlist('models.internal, 10.20.0.0/16, 192.168.1.7, fd00:1::/64');

describe('allowlist', () => {
  test('empty means any host but link-local and unspecified addresses', () => {
    assert.equal(isHostAllowed(open, 'anything.example'), true);
    assert.equal(isHostAllowed(open, '127.0.0.1'), true);
    for (const host of ['169.254.169.254', '0.0.0.0', '[fe80::1]', '[fd00:ec2::254]', '[::ffff:a9fe:a9fe]', '[64:ff9b::a9fe:a9fe]', '[64:ff9b::1]']) {
      assert.equal(isHostAllowed(open, host), false, host);
    }
    assert.equal(isHostAllowed(open, '[64:ff9b::a01:203]'), true, 'NAT64 of an ordinary address');
  });
  test('hostnames exactly, addresses and CIDRs by membership', () => {
    assert.equal(isHostAllowed(restricted, 'models.internal'), true);
    assert.equal(isHostAllowed(restricted, 'MODELS.internal'), true);
    assert.equal(isHostAllowed(parseAllowlist('models.internal'), 'evil.models.internal'), false, 'names match exactly');
    assert.equal(isHostAllowed(restricted, '10.20.3.4'), true);
    assert.equal(isHostAllowed(restricted, '10.21.0.1'), false);
    assert.equal(isHostAllowed(restricted, '192.168.1.7'), true);
    assert.equal(isHostAllowed(restricted, '[fd00:1::5]'), true);
    assert.equal(isHostAllowed(restricted, '127.0.0.1'), false);
  });
  test('a name passes the URL check when listed, or when IPs or CIDRs will judge its address', () => {
    const cidrOnly = parseAllowlist('10.20.0.0/16');
    const namesOnly = parseAllowlist('models.internal');
    assert.equal(isHostAllowed(cidrOnly, 'iris.models.internal'), true);
    assert.equal(isHostAllowed(namesOnly, 'models.internal'), true);
    assert.equal(isHostAllowed(namesOnly, 'other.internal'), false);
    assert.equal(isHostAllowed(namesOnly, '10.20.0.1'), false, 'an IP must be listed');
  });
  test('resolved addresses: inside the IPs and CIDRs when there are any, never link-local', () => {
    assert.equal(isResolvedAddressAllowed(restricted, '10.20.9.9'), true);
    assert.equal(isResolvedAddressAllowed(restricted, '127.0.0.1'), false);
    const namesOnly = parseAllowlist('models.internal');
    assert.equal(isResolvedAddressAllowed(namesOnly, '127.0.0.1'), true, 'a names-only list trusts their DNS');
    assert.equal(isResolvedAddressAllowed(namesOnly, '169.254.169.254'), false);
    assert.equal(isResolvedAddressAllowed(open, 'fe80::1'), false);
    for (const address of ['::ffff:169.254.169.254', '64:ff9b::a9fe:a9fe', '64:ff9b::a9fe:1']) {
      assert.equal(isResolvedAddressAllowed(open, address), false, address);
    }
  });
  test('refuses entries it cannot read', () => {
    for (const text of ['10.0.0.0/33', 'http://x', 'a b', '10.0.0.0/8/1']) assert.throws(() => parseAllowlist(text), /cannot read/);
  });
});

describe('parseEndpoint', () => {
  test('an http(s) URL becomes an origin and a path', () => {
    assert.deepEqual(parseEndpoint('http://models.internal:8501/v1/models/iris:predict?x=1', open), {
      ok: true,
      endpoint: { origin: 'http://models.internal:8501', path: '/v1/models/iris:predict?x=1', protocol: 'http:' },
    });
  });
  test('refuses what must never be called', () => {
    const cases: [string, string][] = [
      ['', 'not-a-url'],
      ['not a url', 'not-a-url'],
      ['file:///etc/passwd', 'scheme'],
      ['ftp://models.internal/', 'scheme'],
      ['https://a@evil.example/', 'userinfo'],
      ['https://a:b@evil.example/', 'userinfo'],
      // Userinfo that URL drops without a trace, or hides in its percent-encoding.
      ['http://@models.internal/', 'userinfo'],
      ['http://:@models.internal/', 'userinfo'],
      ['http://a@b@models.internal/', 'userinfo'],
      ['http:\\\\@models.internal/', 'userinfo'],
      ['http://\t@models.internal/', 'userinfo'],
      ['http://models.internal/#frag', 'fragment'],
      ['http://169.254.169.254/latest/meta-data', 'host-not-allowed'],
    ];
    for (const [value, problem] of cases) assert.deepEqual(parseEndpoint(value, open), { ok: false, problem }, value);
  });
  test('an @ in the path or query is not userinfo', () => {
    assert.deepEqual(parseEndpoint('http://models.internal/v1/p@q?x=@y', open), {
      ok: true,
      endpoint: { origin: 'http://models.internal', path: '/v1/p@q?x=@y', protocol: 'http:' },
    });
    // The backslash ends the authority for http(s), so the host is 127.0.0.1 and `@evil` is path.
    assert.equal(parseEndpoint('http://127.0.0.1:80\\@evil.example/', open).ok, true);
    assert.equal(parseEndpoint('http://127.0.0.1:80\\@evil.example/', restricted).ok, false);
  });
  test('numeric host tricks are canonical before the allowlist sees them', () => {
    for (const value of ['http://2130706433/', 'http://0x7f.1/', 'http://127.1/', 'http://[::ffff:127.0.0.1]/']) {
      assert.deepEqual(parseEndpoint(value, restricted), { ok: false, problem: 'host-not-allowed' }, value);
    }
    assert.equal(parseEndpoint('http://0x0a.20.0.1/', restricted).ok, true, '0x0a.20.0.1 is 10.20.0.1');
  });
});

describe('buildSnapshot', () => {
  test('reads model endpoints under the prefix and ignores the rest', () => {
    const snapshot = buildSnapshot(
      new Map([
        ['/p/models/iris/endpoint', 'http://a/'],
        ['/p/models/bad/endpoint', 'ftp://a/'],
        ['/p/models/iris/config', '{}'],
        ['/p/models/__proto__x/endpoint', 'http://a/'],
        ['/p/models/a/b/endpoint', 'http://a/'],
        ['/other/models/x/endpoint', 'http://a/'],
      ]),
      '/p',
      open,
    );
    assert.deepEqual([...snapshot.models.keys()].sort(), ['bad', 'iris']);
    assert.deepEqual(callableModels(snapshot), ['iris']);
  });
});
