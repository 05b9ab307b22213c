// The adapter function: its size, its timeout, and its environment. The environment's names,
// defaults and ranges are lambda/environment.ts's, the same declarations lambda/settings.ts
// reads with; lambdaEnvironment is the one place the stack turns settings into variables.
import {
  CONSUMER_API_KEYS,
  MAX_JSON_DEPTH,
  MAX_REQUEST_BYTES,
  MAX_RESPONSE_BYTES,
  PARAMETER_CACHE_TTL_SECONDS,
  PARAMETER_PREFIX,
  POWERTOOLS_METRICS_NAMESPACE,
  POWERTOOLS_SERVICE_NAME,
  UPSTREAM_ALLOWLIST,
  UPSTREAM_TIMEOUT_MS,
} from '../../lambda/environment.ts';
import type { IntegerVariable } from '../../lambda/environment.ts';
import { INTEGRATION_TIMEOUT_SECONDS } from './api.ts';
import type { NetworkSettings } from './network.ts';
import type { IntegerRange, Reader } from './reader.ts';

export const FUNCTION_KEYS = [
  'memorySize',
  'timeoutSeconds',
  'reservedConcurrency',
  'parameterCacheTtlSeconds',
  'upstreamTimeoutMs',
  'maxRequestBytes',
  'maxResponseBytes',
  'maxJsonDepth',
] as const;
type FunctionKey = (typeof FUNCTION_KEYS)[number];

/** The range a context key accepts for one of the Lambda's variables. */
export interface ContextRange extends IntegerRange {
  readonly variable: IntegerVariable;
}

/**
 * A Lambda variable's range as its context key accepts it: the variable's own range, or a
 * narrower one where a deployment has a limit the Lambda does not know of. Never wider, and
 * always holding the variable's default, so that whatever the stack writes the Lambda reads;
 * this throws when the module loads otherwise.
 */
export function contextRange(variable: IntegerVariable, narrowed: { readonly min?: number; readonly max?: number } = {}): ContextRange {
  const { min = variable.min, max = variable.max } = narrowed;
  if (min < variable.min || max > variable.max || variable.default < min || variable.default > max) {
    throw new Error(
      `${variable.name}: the context range ${min} to ${max} must lie inside the Lambda's ${variable.min} to ${variable.max} and hold its default ${variable.default}`,
    );
  }
  return { variable, min, max, default: variable.default };
}

/** Lambda's synchronous invocation payload limit (request and response), in bytes. */
const LAMBDA_PAYLOAD_BYTES = 6 * 1024 * 1024;

/** How long the Lambda keeps after the model's deadline to answer B (504 UPSTREAM_TIMEOUT in B's shape) before it is killed. */
const ANSWER_MARGIN_MS = 1000;

/** The context keys of the Lambda's environment, each with the range it accepts. */
export const ENVIRONMENT_CONTEXT = {
  // 1 s to 1 hour. Not 0, which the Lambda takes (every request re-reads the prefix): in a
  // deployment that is a GetParametersByPath per request per container, against the
  // account's Parameter Store throughput (40 transactions per second by default, shared with
  // GetParameter and GetParameters). At most an hour: repointing a model with put-parameter is
  // the operator's fix for a broken one, and a container serves its copy for up to one TTL.
  parameterCacheTtlSeconds: contextRange(PARAMETER_CACHE_TTL_SECONDS, { min: 1, max: 3600 }),
  // The Lambda's range; besides, at least ANSWER_MARGIN_MS below the Lambda timeout (checked
  // against timeoutSeconds below).
  upstreamTimeoutMs: contextRange(UPSTREAM_TIMEOUT_MS),
  // 1 KiB to 3 MiB. A request body travels inside the proxy event as an escaped JSON string,
  // which can take up to twice its size, and the event must fit Lambda's 6 MB payload: hence
  // half. At least 1 KiB: B's envelope alone may take more than 512 bytes (a userTag of up to
  // 512 characters), so a smaller cap is a unit slip.
  maxRequestBytes: contextRange(MAX_REQUEST_BYTES, { min: 1024, max: LAMBDA_PAYLOAD_BYTES / 2 }),
  // 1 KiB to 5.5 MiB: a model's raw answer must fit Lambda's 6 MB response with B's envelope
  // around it (one that escaping still grows past it is 502 RESULT_TOO_LARGE,
  // lambda/contract/result-size.ts). At least 1 KiB, as for requests: a smaller cap is a unit
  // slip.
  maxResponseBytes: contextRange(MAX_RESPONSE_BYTES, { min: 1024, max: LAMBDA_PAYLOAD_BYTES - 512 * 1024 }),
  // The Lambda's range: the depth the code handles end to end.
  maxJsonDepth: contextRange(MAX_JSON_DEPTH),
} as const satisfies Partial<Record<FunctionKey, ContextRange>>;

