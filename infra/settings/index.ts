// The stack's settings: read from CDK context (cdk.json or `-c key=value`), validated once, as
// pure functions, so every rule is unit-tested without synthesizing anything. One module per
// construct reads that construct's keys (stack.ts, network.ts, parameters.ts, api.ts,
// consumers.ts, auth.ts, domain.ts, function.ts, deployment.ts, alarms.ts); this one reads them
// all and reports every problem at once.
import { ALARM_KEYS, readAlarmSettings } from './alarms.ts';
import type { AlarmSettings } from './alarms.ts';
import { API_KEYS, readApiSettings } from './api.ts';
import type { ApiSettings } from './api.ts';
import { AUTH_KEYS, readAuthSettings } from './auth.ts';
import type { AuthSettings } from './auth.ts';
import { CONSUMER_KEYS, readConsumerSettings } from './consumers.ts';
import type { ConsumerSettings } from './consumers.ts';
import { DEPLOYMENT_KEYS, readDeploymentSettings } from './deployment.ts';
import type { DeploymentSettings } from './deployment.ts';
import { DOMAIN_KEYS, readDomainSettings } from './domain.ts';
import type { DomainSettings } from './domain.ts';
import { COMPUTE_KEYS, readComputeSettings } from './compute.ts';
import type { ComputeSettings } from './compute.ts';
import { FUNCTION_KEYS, readFunctionSettings } from './function.ts';
import type { FunctionSettings } from './function.ts';
import { NETWORK_KEYS, readNetworkSettings } from './network.ts';
import type { NetworkSettings } from './network.ts';
import { PARAMETER_KEYS, readParameterSettings } from './parameters.ts';
import type { ParameterSettings } from './parameters.ts';
import { Reader } from './reader.ts';
import type { Problem } from './reader.ts';
import { readStackSettings, STACK_KEYS } from './stack.ts';
import type { StackSettings } from './stack.ts';

export { ALARM_KEYS, API_KEYS, AUTH_KEYS, COMPUTE_KEYS, CONSUMER_KEYS, DEPLOYMENT_KEYS, DOMAIN_KEYS, FUNCTION_KEYS, NETWORK_KEYS, PARAMETER_KEYS, STACK_KEYS };
export type {
  AlarmSettings,
  ApiSettings,
  AuthSettings,
  ComputeSettings,
  ConsumerSettings,
  DeploymentSettings,
  DomainSettings,
  FunctionSettings,
  NetworkSettings,
  ParameterSettings,
  StackSettings,
};
export { defaultJwksUri } from './auth.ts';
export type { AuthKind } from './auth.ts';
export { DEFAULT_CONSUMER, FIRST_KEY } from './consumers.ts';
export type { Consumer } from './consumers.ts';
export type { DeploymentKind } from './deployment.ts';
export { INTEGRATION_TIMEOUT_SECONDS } from './api.ts';
export type { EndpointKind, QuotaPeriod } from './api.ts';
export { ENVIRONMENT_CONTEXT, lambdaEnvironment } from './function.ts';
export type { DeployedEnvironment, LambdaEnvironmentSettings } from './function.ts';
export { DEMO_VPC_CIDR } from './network.ts';
export type { VpcSettings } from './network.ts';
export { MODEL_NAME } from './parameters.ts';
export { parameterPrefix } from './stack.ts';

/**
 * Every context key the stack reads, in docs/deploy.md's order (problems are reported in it);
 * anything else in context is CDK's own business.
 */
export const SETTING_KEYS = [
  'stage',
  'vpcId',
  'subnetIds',
  'ssmEndpointSecurityGroupId',
  'xrayEndpointSecurityGroupId',
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
  'consumers',
  'auth',
  'jwtIssuer',
  'jwtAudience',
  'jwtScopes',
  'jwtJwksUri',
  'userPoolArn',
  'domainName',
  'certificateArn',
  'hostedZoneId',
  'waf',
  'apiGatewayCloudWatchRole',
  'memorySize',
  'timeoutSeconds',
  'reservedConcurrency',
  'compute',
  'maxConcurrency',
  'maxVCpuCount',
  'minExecutionEnvironments',
  'maxExecutionEnvironments',
  'deployment',
  'logRetentionDays',
  'parameterCacheTtlSeconds',
  'upstreamTimeoutMs',
  'maxRequestBytes',
  'maxResponseBytes',
  'maxJsonDepth',
  'alarmEmail',
  'alarmP99LatencyMs',
  'parameterKmsKeyArn',
] as const satisfies readonly (
  | (typeof STACK_KEYS)[number]
  | (typeof NETWORK_KEYS)[number]
  | (typeof PARAMETER_KEYS)[number]
  | (typeof API_KEYS)[number]
  | (typeof CONSUMER_KEYS)[number]
  | (typeof AUTH_KEYS)[number]
  | (typeof DOMAIN_KEYS)[number]
  | (typeof FUNCTION_KEYS)[number]
  | (typeof COMPUTE_KEYS)[number]
  | (typeof DEPLOYMENT_KEYS)[number]
  | (typeof ALARM_KEYS)[number]
)[];

export type SettingKey = (typeof SETTING_KEYS)[number];
export type SettingsContext = Readonly<Partial<Record<SettingKey, unknown>>>;

/** The whole stack's settings, one group per construct, each handed to its construct alone. */
export interface Settings {
  /** Stage, SSM prefix and log retention: every construct's. */
  readonly stack: StackSettings;
  /** AdapterNetwork's, and the endpoint checks'. */
  readonly network: NetworkSettings;
  /** ModelParameters'. */
  readonly parameters: ParameterSettings;
  /** AdapterApi's (and its WebAcl's). */
  readonly api: ApiSettings;
  /** AdapterApi's keys and usage plans, and CONSUMER_API_KEYS. */
  readonly consumers: ConsumerSettings;
  /** AdapterApi's authorizer (and the JWT authorizer function's environment). */
  readonly auth: AuthSettings;
  /** AdapterDomain's. */
  readonly domain: DomainSettings;
  /** AdapterDeployment's. */
  readonly deployment: DeploymentSettings;
  /** AdapterFunction's, its environment included (lambdaEnvironment). */
  readonly function: FunctionSettings;
  /** Operations'. */
  readonly alarms: AlarmSettings;
  /** Lambda's default model, or Lambda Managed Instances (ManagedInstances'). */
  readonly compute: ComputeSettings;
}

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
  const problems: Problem[] = [];
  const read = new Reader<SettingKey>(context, problems);

  const stack = readStackSettings(read);
  const network = readNetworkSettings(read);
  const parameters = readParameterSettings(read, network);
  const api = readApiSettings(read);
  const consumers = readConsumerSettings(read, api);
  const auth = readAuthSettings(read);
  const domain = readDomainSettings(read, api);
  const fn = readFunctionSettings(read, { parameterPrefix: stack.parameterPrefix, network });
  const deployment = readDeploymentSettings(read);
  const alarms = readAlarmSettings(read);
  const compute = readComputeSettings(read);

  if (problems.length > 0) {
    const order = (problem: Problem): number => SETTING_KEYS.indexOf(problem.key as SettingKey);
    throw new SettingsError(problems.toSorted((a, b) => order(a) - order(b)).map((problem) => problem.text));
  }
  return { stack, network, parameters, api, consumers, auth, domain, function: fn, deployment, alarms, compute };
}
