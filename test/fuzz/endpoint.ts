// Fuzzed properties of the URL checker (config/endpoint.ts, config/allowlist.ts) and of the
// connect-time lookup (upstream/lookup.ts), each against a reference written out here from
// the contract: no userinfo, no fragment, http(s) only, link-local and unspecified addresses
// never, and with UPSTREAM_ALLOWLIST an IP must be in it, whatever way the URL spells it.
import assert from 'node:assert/strict';
import dns from 'node:dns';
import fc from 'fast-check';
import { isResolvedAddressAllowed, parseAllowlist } from '../../lambda/config/allowlist.ts';
import { parseEndpoint } from '../../lambda/config/endpoint.ts';
import { ADDRESS_NOT_ALLOWED, allowlistLookup } from '../../lambda/upstream/lookup.ts';
import type { FuzzProperty } from './property.ts';

// ---------------------------------------------------------------------------------------------
// The reference

interface Cidr {
  base: number;
  bits: number;
}

const inCidr = (address: number, { base, bits }: Cidr): boolean =>
  bits === 0 || address >>> (32 - bits) === base >>> (32 - bits);

/** 169.254.0.0/16 and 0.0.0.0/8. */
const neverAllowedV4 = (address: number): boolean => address >>> 16 === 0xa9fe || address >>> 24 === 0;

const dotted = (address: number): string => [24, 16, 8, 0].map((shift) => (address >>> shift) & 0xff).join('.');

interface ListSpec {
  cidrs: Cidr[];
  names: string[];
}

const listText = ({ cidrs, names }: ListSpec): string => [...names, ...cidrs.map(({ base, bits }) => `${dotted(base)}/${bits}`)].join(',');

/** What the contract says of an IPv4 address written in a URL (or as ::ffff:a.b.c.d). */
function v4Allowed(address: number, list: ListSpec): boolean {
  if (neverAllowedV4(address)) return false;
  const restricted = list.cidrs.length + list.names.length > 0;
  return !restricted || list.cidrs.some((cidr) => inCidr(address, cidr));
}

/** A NAT64 address (64:ff9b::a.b.c.d) is IPv6: no IPv4 CIDR holds it. */
const nat64Allowed = (embedded: number, list: ListSpec): boolean =>
  !neverAllowedV4(embedded) && list.cidrs.length + list.names.length === 0;

// ---------------------------------------------------------------------------------------------
// Arbitraries

const address = fc.oneof(
  fc.integer({ min: 0, max: 0xffffffff }),
  fc.integer({ min: 0, max: 0xffff }).map((low) => (0xa9fe0000 + low) >>> 0),
  fc.integer({ min: 0, max: 0xffffff }),
  fc.constantFrom(0x7f000001, 0xa9fea9fe, 0x0a000001, 0, 0xffffffff, 0x0a140001),
);

const cidr: fc.Arbitrary<Cidr> = fc.record({ base: address, bits: fc.integer({ min: 0, max: 32 }) });
const list: fc.Arbitrary<ListSpec> = fc.record({
  cidrs: fc.array(cidr, { maxLength: 3 }),
  names: fc.array(fc.constantFrom('models.internal', 'iris.models.internal'), { maxLength: 1 }),
});

/** A number as the WHATWG URL parser reads IPv4 parts: decimal, 0x hex or 0-prefixed octal. */
const numberSpelling = (value: number) =>
  fc.oneof(
    fc.constant(String(value)),
    fc.tuple(fc.constantFrom('0x', '0X'), fc.boolean()).map(([prefix, upper]) => `${prefix}${upper ? value.toString(16).toUpperCase() : value.toString(16)}`),
    fc.constant(`0${value.toString(8)}`),
  );

/** Any IPv4 spelling the URL parser accepts: 1 to 4 parts, each in any base, maybe a trailing dot. */
const v4Spelling = (value: number) =>
  fc.integer({ min: 1, max: 4 }).chain((parts) => {
    const leading = Array.from({ length: parts - 1 }, (_, i) => (value >>> (24 - 8 * i)) & 0xff);
    const rest = parts === 1 ? value : value & (2 ** (8 * (5 - parts)) - 1);
    return fc
      .tuple(...[...leading, rest].map(numberSpelling), fc.boolean())
      .map((spelled) => {
        const dot = spelled.pop() as boolean;
        return `${(spelled as string[]).join('.')}${dot ? '.' : ''}`;
      });
  });

/** A host as written in a URL, with the address it denotes (plain data, so that it can be kept). */
interface HostForm {
  host: string;
  /** IPv4 semantics (dotted in any base, ::ffff:...) or NAT64 (64:ff9b::...). */
  kind: 'v4' | 'nat64';
  address: number;
}

const hex4 = (n: number): string => n.toString(16);
const hostForm: fc.Arbitrary<HostForm> = address.chain((value) =>
  fc.oneof(
    v4Spelling(value).map((host): HostForm => ({ host, kind: 'v4', address: value })),
    fc.constant<HostForm>({ host: `[::ffff:${dotted(value)}]`, kind: 'v4', address: value }),
    fc.constant<HostForm>({ host: `[::ffff:${hex4(value >>> 16)}:${hex4(value & 0xffff)}]`, kind: 'v4', address: value }),
    fc.constant<HostForm>({ host: `[64:ff9b::${dotted(value)}]`, kind: 'nat64', address: value }),
  ),
);

