// Where configured endpoints may point (UPSTREAM_ALLOWLIST): hostnames, IP addresses and CIDRs.
// The check runs on the WHATWG-parsed URL, whose hostname is already canonical: `2130706433`,
// `0x7f.1` and `127.1` all arrive here as `127.0.0.1`.
import { BlockList, isIP } from 'node:net';

export interface Allowlist {
  /** False when UPSTREAM_ALLOWLIST is unset or empty: any host but the never-allowed ranges. */
  restricted: boolean;
  hostnames: Set<string>;
  addresses: BlockList;
  /** Whether any IP or CIDR entry was given: then every resolved address must be in one. */
  hasAddresses: boolean;
}

/**
 * Link-local addresses (the instance metadata service at 169.254.169.254 and fd00:ec2::254
 * among them) and unspecified addresses are never a model, allowlist or not; nor are the
 * same IPv4 ranges written as NAT64 addresses (64:ff9b::/96, which DNS64 hands out in a VPC).
 * IPv4-mapped IPv6 (::ffff:169.254.169.254) is matched by BlockList itself.
 */
const NEVER_ALLOWED = new BlockList();
NEVER_ALLOWED.addSubnet('169.254.0.0', 16, 'ipv4');
NEVER_ALLOWED.addSubnet('0.0.0.0', 8, 'ipv4');
NEVER_ALLOWED.addSubnet('64:ff9b::a9fe:0', 112, 'ipv6');
NEVER_ALLOWED.addSubnet('64:ff9b::', 104, 'ipv6');
NEVER_ALLOWED.addSubnet('fe80::', 10, 'ipv6');
NEVER_ALLOWED.addAddress('fd00:ec2::254', 'ipv6');
NEVER_ALLOWED.addAddress('::', 'ipv6');

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

const family = (address: string): 'ipv4' | 'ipv6' => (isIP(address) === 6 ? 'ipv6' : 'ipv4');

/** Parses `models.internal,10.20.0.0/16,10.1.2.3`; throws on an entry it cannot read. */
export function parseAllowlist(text: string): Allowlist {
  const hostnames = new Set<string>();
  const addresses = new BlockList();
  let hasAddresses = false;
  const entries = text.split(',').map((entry) => entry.trim().toLowerCase()).filter(Boolean);
  for (const entry of entries) {
    const [address = '', bits, extra] = entry.split('/');
    if (extra === undefined && isIP(address) !== 0) {
      hasAddresses = true;
      if (bits === undefined) {
        addresses.addAddress(address, family(address));
        continue;
      }
      const prefix = Number(bits);
      const max = isIP(address) === 6 ? 128 : 32;
      if (/^\d{1,3}$/.test(bits) && prefix <= max) {
        addresses.addSubnet(address, prefix, family(address));
        continue;
      }
    } else if (bits === undefined && HOSTNAME.test(entry)) {
      hostnames.add(entry);
      continue;
    }
    throw new Error(`cannot read entry ${JSON.stringify(entry)}: expected a hostname, an IP address or a CIDR`);
  }
  return { restricted: entries.length > 0, hostnames, addresses, hasAddresses };
}

/**
 * The URL check, on `hostname` as URL.hostname gives it (IPv6 in brackets). An IP must be in
 * the list. A name passes when it is listed, or when the list has IPs or CIDRs: then the
 * address it resolves to decides, at connect time (`isResolvedAddressAllowed`). So a CIDR-only
 * list (what the CDK stack sets from modelCidrs) admits any name inside the models' network.
 */
export function isHostAllowed(allowlist: Allowlist, hostname: string): boolean {
  const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname.toLowerCase();
  if (isIP(host) !== 0) return isAddressAllowed(allowlist, host);
  return !allowlist.restricted || allowlist.hostnames.has(host) || allowlist.hasAddresses;
}

/** An IP address written in a URL: never a never-allowed range and, with a list, in it. */
export function isAddressAllowed(allowlist: Allowlist, address: string): boolean {
  if (isIP(address) === 0) return false;
  if (NEVER_ALLOWED.check(address, family(address))) return false;
  return !allowlist.restricted || allowlist.addresses.check(address, family(address));
}

/**
 * The connect-time check on the address a name resolved to (DNS rebinding): never a
 * never-allowed range and, when the list has IPs or CIDRs, inside one of them. A list of
 * names only trusts those names' DNS.
 */
export function isResolvedAddressAllowed(allowlist: Allowlist, address: string): boolean {
  if (isIP(address) === 0) return false;
  if (NEVER_ALLOWED.check(address, family(address))) return false;
  return !allowlist.hasAddresses || allowlist.addresses.check(address, family(address));
}
