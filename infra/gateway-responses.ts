import { ResponseType } from 'aws-cdk-lib/aws-apigateway';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import type { AuthKind } from './settings/auth.ts';

/**
 * An error API Gateway produces before (or instead of) the Lambda, rewritten into the
 * contract's error body so B never sees another format. `userTag` is null: the gateway never
 * validated one.
 */
export interface GatewayError {
  readonly type: ResponseType;
  /** Unset: the status API Gateway chose (the DEFAULT_* catch-alls cover several). */
  readonly statusCode?: string;
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
  readonly retryAfterSeconds?: number;
}

export const CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * Codes are docs/contract.md's where one fits; THROTTLED, QUOTA_EXCEEDED, UNAUTHORIZED, FORBIDDEN
 * and REQUEST_REJECTED exist only at the gateway and are listed in docs/deploy.md.
 */
export const GATEWAY_ERRORS: readonly GatewayError[] = [
  {
    type: ResponseType.DEFAULT_4XX,
    code: 'REQUEST_REJECTED',
    message: 'The request was rejected.',
    retryable: false,
  },
  {
    type: ResponseType.DEFAULT_5XX,
    code: 'INTERNAL',
    message: 'Internal error.',
    retryable: false,
  },
  // A REST API answers 403 "Missing Authentication Token" for a path it does not have (only
  // outside /v1, which the Lambda routes itself); the contract says 404 NOT_FOUND.
  {
    type: ResponseType.MISSING_AUTHENTICATION_TOKEN,
    statusCode: '404',
    code: 'NOT_FOUND',
    message: 'No such route.',
    retryable: false,
  },
  {
    type: ResponseType.RESOURCE_NOT_FOUND,
    statusCode: '404',
    code: 'NOT_FOUND',
    message: 'No such route.',
    retryable: false,
  },
  {
    type: ResponseType.INVALID_API_KEY,
    statusCode: '403',
    code: 'UNAUTHORIZED',
    message: 'A valid x-api-key header is required.',
    retryable: false,
  },
  {
    type: ResponseType.UNAUTHORIZED,
    statusCode: '401',
    code: 'UNAUTHORIZED',
    message: 'A valid x-api-key header is required.',
    retryable: false,
  },
  {
    type: ResponseType.ACCESS_DENIED,
    statusCode: '403',
    code: 'FORBIDDEN',
    message: 'The request is not allowed.',
    retryable: false,
  },
  {
    type: ResponseType.WAF_FILTERED,
    statusCode: '403',
    code: 'FORBIDDEN',
    message: 'The request is not allowed.',
    retryable: false,
  },
  // 429 keeps its status: B's retry logic should see rate limiting as rate limiting.
  {
    type: ResponseType.THROTTLED,
    statusCode: '429',
    code: 'THROTTLED',
    message: 'Too many requests.',
    retryable: true,
    retryAfterSeconds: 1,
  },
  {
    type: ResponseType.QUOTA_EXCEEDED,
    statusCode: '429',
    code: 'QUOTA_EXCEEDED',
    message: 'The request quota for this period is used up.',
    retryable: false,
  },
  {
    type: ResponseType.BAD_REQUEST_BODY,
    statusCode: '400',
    code: 'INVALID_REQUEST',
    message: 'The body must be a JSON object with a string userTag and an object data.',
    retryable: false,
  },
  {
    type: ResponseType.BAD_REQUEST_PARAMETERS,
    statusCode: '400',
    code: 'INVALID_REQUEST',
    message: 'The request is missing a required parameter.',
    retryable: false,
  },
  {
    type: ResponseType.REQUEST_TOO_LARGE,
    statusCode: '413',
    code: 'PAYLOAD_TOO_LARGE',
    message: 'The request body is too large.',
    retryable: false,
  },
  {
    type: ResponseType.UNSUPPORTED_MEDIA_TYPE,
    statusCode: '415',
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'The body must be JSON in UTF-8.',
    retryable: false,
  },
  // The Lambda answers its own 504 before its timeout, which is below this one; reaching
  // here means it could not, and a retry may well succeed.
  {
    type: ResponseType.INTEGRATION_TIMEOUT,
    statusCode: '504',
    code: 'UPSTREAM_TIMEOUT',
    message: 'The prediction did not complete in time.',
    retryable: true,
  },
  // The Lambda could not be invoked (throttled, or failed to start): unavailable, retry later.
  {
    type: ResponseType.INTEGRATION_FAILURE,
    statusCode: '503',
    code: 'UPSTREAM_UNAVAILABLE',
    message: 'The service is unavailable.',
    retryable: true,
    retryAfterSeconds: 1,
  },
];

/**
 * The gateway errors of an auth option. With an authorizer (auth=jwt or auth=cognito), API
 * Gateway answers UNAUTHORIZED for a missing or refused token (it checks the token before the
 * key); ACCESS_DENIED is the JWT authorizer's Deny, for a valid token without a required scope.
 */
export function gatewayErrorsFor(auth: AuthKind): readonly GatewayError[] {
  if (auth === 'apiKey') return GATEWAY_ERRORS;
  return GATEWAY_ERRORS.map((error) =>
    error.type.responseType === ResponseType.UNAUTHORIZED.responseType ? { ...error, message: 'A valid bearer token is required.' } : error,
  );
}

/**
 * The contract's error body as a gateway response template. Gateway response templates do
 * simple `$context` substitution only (no VTL), so the request id is the one dynamic part.
 */
export function gatewayErrorBody(error: GatewayError): string {
  return JSON.stringify({
    userTag: null,
    error: { code: error.code, message: error.message, requestId: '$context.requestId', retryable: error.retryable },
  });
}

export function addGatewayResponses(api: RestApi, errors: readonly GatewayError[] = GATEWAY_ERRORS): void {
  for (const error of errors) {
    // Header values are mapping expressions: a literal is written in single quotes.
    const responseHeaders: Record<string, string> = { 'Content-Type': `'${CONTENT_TYPE}'` };
    if (error.retryAfterSeconds !== undefined) responseHeaders['Retry-After'] = `'${error.retryAfterSeconds}'`;
    api.addGatewayResponse(error.type.responseType, {
      type: error.type,
      ...(error.statusCode === undefined ? {} : { statusCode: error.statusCode }),
      responseHeaders,
      templates: { 'application/json': gatewayErrorBody(error) },
    });
  }
}
