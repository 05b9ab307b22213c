// The stack's settings: read from CDK context (cdk.json or `-c key=value`), validated once,
// here, as a pure function so every rule is unit-tested without synthesizing anything.
// `-c` values arrive as strings, cdk.json values as JSON: both are accepted.

/** API Gateway's default (and, without a quota raise, maximum) integration timeout. */
export const INTEGRATION_TIMEOUT_SECONDS = 29;

/** The demonstration VPC's range: the default model CIDR when no VPC is given. */
export const DEMO_VPC_CIDR = '10.20.0.0/16';

/** contract.md: `{model}` matches this, and no parameter name is built from anything else. */
export const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * Lambda's synchronous invocation payload limit, in bytes. A request body travels inside the
 * proxy event as an escaped JSON string, which can take up to twice its size: hence half.
 */
const LAMBDA_PAYLOAD_BYTES = 6 * 1024 * 1024;

/** A DNS host name as UPSTREAM_ALLOWLIST reads one (lower case). */
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Retention periods CloudWatch Logs accepts, in days. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
];

export type QuotaPeriod = 'DAY' | 'WEEK' | 'MONTH';
export type EndpointKind = 'REGIONAL' | 'PRIVATE';

export type Network =
  | { readonly kind: 'demo' }
  | {
      readonly kind: 'imported';
      readonly vpcId: string;
      readonly subnetIds: readonly string[];
      /** An SSM interface endpoint that already serves the VPC; unset: the stack creates one. */
      readonly ssmEndpointSecurityGroupId: string | undefined;
    };

export interface Settings {
  readonly stage: string;
  readonly network: Network;
  readonly modelCidrs: readonly string[];
  /** Host names endpoints may use; each must resolve inside modelCidrs. */
  readonly modelHosts: readonly string[];
  readonly modelPorts: readonly number[];
  /** Model name -> initial endpoint URL. */
  readonly models: ReadonlyMap<string, string>;
  readonly endpointType: EndpointKind;
  readonly apiVpcEndpointIds: readonly string[];
  readonly throttleRateLimit: number;
  readonly throttleBurstLimit: number;
  readonly quotaLimit: number;
  readonly quotaPeriod: QuotaPeriod;
  readonly waf: boolean;
  readonly apiGatewayCloudWatchRole: boolean;
  readonly memorySize: number;
  readonly timeoutSeconds: number;
  readonly reservedConcurrency: number | undefined;
  readonly logRetentionDays: number;
  readonly parameterCacheTtlSeconds: number;
  readonly upstreamTimeoutMs: number;
  readonly maxRequestBytes: number;
  readonly maxResponseBytes: number;
  readonly maxJsonDepth: number;
  readonly alarmEmail: string | undefined;
  readonly alarmP99LatencyMs: number;
  /** The customer managed KMS key of SecureString parameters (TLS material), if any. */
  readonly parameterKmsKeyArn: string | undefined;
}

/** Every context key the stack reads; anything else in context is CDK's own business. */
export const SETTING_KEYS = [
  'stage',
  'vpcId',
  'subnetIds',
  'ssmEndpointSecurityGroupId',
  'modelCidrs',
  'modelHosts',
  'modelPorts',
  'models',
  'endpointType',
  'apiVpcEndpointIds',
  'throttleRateLimit',
  'throttleBurstLimit',
  'quotaLimit',
  'quotaPeriod',
  'waf',
  'apiGatewayCloudWatchRole',
  'memorySize',
  'timeoutSeconds',
  'reservedConcurrency',
  'logRetentionDays',
  'parameterCacheTtlSeconds',
  'upstreamTimeoutMs',
  'maxRequestBytes',
  'maxResponseBytes',
  'maxJsonDepth',
  'alarmEmail',
  'alarmP99LatencyMs',
  'parameterKmsKeyArn',
] as const;

export type SettingsContext = Readonly<Partial<Record<(typeof SETTING_KEYS)[number], unknown>>>;

