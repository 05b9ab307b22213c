// The models the stack writes an SSM parameter for, and the key their TLS material may be
// encrypted with: ModelParameters' settings.
import { MODEL_NAME_PATTERN } from '../../lambda/contract/model-name.ts';
import { endpointProblem } from './network.ts';
import type { NetworkSettings } from './network.ts';
import { show } from './reader.ts';
import type { Reader } from './reader.ts';

export const PARAMETER_KEYS = ['models', 'parameterKmsKeyArn'] as const;
type ParameterKey = (typeof PARAMETER_KEYS)[number];

/** docs/contract.md: `{model}` matches this (the Lambda's own pattern), and no parameter name is built from anything else. */
export const MODEL_NAME = MODEL_NAME_PATTERN;

export interface ParameterSettings {
  /** Model name -> initial endpoint URL. */
  readonly models: ReadonlyMap<string, string>;
  /** The customer managed KMS key of SecureString parameters (TLS material), if any. */
  readonly parameterKmsKeyArn: string | undefined;
}

/** `models`: name -> endpoint URL, each endpoint reachable through the network's security group. */
export function readParameterSettings(read: Reader<ParameterKey>, network: NetworkSettings): ParameterSettings {
  const object = read.object('models', 'an object of model name -> endpoint URL');
  let models: Map<string, string>;
  if (object === undefined) {
    models = new Map(network.vpc.kind === 'demo' ? [['iris', 'http://10.20.0.10:8080/predict']] : []);
  } else {
    models = new Map();
    for (const [name, endpoint] of Object.entries(object)) {
      if (!MODEL_NAME.test(name)) {
        read.problem('models', `models: ${show(name)} is not a model name (${MODEL_NAME.source})`);
        continue;
      }
      const problem = typeof endpoint === 'string' ? endpointProblem(endpoint, network) : 'is not a string';
      if (problem === undefined) models.set(name, endpoint as string);
      else read.problem('models', `models.${name}: the endpoint ${problem}`);
    }
  }
  const parameterKmsKeyArn = read.string(
    'parameterKmsKeyArn',
    /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    'a KMS key ARN such as arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  );
  return { models, parameterKmsKeyArn };
}