/** What lambdaEnvironment needs: every variable's value, as the stack settles it. */
export interface LambdaEnvironmentSettings {
  /** docs/contract.md's PARAMETER_PREFIX, /contract-adapter/{stage}. */
  readonly parameterPrefix: string;
  readonly parameterCacheTtlSeconds: number;
  readonly upstreamTimeoutMs: number;
  readonly maxRequestBytes: number;
  readonly maxResponseBytes: number;
  readonly maxJsonDepth: number;
  /** UPSTREAM_ALLOWLIST's entries: modelHosts, then modelCidrs. */
  readonly upstreamAllowlist: readonly string[];
}

export interface FunctionSettings extends LambdaEnvironmentSettings {
  readonly memorySize: number;
  readonly timeoutSeconds: number;
  readonly reservedConcurrency: number | undefined;
}

/** What only the deployed stack knows: the ids CloudFormation gives the consumers' API keys. */
export interface DeployedEnvironment {
  /** API key id (a CloudFormation token in the stack) -> the consumer it belongs to. */
  readonly consumerApiKeys: ReadonlyMap<string, string>;
}

/**
 * The Lambda's environment (docs/contract.md's table), the only place the stack writes it.
 * readSettings (lambda/settings.ts) reads back every value given here
 * (test/infra/lambda-environment.test.ts).
 */
export function lambdaEnvironment(settings: LambdaEnvironmentSettings, deployed: DeployedEnvironment = { consumerApiKeys: new Map() }): Record<string, string> {
  return {
    [PARAMETER_PREFIX.name]: settings.parameterPrefix,
    [PARAMETER_CACHE_TTL_SECONDS.name]: String(settings.parameterCacheTtlSeconds),
    [UPSTREAM_TIMEOUT_MS.name]: String(settings.upstreamTimeoutMs),
    [MAX_REQUEST_BYTES.name]: String(settings.maxRequestBytes),
    [MAX_RESPONSE_BYTES.name]: String(settings.maxResponseBytes),
    [MAX_JSON_DEPTH.name]: String(settings.maxJsonDepth),
    // The security group already confines egress to the CIDRs; the handler checks each
    // endpoint's host and resolved address too, so a bad parameter fails fast and says why.
    [UPSTREAM_ALLOWLIST.name]: settings.upstreamAllowlist.join(','),
    // The key ids are tokens in the stack: JSON.stringify keeps them whole inside the text, and
    // CloudFormation joins in the ids (plain alphanumerics, nothing to escape). The function
    // depends on the keys; the keys depend on nothing, so there is no cycle.
    [CONSUMER_API_KEYS.name]: JSON.stringify(Object.fromEntries(deployed.consumerApiKeys)),
    [POWERTOOLS_SERVICE_NAME.name]: POWERTOOLS_SERVICE_NAME.default,
    [POWERTOOLS_METRICS_NAMESPACE.name]: POWERTOOLS_METRICS_NAMESPACE.default,
  };
}

export function readFunctionSettings(
  read: Reader<FunctionKey>,
  inputs: { readonly parameterPrefix: string; readonly network: NetworkSettings },
): FunctionSettings {
  const memorySize = read.integer('memorySize', 128, 10_240) ?? 1024;
  // Below API Gateway's integration timeout, so B gets the adapter's own 504.
  const timeoutSeconds = read.integer('timeoutSeconds', 3, INTEGRATION_TIMEOUT_SECONDS - 1) ?? 15;
  const reservedConcurrency = read.integer('reservedConcurrency', 1, 10_000);

  const parameterCacheTtlSeconds = read.ranged('parameterCacheTtlSeconds', ENVIRONMENT_CONTEXT.parameterCacheTtlSeconds);
  const upstreamTimeoutMs = read.ranged('upstreamTimeoutMs', ENVIRONMENT_CONTEXT.upstreamTimeoutMs);
  // The Lambda must answer (504 UPSTREAM_TIMEOUT in B's shape) before it is killed, and it
  // needs time after the model's deadline to build that answer.
  if (upstreamTimeoutMs > timeoutSeconds * 1000 - ANSWER_MARGIN_MS) {
    read.problem('upstreamTimeoutMs', `upstreamTimeoutMs: must be at least ${ANSWER_MARGIN_MS} ms below the Lambda timeout (timeoutSeconds=${timeoutSeconds})`);
  }
  const { modelHosts, modelCidrs } = inputs.network;
  return {
    memorySize,
    timeoutSeconds,
    reservedConcurrency,
    parameterPrefix: inputs.parameterPrefix,
    parameterCacheTtlSeconds,
    upstreamTimeoutMs,
    maxRequestBytes: read.ranged('maxRequestBytes', ENVIRONMENT_CONTEXT.maxRequestBytes),
    maxResponseBytes: read.ranged('maxResponseBytes', ENVIRONMENT_CONTEXT.maxResponseBytes),
    maxJsonDepth: read.ranged('maxJsonDepth', ENVIRONMENT_CONTEXT.maxJsonDepth),
    upstreamAllowlist: [...modelHosts, ...modelCidrs],
  };
}