/** Every problem found, one per line, so an operator fixes them all in one go. */
export class SettingsError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid CDK context (see docs/deploy.md):\n  - ${problems.join('\n  - ')}`);
    this.name = 'SettingsError';
    this.problems = problems;
  }
}

export function parseSettings(context: SettingsContext): Settings {
  const problems: string[] = [];
  const read = new Reader(context, problems);

  const stage = read.string('stage', /^[a-z][a-z0-9-]{0,19}$/, 'lower-case letters, digits and "-", starting with a letter, at most 20') ?? 'dev';

  const vpcId = read.string('vpcId', /^vpc-[0-9a-f]{8,17}$/, 'a VPC id such as vpc-0123456789abcdef0');
  const subnetIds = read.list('subnetIds', (v) => /^subnet-[0-9a-f]{8,17}$/.test(v), 'subnet ids such as subnet-0123456789abcdef0');
  const ssmEndpointSecurityGroupId = read.string('ssmEndpointSecurityGroupId', /^sg-[0-9a-f]{8,17}$/, 'a security group id such as sg-0123456789abcdef0');
  let network: Network = { kind: 'demo' };
  if (vpcId !== undefined) {
    if (subnetIds === undefined || subnetIds.length === 0) {
      problems.push('subnetIds: required with vpcId (the private subnets the Lambda runs in)');
    }
    network = { kind: 'imported', vpcId, subnetIds: subnetIds ?? [], ssmEndpointSecurityGroupId };
  } else {
    for (const key of ['subnetIds', 'ssmEndpointSecurityGroupId'] as const) {
      if (context[key] !== undefined) problems.push(`${key}: only meaningful with vpcId (without it the stack builds a demonstration VPC)`);
    }
  }
  const demo = network.kind === 'demo';

  const modelCidrs = read.list('modelCidrs', isCanonicalIpv4Cidr, 'IPv4 CIDRs with zero host bits and a prefix of /8 or longer, e.g. 10.20.0.0/16') ?? (demo ? [DEMO_VPC_CIDR] : undefined);
  const modelHosts = read.list('modelHosts', (v) => HOSTNAME.test(v), 'lower-case DNS host names such as models.internal') ?? [];
  const modelPorts = read.list('modelPorts', isPort, 'TCP ports from 1 to 65535')?.map(Number) ?? (demo ? [8080] : undefined);
  if (!demo) {
    if (modelCidrs === undefined) problems.push('modelCidrs: required with vpcId (the only addresses the Lambda may reach besides SSM)');
    if (modelPorts === undefined) problems.push('modelPorts: required with vpcId (the only ports the Lambda may reach besides SSM)');
  }
  const models = read.models(modelCidrs ?? [], modelHosts, modelPorts ?? []) ?? new Map(demo ? [['iris', 'http://10.20.0.10:8080/predict']] : []);

  const endpointType = read.choice('endpointType', ['REGIONAL', 'PRIVATE'] as const) ?? 'REGIONAL';
  const apiVpcEndpointIds = read.list('apiVpcEndpointIds', (v) => /^vpce-[0-9a-f]{8,17}$/.test(v), 'VPC endpoint ids such as vpce-0123456789abcdef0') ?? [];
  if (endpointType === 'PRIVATE' && apiVpcEndpointIds.length === 0) {
    problems.push('apiVpcEndpointIds: required when endpointType is PRIVATE (the execute-api endpoints B calls through)');
  }
  if (endpointType === 'REGIONAL' && apiVpcEndpointIds.length > 0) {
    problems.push('apiVpcEndpointIds: only meaningful when endpointType is PRIVATE');
  }

  const throttleRateLimit = read.integer('throttleRateLimit', 1, 10_000) ?? 50;
  const throttleBurstLimit = read.integer('throttleBurstLimit', 1, 5_000) ?? 100;
  const quotaLimit = read.integer('quotaLimit', 1, 2_000_000_000) ?? 1_000_000;
  const quotaPeriod = read.choice('quotaPeriod', ['DAY', 'WEEK', 'MONTH'] as const) ?? 'DAY';

  const waf = read.boolean('waf') ?? false;
  const apiGatewayCloudWatchRole = read.boolean('apiGatewayCloudWatchRole') ?? true;

  const memorySize = read.integer('memorySize', 128, 10_240) ?? 1024;
  const timeoutSeconds = read.integer('timeoutSeconds', 3, INTEGRATION_TIMEOUT_SECONDS - 1) ?? 15;
  const reservedConcurrency = read.integer('reservedConcurrency', 1, 10_000);
  const logRetentionDays = read.integer('logRetentionDays', 1, 3653) ?? 30;
  if (!LOG_RETENTION_DAYS.includes(logRetentionDays)) {
    problems.push(`logRetentionDays: must be one of ${LOG_RETENTION_DAYS.join(', ')}`);
  }

  const parameterCacheTtlSeconds = read.integer('parameterCacheTtlSeconds', 1, 3600) ?? 30;
  const upstreamTimeoutMs = read.integer('upstreamTimeoutMs', 100, 900_000) ?? 10_000;
  // The Lambda must answer (504 UPSTREAM_TIMEOUT in B's shape) before it is killed, and it
  // needs time after the model's deadline to build that answer.
  if (upstreamTimeoutMs > timeoutSeconds * 1000 - 1000) {
    problems.push(`upstreamTimeoutMs: must be at least 1000 ms below the Lambda timeout (timeoutSeconds=${timeoutSeconds})`);
  }
  const maxRequestBytes = read.integer('maxRequestBytes', 1024, LAMBDA_PAYLOAD_BYTES / 2) ?? 1_048_576;
  const maxResponseBytes = read.integer('maxResponseBytes', 1024, LAMBDA_PAYLOAD_BYTES - 512 * 1024) ?? 5_242_880;
  const maxJsonDepth = read.integer('maxJsonDepth', 1, 1000) ?? 64;

  const alarmEmail = read.string('alarmEmail', /^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'an e-mail address');
  const alarmP99LatencyMs = read.integer('alarmP99LatencyMs', 10, INTEGRATION_TIMEOUT_SECONDS * 1000) ?? 5000;
  const parameterKmsKeyArn = read.string(
    'parameterKmsKeyArn',
    /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    'a KMS key ARN such as arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  );

  if (problems.length > 0) throw new SettingsError(problems);
  return {
    stage,
    network,
    modelCidrs: modelCidrs ?? [],
    modelHosts,
    modelPorts: modelPorts ?? [],
    models,
    endpointType,
    apiVpcEndpointIds,
    throttleRateLimit,
    throttleBurstLimit,
    quotaLimit,
    quotaPeriod,
    waf,
    apiGatewayCloudWatchRole,
    memorySize,
    timeoutSeconds,
    reservedConcurrency,
    logRetentionDays,
    parameterCacheTtlSeconds,
    upstreamTimeoutMs,
    maxRequestBytes,
    maxResponseBytes,
    maxJsonDepth,
    alarmEmail,
    alarmP99LatencyMs,
    parameterKmsKeyArn,
  };
}

/** The SSM path every parameter of a stage lives under (contract.md's PARAMETER_PREFIX). */
export function parameterPrefix(stage: string): string {
  return `/contract-adapter/${stage}`;
}

/** Reads one context key at a time, recording a problem instead of throwing. */
class Reader {
  private readonly context: SettingsContext;
  private readonly problems: string[];

  constructor(context: SettingsContext, problems: string[]) {
    this.context = context;
    this.problems = problems;
  }

  string(key: keyof SettingsContext, pattern: RegExp, expected: string): string | undefined {
    const value = this.context[key];
    if (value === undefined) return undefined;
    if (typeof value === 'string' && pattern.test(value)) return value;
    this.problems.push(`${key}: expected ${expected}, got ${show(value)}`);
    return undefined;
  }

  choice<T extends string>(key: keyof SettingsContext, choices: readonly T[]): T | undefined {
    const value = this.context[key];
    if (value === undefined) return undefined;
    const found = choices.find((choice) => choice === value);
    if (found === undefined) this.problems.push(`${key}: expected one of ${choices.join(', ')}, got ${show(value)}`);
    return found;
  }

  integer(key: keyof SettingsContext, min: number, max: number): number | undefined {
    const value = this.context[key];
    if (value === undefined) return undefined;
    const number = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
    if (typeof number === 'number' && Number.isSafeInteger(number) && number >= min && number <= max) return number;
    this.problems.push(`${key}: expected an integer from ${min} to ${max}, got ${show(value)}`);
    return undefined;
  }

  boolean(key: keyof SettingsContext): boolean | undefined {
    const value = this.context[key];
    if (value === undefined || typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    this.problems.push(`${key}: expected true or false, got ${show(value)}`);
    return undefined;
  }

  /** A JSON array, or (from `-c`) a JSON array text or a comma-separated list. */
  list(key: keyof SettingsContext, valid: (item: string) => boolean, expected: string): string[] | undefined {
    const value = this.context[key];
    if (value === undefined) return undefined;
    const items = typeof value === 'string' ? splitList(value) : value;
    if (!Array.isArray(items) || items.length === 0) {
      this.problems.push(`${key}: expected a non-empty list of ${expected}, got ${show(value)}`);
      return undefined;
    }
    const strings = items.map((item) => (typeof item === 'number' ? String(item) : item));
    const bad = strings.filter((item) => typeof item !== 'string' || !valid(item));
    if (bad.length > 0) {
      this.problems.push(`${key}: expected ${expected}; not valid: ${bad.map(show).join(', ')}`);
      return undefined;
    }
    if (new Set(strings).size !== strings.length) {
      this.problems.push(`${key}: lists a value twice`);
      return undefined;
    }
    return strings as string[];
  }

  /** `models`: name -> endpoint URL, each endpoint reachable through the security group. */
  models(cidrs: readonly string[], hosts: readonly string[], ports: readonly number[]): Map<string, string> | undefined {
    const value = this.context.models;
    if (value === undefined) return undefined;
    const object = typeof value === 'string' ? parseJson(value) : value;
    if (typeof object !== 'object' || object === null || Array.isArray(object)) {
      this.problems.push(`models: expected an object of model name -> endpoint URL, got ${show(value)}`);
      return undefined;
    }
    const models = new Map<string, string>();
    for (const [name, endpoint] of Object.entries(object)) {
      if (!MODEL_NAME.test(name)) {
        this.problems.push(`models: ${show(name)} is not a model name (${MODEL_NAME.source})`);
        continue;
      }
      const problem = typeof endpoint === 'string' ? endpointProblem(endpoint, cidrs, hosts, ports) : 'is not a string';
      if (problem === undefined) models.set(name, endpoint as string);
      else this.problems.push(`models.${name}: the endpoint ${problem}`);
    }
    return models;
  }
}

/**
 * Why an endpoint URL would not work, or undefined: contract.md's rules, the security group's
 * ports and CIDRs, and UPSTREAM_ALLOWLIST, which admits a host name only if it is listed.
 */
function endpointProblem(
  endpoint: string,
  cidrs: readonly string[],
  hosts: readonly string[],
  ports: readonly number[],
): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be http or https';
  if (url.username !== '' || url.password !== '') return 'must not carry userinfo';
  if (endpoint.includes('#')) return 'must not carry a fragment';
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  if (!ports.includes(port)) return `uses port ${port}, which modelPorts (${ports.join(', ')}) does not open`;
  const ip = ipv4ToNumber(url.hostname);
  if (ip === undefined) {
    if (!hosts.includes(url.hostname)) return `names host ${url.hostname}, which modelHosts does not list`;
  } else if (!cidrs.some((cidr) => cidrContains(cidr, ip))) {
    return `points at ${url.hostname}, outside modelCidrs (${cidrs.join(', ')})`;
  }
  return undefined;
}

function splitList(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) return parseJson(trimmed);
  return trimmed === '' ? [] : trimmed.split(',').map((item) => item.trim());
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

function isPort(value: string): boolean {
  return /^\d{1,5}$/.test(value) && Number(value) >= 1 && Number(value) <= 65_535;
}

function ipv4ToNumber(text: string): number | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (match === null) return undefined;
  const octets = match.slice(1).map(Number);
  if (octets.some((octet) => octet > 255)) return undefined;
  return octets.reduce((sum, octet) => sum * 256 + octet, 0);
}

function prefixMask(bits: number): number {
  return bits === 0 ? 0 : 2 ** 32 - 2 ** (32 - bits);
}

/** 0.0.0.0/0 and other very wide ranges would make the egress rule meaningless. */
function isCanonicalIpv4Cidr(text: string): boolean {
  const [address, bits, ...rest] = text.split('/');
  if (rest.length > 0 || address === undefined || bits === undefined || !/^\d{1,2}$/.test(bits)) return false;
  const ip = ipv4ToNumber(address);
  const prefix = Number(bits);
  if (ip === undefined || prefix < 8 || prefix > 32) return false;
  return (ip & ~prefixMask(prefix)) >>> 0 === 0;
}

function cidrContains(cidr: string, ip: number): boolean {
  const [address = '', bits = '32'] = cidr.split('/');
  const network = ipv4ToNumber(address) ?? -1;
  const mask = prefixMask(Number(bits));
  return ((ip & mask) >>> 0) === ((network & mask) >>> 0);
}
