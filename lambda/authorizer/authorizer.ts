// The JWT authorizer (context auth=jwt): a REST API TOKEN authorizer that verifies B's bearer
// token with aws-jwt-verify: its RS256/ES256/... signature against the issuer's JWKS (fetched
// once per container and cached, refetched only for a key id it does not know, with a penalty
// box against floods of unknown kids), then iss, aud, exp and nbf, then the scopes. It is its own
// small bundle, never part of the adapter's (infra/jwt-authorizer.ts).
//
// Its answers become API Gateway's gateway responses, which infra/gateway-responses.ts shapes
// as B's error body:
//   no token, a malformed or refused one     throw "Unauthorized" -> UNAUTHORIZED, 401
//   a valid token without a required scope   a Deny policy        -> ACCESS_DENIED, 403 FORBIDDEN
//   the issuer's keys cannot be fetched      any other throw      -> AUTHORIZER_FAILURE, 500 INTERNAL
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { JwtVerifier } from 'aws-jwt-verify';
import { FetchError, JwtInvalidScopeError, JwtBaseError } from 'aws-jwt-verify/error';
import { SimpleFetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { JWT_AUDIENCE, JWT_ISSUER, JWT_JWKS_URI, JWT_SCOPES } from './environment.ts';

export interface AuthorizerSettings {
  readonly issuer: string;
  readonly audience: readonly string[];
  /** Empty: any scope. */
  readonly scopes: readonly string[];
  readonly jwksUri: string;
}

export interface AuthorizerOptions {
  /** Extra CA certificates (PEM) the JWKS endpoint's TLS may chain to: local mode's tests only. */
  readonly jwksCa?: string;
  /** Per JWKS request, in ms: a slow issuer must not hold the authorizer past its timeout. */
  readonly jwksTimeoutMs?: number;
}

export type TokenAuthorizer = (event: Pick<APIGatewayTokenAuthorizerEvent, 'authorizationToken' | 'methodArn'>) => Promise<APIGatewayAuthorizerResult>;

/** The principal of a Deny (a valid token without a required scope). */
export const DENIED_PRINCIPAL = 'insufficient-scope';

/** The message API Gateway turns into UNAUTHORIZED (401); it must be exactly this. */
export const UNAUTHORIZED = 'Unauthorized';

const list = (text: string | undefined): string[] =>
  (text ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

export function readAuthorizerSettings(env: Record<string, string | undefined> = process.env): AuthorizerSettings {
  const required = (name: string): string => {
    const value = env[name]?.trim();
    if (!value) throw new Error(`${name} is required`);
    return value;
  };
  const audience = list(required(JWT_AUDIENCE.name));
  return {
    issuer: required(JWT_ISSUER.name),
    audience,
    scopes: list(env[JWT_SCOPES.name] ?? JWT_SCOPES.default),
    jwksUri: required(JWT_JWKS_URI.name),
  };
}

/** Every route of the stage: API Gateway caches the answer per token and applies it to each. */
function stageArn(methodArn: string): string {
  // arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{method}/{path...}
  const [api = '', stage = ''] = methodArn.split('/');
  return `${api}/${stage}/*/*`;
}

const policy = (principalId: string, effect: 'Allow' | 'Deny', resource: string, context?: Record<string, string>): APIGatewayAuthorizerResult => ({
  principalId,
  policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }] },
  ...(context === undefined ? {} : { context }),
});

export function createTokenAuthorizer(settings: AuthorizerSettings, options: AuthorizerOptions = {}): { authorize: TokenAuthorizer; hydrate(): Promise<void> } {
  const fetcher = new SimpleFetcher({
    defaultRequestOptions: { responseTimeout: options.jwksTimeoutMs ?? 1500, ...(options.jwksCa === undefined ? {} : { ca: options.jwksCa }) },
  });
  const verifier = JwtVerifier.create(
    {
      issuer: settings.issuer,
      audience: [...settings.audience],
      jwksUri: settings.jwksUri,
      ...(settings.scopes.length > 0 ? { scope: [...settings.scopes] } : {}),
    },
    { jwksCache: new SimpleJwksCache({ fetcher }) },
  );

  const authorize: TokenAuthorizer = async (event) => {
    const match = /^Bearer ([^\s]+)$/.exec(event.authorizationToken ?? '');
    if (!match) throw new Error(UNAUTHORIZED);
    const token = match[1]!;
    let payload;
    try {
      payload = await verifier.verify(token);
    } catch (error) {
      // The keys could not be had: not the token's fault, and B may retry.
      if (error instanceof FetchError) throw new Error('the issuer\'s JWKS could not be fetched', { cause: error });
      // A fixed principal: the error does not carry the verified claims, and a Deny needs none.
      if (error instanceof JwtInvalidScopeError) return policy(DENIED_PRINCIPAL, 'Deny', stageArn(event.methodArn));
      if (error instanceof JwtBaseError) throw new Error(UNAUTHORIZED);
      throw error;
    }
    const sub = typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub : 'unknown';
    return policy(sub, 'Allow', stageArn(event.methodArn), { sub, ...(typeof payload.scope === 'string' ? { scope: payload.scope } : {}) });
  };
  return {
    authorize,
    // Fetch the keys before the first token needs them; a failure here is retried by the first verify.
    hydrate: () => verifier.hydrate().catch(() => undefined),
  };
}
