// The JWT authorizer's Lambda entry point (infra/jwt-authorizer.ts bundles it on its own). The
// verifier and its JWKS cache live as long as the container.
import { createTokenAuthorizer, readAuthorizerSettings } from './authorizer.ts';

const authorizer = createTokenAuthorizer(readAuthorizerSettings());
await authorizer.hydrate();

export const handler = authorizer.authorize;
