// The JWT authorizer's environment, declared once (as lambda/environment.ts declares the
// adapter's): the stack writes it (infra/settings/auth.ts, authorizerEnvironment) and the
// authorizer reads it (authorizer.ts, readAuthorizerSettings); test/infra/authorizer.test.ts
// reads back what the stack writes. No imports: the authorizer's bundle and the CDK app both
// load this module.

export interface AuthorizerVariable {
  readonly name: string;
  /** undefined: required. */
  readonly default: string | undefined;
  readonly description: string;
}

export const JWT_ISSUER = {
  name: 'JWT_ISSUER',
  default: undefined,
  description: "the iss a token must carry, exactly (context jwtIssuer)",
} as const satisfies AuthorizerVariable;

export const JWT_AUDIENCE = {
  name: 'JWT_AUDIENCE',
  default: undefined,
  description: 'comma-separated: the aud (or client_id) a token must carry one of (context jwtAudience)',
} as const satisfies AuthorizerVariable;

export const JWT_SCOPES = {
  name: 'JWT_SCOPES',
  // Empty: any scope, or none.
  default: '',
  description: "comma-separated: the scopes a token's scope claim must hold one of; empty, any (context jwtScopes)",
} as const satisfies AuthorizerVariable;

export const JWT_JWKS_URI = {
  name: 'JWT_JWKS_URI',
  default: undefined,
  description: "where the issuer's signing keys are (context jwtJwksUri, else {issuer}/.well-known/jwks.json)",
} as const satisfies AuthorizerVariable;

/** Every variable above, in the order the stack writes them. */
export const AUTHORIZER_ENVIRONMENT: readonly AuthorizerVariable[] = [JWT_ISSUER, JWT_AUDIENCE, JWT_SCOPES, JWT_JWKS_URI];

/**
 * What API Gateway lets through to the authorizer (the TOKEN authorizer's validation
 * expression, infra/adapter-api.ts): "Bearer " and a compact JWS. Anything else is a 401 without
 * a call; local mode applies the same expression.
 */
export const BEARER_TOKEN_PATTERN = '^Bearer [A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$';
