// Where the adapter function runs and what it may reach: the VPC (a demonstration one, or
// imported by id), the models' CIDRs and ports (its security group's egress) and host names
// (with the CIDRs, UPSTREAM_ALLOWLIST). Addresses are parsed and matched with node:net, as
// lambda/config/allowlist.ts matches them at run time.
import { BlockList, isIP, isIPv4 } from 'node:net';
import type { Reader } from './reader.ts';

export const NETWORK_KEYS = ['vpcId', 'subnetIds', 'ssmEndpointSecurityGroupId', 'xrayEndpointSecurityGroupId', 'modelCidrs', 'modelHosts', 'modelPorts'] as const;
type NetworkKey = (typeof NETWORK_KEYS)[number];

/** The demonstration VPC's range: the default model CIDR when no VPC is given. */
export const DEMO_VPC_CIDR = '10.20.0.0/16';

/** A DNS host name as UPSTREAM_ALLOWLIST reads one (lower case). */
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

export type VpcSettings =
  | { readonly kind: 'demo' }
  | {
      readonly kind: 'imported';
      readonly vpcId: string;
      readonly subnetIds: readonly string[];
      /** An SSM interface endpoint that already serves the VPC; unset: the stack creates one. */
      readonly ssmEndpointSecurityGroupId: string | undefined;
      /** An X-Ray interface endpoint that already serves the VPC; unset: the stack creates one. */
      readonly xrayEndpointSecurityGroupId: string | undefined;
    };

export interface NetworkSettings {
  readonly vpc: VpcSettings;
  /** IPv4 CIDRs, canonical, /8 or longer. */
  readonly modelCidrs: readonly string[];
  /** Host names endpoints may use; each must resolve inside modelCidrs. */
  readonly modelHosts: readonly string[];
  readonly modelPorts: readonly number[];
}

export function readNetworkSettings(read: Reader<NetworkKey>): NetworkSettings {
  const vpcId = read.string('vpcId', /^vpc-[0-9a-f]{8,17}$/, 'a VPC id such as vpc-0123456789abcdef0');
  const subnetIds = read.list('subnetIds', (v) => /^subnet-[0-9a-f]{8,17}$/.test(v), 'subnet ids such as subnet-0123456789abcdef0');
  const ssmEndpointSecurityGroupId = read.string('ssmEndpointSecurityGroupId', /^sg-[0-9a-f]{8,17}$/, 'a security group id such as sg-0123456789abcdef0');
  const xrayEndpointSecurityGroupId = read.string('xrayEndpointSecurityGroupId', /^sg-[0-9a-f]{8,17}$/, 'a security group id such as sg-0123456789abcdef0');
  let vpc: VpcSettings = { kind: 'demo' };
  if (vpcId !== undefined) {
    if (subnetIds === undefined || subnetIds.length === 0) {
      read.problem('subnetIds', 'subnetIds: required with vpcId (the private subnets the Lambda runs in)');
    }
    vpc = { kind: 'imported', vpcId, subnetIds: subnetIds ?? [], ssmEndpointSecurityGroupId, xrayEndpointSecurityGroupId };
  } else {
    for (const key of ['subnetIds', 'ssmEndpointSecurityGroupId', 'xrayEndpointSecurityGroupId'] as const) {
      if (read.raw(key) !== undefined) read.problem(key, `${key}: only meaningful with vpcId (without it the stack builds a demonstration VPC)`);
    }
  }
  const demo = vpc.kind === 'demo';

  const modelCidrs = read.list('modelCidrs', isCanonicalIpv4Cidr, 'IPv4 CIDRs with zero host bits and a prefix of /8 or longer, e.g. 10.20.0.0/16') ?? (demo ? [DEMO_VPC_CIDR] : undefined);
  const modelHosts = read.list('modelHosts', (v) => HOSTNAME.test(v), 'lower-case DNS host names such as models.internal') ?? [];
  const modelPorts = read.list('modelPorts', isPort, 'TCP ports from 1 to 65535')?.map(Number) ?? (demo ? [8080] : undefined);
  if (!demo) {
    if (modelCidrs === undefined) read.problem('modelCidrs', 'modelCidrs: required with vpcId (the only addresses the Lambda may reach besides SSM)');
    if (modelPorts === undefined) read.problem('modelPorts', 'modelPorts: required with vpcId (the only ports the Lambda may reach besides SSM)');
  }
  return { vpc, modelCidrs: modelCidrs ?? [], modelHosts, modelPorts: modelPorts ?? [] };
}

/**
 * Why an endpoint URL would not work, or undefined: docs/contract.md's rules, the security group's
 * ports and CIDRs, and UPSTREAM_ALLOWLIST, which admits a host name only if it is listed.
 */
export function endpointProblem(endpoint: string, network: NetworkSettings): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be http or https';
  if (url.username !== '' || url.password !== '') return 'must not carry userinfo';
  if (endpoint.includes('#')) return 'must not carry a fragment';
  const { modelCidrs, modelHosts, modelPorts } = network;
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  if (!modelPorts.includes(port)) return `uses port ${port}, which modelPorts (${modelPorts.join(', ')}) does not open`;
  // The WHATWG parser has already made any IPv4 form (0x0a.1, 167772161) dotted decimal, and
  // put an IPv6 address in brackets.
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (isIP(host) === 6) return `points at ${url.hostname}, an IPv6 address: modelCidrs and the security group are IPv4 only`;
  if (isIPv4(host)) {
    if (!cidrList(modelCidrs).check(host, 'ipv4')) return `points at ${host}, outside modelCidrs (${modelCidrs.join(', ')})`;
  } else if (!modelHosts.includes(host)) {
    return `names host ${host}, which modelHosts does not list`;
  }
  return undefined;
}

/** The CIDRs as one node:net BlockList (here an allow list: `check` is "inside one of them"). */
function cidrList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address = '', bits = ''] = cidr.split('/');
    list.addSubnet(address, Number(bits), 'ipv4');
  }
  return list;
}

/**
 * An IPv4 address (as node:net reads one: dotted decimal, no leading zeros), a prefix of /8
 * or longer (0.0.0.0/0 and other very wide ranges would make the egress rule meaningless) and
 * zero host bits (the address is the network's first), e.g. 10.40.16.0/20.
 */
function isCanonicalIpv4Cidr(text: string): boolean {
  const [address = '', bits = '', ...rest] = text.split('/');
  if (rest.length > 0 || !isIPv4(address) || !/^\d{1,2}$/.test(bits)) return false;
  const prefix = Number(bits);
  if (prefix < 8 || prefix > 32) return false;
  // Zero host bits: the address, as a 32-bit number, is a multiple of the subnet's size.
  const value = address.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
  return value % 2 ** (32 - prefix) === 0;
}

function isPort(value: string): boolean {
  return /^\d{1,5}$/.test(value) && Number(value) >= 1 && Number(value) <= 65_535;
}
