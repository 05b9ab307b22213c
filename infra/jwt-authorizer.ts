import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { authorizerEnvironment } from './settings/auth.ts';
import type { AuthSettings } from './settings/auth.ts';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));

/** The authorizer's entry, relative to the project root: a bundle of its own, apart from the adapter's. */
export const AUTHORIZER_ENTRY = 'lambda/authorizer/handler.ts';

/**
 * One minified ESM file for Node 24: lambda/authorizer/ and aws-jwt-verify, nothing of the
 * adapter. No AWS SDK is imported, so none is bundled.
 */
export const AUTHORIZER_BUNDLING: BundlingOptions = {
  format: OutputFormat.ESM,
  target: 'node24',
  mainFields: ['module', 'main'],
  minify: true,
  sourceMap: true,
  sourcesContent: false,
};

export interface JwtAuthorizerFunctionProps {
  readonly auth: Extract<AuthSettings, { kind: 'jwt' }>;
  readonly logRetention: RetentionDays;
}

/**
 * The JWT authorizer's function (lambda/authorizer/): outside the VPC, since it fetches the
 * issuer's JWKS from wherever the issuer publishes it, and it reaches nothing else; its own log
 * group, and a role that may write there and nothing more.
 */
export class JwtAuthorizerFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: JwtAuthorizerFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, { retention: props.logRetention, removalPolicy: RemovalPolicy.RETAIN });
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'Contract adapter JWT authorizer',
    });
    super(scope, id, {
      entry: `${projectRoot}${AUTHORIZER_ENTRY}`,
      handler: 'handler',
      projectRoot,
      depsLockFilePath: `${projectRoot}package-lock.json`,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: 256,
      // A JWKS fetch is bounded at 1.5 s with one retry: the rest is verifying a signature.
      timeout: Duration.seconds(5),
      logGroup,
      role,
      environment: authorizerEnvironment(props.auth),
      bundling: AUTHORIZER_BUNDLING,
    });
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
  }
}
