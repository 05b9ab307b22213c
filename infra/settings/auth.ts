// How B authenticates besides its API key (AdapterApi's authorizer): the key alone (apiKey,
// the default), a JWT checked against its issuer's JWKS by the authorizer Lambda (jwt), or API
// Gateway's own Cognito authorizer (cognito). Every option keeps the API key, so each consumer's
// usage plan throttles it (docs/deploy.md, "Authentication").
import { JWT_AUDIENCE, JWT_ISSUER, JWT_JWKS_URI, JWT_SCOPES } from '../../lambda/authorizer/environment.ts';
import type { Reader } from './reader.ts';

export const AUTH_KEYS = ['auth', 'jwtIssuer', 'jwtAudience', 'jwtScopes', 'jwtJwksUri', 'userPoolArn'] as const;
type AuthKey = (typeof AUTH_KEYS)[number];

export type AuthKind = 'apiKey' | 'jwt' | 'cognito';

export type AuthSettings =
  | { readonly kind: 'apiKey' }
  | {
      readonly kind: 'jwt';
      /** The `iss` a token must carry, exactly. */
      readonly issuer: string;
      /** The `aud` (or Cognito's `client_id`) a token must carry, one of these. */
      readonly audience: readonly string[];
      /** Empty: any scope; else the token's `scope` must hold one of these. */
      readonly scopes: readonly string[];
      /** Where the issuer's keys are: jwtJwksUri, else {issuer}/.well-known/jwks.json. */
      readonly jwksUri: string;
    }
  | { readonly kind: 'cognito'; readonly userPoolArn: string; readonly scopes: readonly string[] };

/** An https URL with a host, no userinfo, query or fragment. */
function isHttpsUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' && url.hostname !== '' && url.username === '' && url.password === '' && url.search === '' && !text.includes('#');
  } catch {
    return false;
  }
}

/** RFC 6749's scope-token: printable ASCII but space, `"` and `\`. */
const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

const USER_POOL_ARN = /^arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:\d{12}:userpool\/[a-z0-9-]+_[A-Za-z0-9]+$/;

/** Where an issuer publishes its keys unless jwtJwksUri says otherwise. */
export const defaultJwksUri = (issuer: string): string => `${issuer.replace(/\/+$/, '')}/.well-known/jwks.json`;

export function readAuthSettings(read: Reader<AuthKey>): AuthSettings {
  const kind = read.choice('auth', ['apiKey', 'jwt', 'cognito'] as const) ?? 'apiKey';
  const issuer = read.text('jwtIssuer', isHttpsUrl, 'an https URL such as https://login.example.com/ (the tokens\' iss)');
  const audience = read.list('jwtAudience', (v) => /^[^,\s]{1,256}$/.test(v), 'audiences without commas or spaces (the tokens\' aud or client_id)');
  const scopes = read.list('jwtScopes', (v) => SCOPE.test(v), 'OAuth scopes such as predict:read');
  const jwksUri = read.text('jwtJwksUri', isHttpsUrl, 'an https URL of the issuer\'s JWKS');
  const userPoolArn = read.string('userPoolArn', USER_POOL_ARN, 'a Cognito user pool ARN such as arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbCdEf123');

  const onlyWith = (key: AuthKey, kinds: readonly AuthKind[]): void => {
    if (read.raw(key) !== undefined && !kinds.includes(kind)) read.problem(key, `${key}: only meaningful with auth=${kinds.join(' or auth=')}`);
  };
  onlyWith('jwtIssuer', ['jwt']);
  onlyWith('jwtAudience', ['jwt']);
  onlyWith('jwtJwksUri', ['jwt']);
  onlyWith('jwtScopes', ['jwt', 'cognito']);
  onlyWith('userPoolArn', ['cognito']);

  if (kind === 'jwt') {
    if (read.raw('jwtIssuer') === undefined) read.problem('jwtIssuer', 'jwtIssuer: required with auth=jwt (the issuer whose tokens B sends)');
    if (read.raw('jwtAudience') === undefined) read.problem('jwtAudience', 'jwtAudience: required with auth=jwt (whom the tokens must be meant for)');
    const iss = issuer ?? '';
    return { kind, issuer: iss, audience: audience ?? [], scopes: scopes ?? [], jwksUri: jwksUri ?? defaultJwksUri(iss) };
  }
  if (kind === 'cognito') {
    if (read.raw('userPoolArn') === undefined) read.problem('userPoolArn', 'userPoolArn: required with auth=cognito (the user pool whose tokens B sends)');
    return { kind, userPoolArn: userPoolArn ?? '', scopes: scopes ?? [] };
  }
  return { kind };
}

/** The JWT authorizer's environment (lambda/authorizer/environment.ts), the only place the stack writes it. */
export function authorizerEnvironment(auth: Extract<AuthSettings, { kind: 'jwt' }>): Record<string, string> {
  return {
    [JWT_ISSUER.name]: auth.issuer,
    [JWT_AUDIENCE.name]: auth.audience.join(','),
    [JWT_SCOPES.name]: auth.scopes.join(','),
    [JWT_JWKS_URI.name]: auth.jwksUri,
  };
}
