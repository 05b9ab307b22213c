import { fileURLToPath } from 'node:url';
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { Duration } from 'aws-cdk-lib';
import type { ISecurityGroup, ISubnet, IVpc } from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * Stand-ins the Lambda bundle uses instead of a module (esbuild `--alias`, paths relative to the
 * project root, where NodejsFunction runs esbuild). Each file says why; only the bundle has them,
 * tests and local mode run the real modules.
 */
export const BUNDLE_ALIASES: Readonly<Record<string, string>> = {
  // The SDK's default credential chain, for the one link a Lambda function uses: the environment.
  '@aws-sdk/credential-provider-node': './infra/bundle/credentials-from-env.ts',
  // node:http as CommonJS, so Node builds no ESM facade for it (which loads Node's own undici).
  'node:http': './infra/bundle/node-http.cjs',
};

/**
 * Modules left out of the bundle (esbuild `--external`), each loaded only on a path the adapter
 * never takes. They stay in the bundle as a `require` or `import()` of the same path, which
 * finds nothing in the deployed asset: reaching one fails loudly (MODULE_NOT_FOUND), it never
 * quietly does something else.
 */
export const BUNDLE_LEFT_OUT: readonly string[] = [
  // undici's llhttp without WebAssembly SIMD (72 KB): loaded only if the SIMD build fails to
  // compile, and Node 24 on arm64 and x86-64 has SIMD; the SIMD build stays in.
  '../llhttp/llhttp-wasm.js',
  // undici's fetch body and FormData code (and WebIDL behind them, ~44 KB): required only for a
  // FormData request body; the adapter sends strings.
  '../web/fetch/body.js',
  '../web/fetch/formdata',
  '../web/webidl',
  // The SDK's event stream serde (~15 KB), imported only for operations with event streams; the
  // only SSM operation called, GetParametersByPath, has none.
  '@smithy/core/event-streams',
];

/**
 * How every adapter bundle is built: one minified ESM file for Node 24 with its source map,
 * the AWS SDK inside it (the version we test is the version that runs), a `require` for the
 * CommonJS dependencies that esbuild's ESM output would otherwise fail to load, and the
 * aliases and left-out modules above (NodejsFunction takes them as esbuild CLI arguments; it
 * has no plugins).
 */
export const ADAPTER_BUNDLING: BundlingOptions = {
  format: OutputFormat.ESM,
  target: 'node24',
  mainFields: ['module', 'main'],
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  bundleAwsSDK: true,
  banner: "import{createRequire}from'node:module';const require=createRequire(import.meta.url);",
  // undici's own flag for bundlers: with it the experimental Milo HTTP/1 parser, a WASM build
  // the adapter never uses (llhttp parses its responses), stays out of the bundle (~166 KB).
  define: { esbuildDetection: '1' },
  esbuildArgs: {
    '--alias': Object.entries(BUNDLE_ALIASES).map(([module, standIn]) => `${module}=${standIn}`),
    '--external': [...BUNDLE_LEFT_OUT],
  },
};

export interface AdapterFunctionProps {
  /** The handler module, relative to the project root; it must export `handler`. */
  readonly entry: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly reservedConcurrency: number | undefined;
  readonly logRetention: RetentionDays;
  readonly vpc: IVpc;
  readonly subnets: readonly ISubnet[];
  readonly securityGroup: ISecurityGroup;
  /**
   * The function will run on Lambda Managed Instances (managed-instances.ts): its network is the
   * capacity provider's (the same subnets and security group), so it gets no VPC configuration
   * of its own and no permission to manage network interfaces.
   */
  readonly onManagedInstances?: boolean;
  /**
   * On Lambda Managed Instances: the execution environments each published version keeps and
   * may grow to (the versions the `live` alias points at, deployment.ts, are what API Gateway
   * invokes).
   */
  readonly versionScaling?: { readonly minExecutionEnvironments: number; readonly maxExecutionEnvironments: number | undefined };
}

/**
 * A NodejsFunction with the house defaults: nodejs24.x on arm64, active tracing, source maps,
 * its own log group with a retention, and a role that holds only what a VPC function needs;
 * callers grant anything more.
 */
export class AdapterFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: AdapterFunctionProps) {
    // Retained on teardown: the logs of an incident should outlive the stack that had it.
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Our own role rather than the AWS-managed Lambda policies: they allow logs:* on every
    // log group, where this one may write to its own group only.
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'Contract adapter function',
    });

    super(scope, id, {
      entry: `${projectRoot}${props.entry}`,
      handler: 'handler',
      projectRoot,
      depsLockFilePath: `${projectRoot}package-lock.json`,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      reservedConcurrentExecutions: props.reservedConcurrency,
      tracing: Tracing.ACTIVE,
      logGroup,
      role,
      ...(props.onManagedInstances ? {} : { vpc: props.vpc, vpcSubnets: { subnets: [...props.subnets] }, securityGroups: [props.securityGroup] }),
      // No --enable-source-maps: with it Node reads and parses the 1.2 MB map at every cold
      // start (8 to 10 ms with the bench's cold runner), for stack traces that no log line
      // carries (errors are logged by class and code). The map ships beside the bundle, and
      // NODE_OPTIONS=--enable-source-maps on the function turns it back on (docs/deploy.md).
      environment: { ...props.environment },
      bundling: ADAPTER_BUNDLING,
      ...(props.versionScaling ? { currentVersionOptions: { ...props.versionScaling } } : {}),
    });

    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    if (!props.onManagedInstances) role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [
          'ec2:CreateNetworkInterface',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSubnets',
          'ec2:DeleteNetworkInterface',
          'ec2:AssignPrivateIpAddresses',
          'ec2:UnassignPrivateIpAddresses',
        ],
        resources: ['*'],
      }),
    );
    const defaultPolicy = role.node.findChild('DefaultPolicy');
    Validations.of(defaultPolicy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only X-Ray PutTraceSegments/PutTelemetryRecords (active tracing) and, on Lambda\'s default model, the EC2 network-interface actions Lambda uses to attach the function to the VPC, none of which support resource-level permissions; everything else in this policy names its resources.',
    });
  }
}
