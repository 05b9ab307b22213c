// The Lambda's environment, declared once: every variable's name, default, range and what it
// does. lambda/settings.ts reads the environment through these declarations; the CDK stack
// (infra/settings/function.ts) checks its context keys against the same ranges, narrowed
// where a deployment has a limit of its own, and writes the environment under these names.
// No imports: the Lambda bundle and the CDK app both load this module.
//
// A new variable: declare it here, read it in readSettings (lambda/settings.ts) and, if the
// stack sets it, give it a context key and a line in lambdaEnvironment
// (infra/settings/function.ts); the round-trip test (test/infra/lambda-environment.test.ts)
// then checks that what the stack writes reads back.

/** An integer variable: unset or blank gives the default; anything outside min..max is refused. */
export interface IntegerVariable {
  readonly name: string;
  readonly default: number;
  readonly min: number;
  readonly max: number;
  readonly description: string;
}

/** A text variable; `default` undefined means required. */
export interface TextVariable {
  readonly name: string;
  readonly default: string | undefined;
  readonly description: string;
}

/**
 * The deepest `data` the adapter handles end to end (test/lambda/catalogue-h-deep-json.test.ts):
 * past a few thousand levels the parsers with a reviver (Middy's prototype guard, the lossless
 * one) and JSON.stringify run out of stack, and a valid body would be called invalid JSON or
 * answered 500.
 */
export const MAX_JSON_DEPTH_LIMIT = 1_000;

export const PARAMETER_PREFIX = {
  name: 'PARAMETER_PREFIX',
  default: undefined,
  description: 'where the configuration lives in SSM, e.g. /contract-adapter/prod',
} as const satisfies TextVariable;

export const PARAMETER_CACHE_TTL_SECONDS = {
  name: 'PARAMETER_CACHE_TTL_SECONDS',
  default: 30,
  // 0: every request re-reads the prefix (tests and local mode use it).
  min: 0,
  max: 86_400,
  description: "how stale a container's copy of the SSM configuration may be, in seconds",
} as const satisfies IntegerVariable;

export const UPSTREAM_TIMEOUT_MS = {
  name: 'UPSTREAM_TIMEOUT_MS',
  default: 10_000,
  // At least 100 ms, the CDK stack's floor from the start: a smaller default deadline is far
  // more likely a unit slip (10 meant as seconds) than meant, and would answer nearly every
  // call 504. A model that really answers faster gets a shorter deadline of its own (timeoutMs
  // in its config, from 1 ms).
  min: 100,
  // Lambda's longest timeout.
  max: 900_000,
  description: "the models' default deadline, in ms, capped by the Lambda's remaining time less a margin",
} as const satisfies IntegerVariable;

export const MAX_REQUEST_BYTES = {
  name: 'MAX_REQUEST_BYTES',
  default: 1_048_576,
  min: 1,
  // API Gateway's payload limit, 10 MB.
  max: 10_485_760,
  description: "the cap on B's request body, in bytes, after base64 decoding",
} as const satisfies IntegerVariable;

export const MAX_RESPONSE_BYTES = {
  name: 'MAX_RESPONSE_BYTES',
  default: 5_242_880,
  min: 1,
  max: 100_000_000,
  description: "the cap on a model's answer, in bytes, enforced while it streams",
} as const satisfies IntegerVariable;

export const MAX_JSON_DEPTH = {
  name: 'MAX_JSON_DEPTH',
  default: 64,
  min: 1,
  max: MAX_JSON_DEPTH_LIMIT,
  description: "the nesting cap for B's data, checked before parsing",
} as const satisfies IntegerVariable;

export const UPSTREAM_ALLOWLIST = {
  name: 'UPSTREAM_ALLOWLIST',
  // Empty: any host but the never-allowed ranges (lambda/config/allowlist.ts).
  default: '',
  description: 'comma-separated host names, IPs and CIDRs that model endpoints may point at',
} as const satisfies TextVariable;

export const CONSUMER_API_KEYS = {
  name: 'CONSUMER_API_KEYS',
  // Empty: no key id is known, every request's consumer is a bucket (observability/consumer.ts).
  default: '',
  description: "a JSON object of API key id -> consumer name: the request line's consumer and its metrics dimension",
} as const satisfies TextVariable;

export const POWERTOOLS_SERVICE_NAME = {
  name: 'POWERTOOLS_SERVICE_NAME',
  default: 'contract-adapter',
  description: 'the service name on every log line, metric and trace',
} as const satisfies TextVariable;

export const POWERTOOLS_METRICS_NAMESPACE = {
  name: 'POWERTOOLS_METRICS_NAMESPACE',
  default: 'ContractAdapter',
  description: 'the CloudWatch namespace of the EMF metrics',
} as const satisfies TextVariable;

/** Every variable above, in the order the stack writes them. */
export const LAMBDA_ENVIRONMENT: readonly (IntegerVariable | TextVariable)[] = [
  PARAMETER_PREFIX,
  PARAMETER_CACHE_TTL_SECONDS,
  UPSTREAM_TIMEOUT_MS,
  MAX_REQUEST_BYTES,
  MAX_RESPONSE_BYTES,
  MAX_JSON_DEPTH,
  UPSTREAM_ALLOWLIST,
  CONSUMER_API_KEYS,
  POWERTOOLS_SERVICE_NAME,
  POWERTOOLS_METRICS_NAMESPACE,
];
