// Stands in for @aws-sdk/credential-provider-node in the Lambda bundle only (the alias is in
// infra/adapter-function.ts); tests and local mode run the real SDK with its whole chain.
//
// Why: the SDK's default chain tries the environment first, then SSO, ini files, credential
// processes, web identity and the ECS/EC2 metadata services, and statically bundles the STS,
// SSO and sign-in clients those need: about 137 KB that every cold start parsed. A Lambda
// function gets its execution role's credentials in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
// and AWS_SESSION_TOKEN, so the chain always stopped at its first link, which is this one.
//
// The SDK signs as before: it asks this provider for credentials before each signing (the
// old chain kept what it found; this reads the environment again, which costs next to
// nothing), with AWS_CREDENTIAL_EXPIRATION, if set, as the expiry. Where the environment has no credentials (a runtime that serves them from a
// metadata endpoint instead) fromEnv throws "Unable to find environment variable credentials",
// the configuration refresh fails and is logged: this file is then the thing to remove.
import { fromEnv } from '@aws-sdk/credential-provider-env';

/** The only name @aws-sdk/client-ssm imports from @aws-sdk/credential-provider-node. */
export const defaultProvider: typeof fromEnv = (init) => fromEnv(init);