const formAllowed = (form: HostForm, spec: ListSpec): boolean =>
  form.kind === 'v4' ? v4Allowed(form.address, spec) : nat64Allowed(form.address, spec);

/** Strings near URLs: schemes, separators, userinfo, hosts, ports, paths, fragments, stray characters. */
const urlish = fc
  .tuple(
    fc.constantFrom('http', 'https', 'HTTP', 'hTTps', 'ftp', 'file', 'ws', 'javascript', 'data', ''),
    fc.constantFrom('://', ':', ':/', ':///', ':\\\\', ':/\\', '://\t', ' ://'),
    fc.constantFrom('', '', '', 'a@', 'a:b@', '@', ':@', 'a@b@', 'x%40y@', '127.0.0.1@', 'a\n@'),
    fc.oneof(fc.constantFrom('models.internal', 'evil.example', 'localhost', '169.254.169.254', '[::1]', '[fd00:ec2::254]', '0', '2130706433', 'models.internal.', ''), hostForm.map((form) => form.host)),
    fc.constantFrom('', ':8501', ':0', ':99999', ':-1', ':8501@evil.example', '\\@evil.example'),
    fc.constantFrom('', '/', '/v1/models/iris:predict', '/p@q', '/?x=@y', '/#frag', '#', '/a b', '/%2e%2e/'),
  )
  .map((parts) => parts.join(''));

// ---------------------------------------------------------------------------------------------
// Properties

/** The authority as written: an `@` in it is userinfo, even an empty one. */
const writtenAuthority = (value: string): string =>
  value.replace(/[\t\n\r]/g, '').trim().replace(/^[a-z][a-z\d+.-]*:[/\\]*/i, '').split(/[/\\?#]/, 1)[0] ?? '';

export const endpointProperties: FuzzProperty[] = [
  {
    name: 'endpoint: any string is refused or gives an http(s) endpoint without userinfo or fragment that re-parses to itself',
    property: () =>
      fc.property(fc.oneof(urlish, fc.string({ unit: 'binary', maxLength: 60 })), list, (value, spec) => {
        const allowlist = parseAllowlist(listText(spec));
        const parsed = parseEndpoint(value, allowlist);
        if (!parsed.ok) return;
        const url = new URL(value);
        assert.ok(url.protocol === 'http:' || url.protocol === 'https:');
        assert.equal(url.username + url.password, '');
        assert.ok(!writtenAuthority(value).includes('@'), 'no userinfo, even empty');
        assert.ok(!value.includes('#'));
        // What undici is given (origin and path) names the same host and port as the check saw.
        const rebuilt = new URL(parsed.endpoint.origin + parsed.endpoint.path);
        assert.equal(rebuilt.host, url.host);
        assert.equal(rebuilt.origin, parsed.endpoint.origin);
      }),
  },
  {
    name: 'endpoint: every spelling of an IP address is judged by the address it denotes',
    property: () =>
      fc.property(hostForm, list, fc.constantFrom('http', 'https'), (form, spec, scheme) => {
        const parsed = parseEndpoint(`${scheme}://${form.host}/predict`, parseAllowlist(listText(spec)));
        assert.equal(parsed.ok, formAllowed(form, spec), `${form.host} with ${listText(spec) || 'no allowlist'}`);
      }),
  },
  {
    name: 'endpoint: the connect-time check agrees with the reference for any resolved IPv4 address',
    property: () =>
      fc.property(address, list, (value, spec) => {
        const expected = !neverAllowedV4(value) && (spec.cidrs.length === 0 || spec.cidrs.some((c) => inCidr(value, c)));
        assert.equal(isResolvedAddressAllowed(parseAllowlist(listText(spec)), dotted(value)), expected);
        assert.equal(isResolvedAddressAllowed(parseAllowlist(listText(spec)), `::ffff:${dotted(value)}`), expected);
      }),
  },
  {
    name: 'endpoint: the lookup hands the socket only allowed addresses, or an error and none',
    property: () =>
      fc.asyncProperty(fc.array(address, { minLength: 1, maxLength: 4 }), list, fc.boolean(), async (answers, spec, all) => {
        const allowlist = parseAllowlist(listText(spec));
        const allowed = answers.filter((value) => !neverAllowedV4(value) && (spec.cidrs.length === 0 || spec.cidrs.some((c) => inCidr(value, c))));
        const original = dns.lookup;
        (dns as { lookup: unknown }).lookup = (_host: string, _options: unknown, callback: (e: null, a: dns.LookupAddress[]) => void) =>
          process.nextTick(callback, null, answers.map((value) => ({ address: dotted(value), family: 4 })));
        try {
          const result = await new Promise<{ error: NodeJS.ErrnoException | null; address: unknown }>((resolve) =>
            allowlistLookup(allowlist)('model.internal', { all }, (error, address) => resolve({ error, address })),
          );
          if (allowed.length === 0) {
            assert.equal(result.error?.code, ADDRESS_NOT_ALLOWED);
            assert.deepEqual(result.address, []);
          } else if (all) {
            assert.deepEqual(result.address, allowed.map((value) => ({ address: dotted(value), family: 4 })));
          } else {
            assert.equal(result.address, dotted(allowed[0]!));
          }
        } finally {
          (dns as { lookup: unknown }).lookup = original;
        }
      }),
  },
];
