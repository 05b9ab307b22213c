// `npm run models -- onboard <model> <endpoint-url>`: a model's config from what its server
// says about itself (metadata.ts), checked by the adapter's own code, tried once through the
// handler, and written out with golden fixtures for `probe`.
//
// B's data shape is the same for every protocol: {"instances": [[f1, ..., fN], ...]}, rows of
// the model's N features in its order. The config maps it to the protocol's body, declares it
// as the dataSchema (so a row of the wrong width or type is B's 400 naming the field, before
// any model call) and names the protocol's error preset.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { parseAllowlist } from '../../lambda/config/allowlist.ts';
import { parseEndpoint } from '../../lambda/config/endpoint.ts';
import { parseModelConfig } from '../../lambda/config/model-config.ts';
import { modelName } from '../../lambda/contract/model-name.ts';
import type { DataSchemaSpec } from '../../lambda/models/data-schema.ts';
import { modelConnections } from '../../lambda/upstream/connections.ts';
import { cliAdapter } from './adapter.ts';
import { OnboardError, readSignature, type MetadataOptions, type ModelSignature } from './metadata.ts';

export interface OnboardOptions extends MetadataOptions {
  model: string;
  endpoint: string;
  /** B's data for the fixture that must succeed; rows of zeros (false, "") by default. */
  example?: unknown;
  /** Where the config and endpoint files go (the current directory by default). */
  out?: string;
  /** The fixtures file (fixtures/<model>.json under `out` by default). */
  fixtures?: string;
  put?: boolean;
  dryRun?: boolean;
  /** The SSM prefix for --put (PARAMETER_PREFIX by default). */
  prefix?: string;
  env?: Record<string, string | undefined>;
}

export interface OnboardResult {
  ok: boolean;
  lines: string[];
  config?: Record<string, unknown>;
  fixtures?: Fixtures;
}

export interface FixtureCase {
  name: string;
  request: { userTag: string; data: unknown };
  /** What the model receives, or null when the request must not reach it. */
  modelRequest: unknown;
  status: number;
  response?: unknown;
  error?: { code: string; message?: string; upstreamStatus?: number; details?: string };
}

export interface Fixtures {
  model: string;
  format: string;
  cases: FixtureCase[];
}

const FORMATS: Record<ModelSignature['protocol'], string> = {
  'kserve-v2': 'Open Inference Protocol (KServe V2)',
  'kserve-v1': 'KServe V1',
  'tf-serving': 'TF Serving',
  mlflow: 'MLflow scoring server',
};

/** JMESPath raw string literal. */
const raw = (text: string): string => `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

/** B's data as this model takes it: what the dataSchema declares. */
export function dataSchemaFor(signature: ModelSignature): DataSchemaSpec {
  return {
    type: 'object',
    required: ['instances'],
    properties: {
      instances: {
        type: 'array',
        minItems: 1,
        items: { type: 'array', minItems: signature.width, maxItems: signature.width, items: { type: signature.itemType } },
      },
    },
  };
}

/** The model config onboard writes for a signature. */
export function configFor(signature: ModelSignature): Record<string, unknown> {
  const required = ['data.instances'];
  let request: string;
  let response: string | undefined;
  switch (signature.protocol) {
    case 'kserve-v2': {
      const tensor = signature.tensor ?? { name: 'input-0', datatype: 'FP64' };
      request = `{inputs: [{name: ${raw(tensor.name)}, shape: [length(data.instances), \`${signature.width}\`], datatype: ${raw(tensor.datatype)}, data: data.instances[]}]}`;
      // The answer is flat (row-major) with its shape: JMESPath cannot regroup it into rows.
      response = '{predictions: response.outputs[0].data, shape: response.outputs[0].shape}';
      break;
    }
    case 'mlflow':
      request = signature.columns
        ? `{dataframe_split: {columns: [${signature.columns.map(raw).join(', ')}], data: data.instances}}`
        : '{inputs: data.instances}';
      break;
    default:
      request = '{instances: data.instances}';
  }
  const config: Record<string, unknown> = { request: { expression: request, required }, dataSchema: dataSchemaFor(signature), errors: { preset: signature.preset } };
  if (response) config.response = response;
  return config;
}

/** A value of the type, for the example row. */
const zero = (type: ModelSignature['itemType']): unknown => (type === 'string' ? '' : type === 'boolean' ? false : type === 'null' ? null : 0);

/** What B sends, in words, for the report. */
function shapeText(signature: ModelSignature): string {
  const what = signature.columns ? `the columns ${signature.columns.join(', ')}` : `${signature.width} ${signature.itemType}s`;
  return `{"instances": [[${what}], ...]}`;
}

function responseText(signature: ModelSignature): string {
  if (signature.protocol === 'kserve-v2') return '{"predictions": [the first output\'s data, flat, row-major], "shape": [rows, ...]}';
  return "the model's answer as it is (its {\"predictions\": ...})";
}

function plural(items: readonly string[]): string {
  return items.join(', ');
}

/** Reads, builds, tries and writes; never throws for what it can explain. */
export async function onboard(options: OnboardOptions): Promise<OnboardResult> {
  const env = options.env ?? process.env;
  const lines: string[] = [];
  const fail = (why: string): OnboardResult => ({ ok: false, lines: [...lines, `onboard: ${why}`] });
  const model = modelName(options.model);
  if (model === undefined) return fail(`${JSON.stringify(options.model)} is not a model name (^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$)`);
  // The same checks as the handler: the URL now, the resolved address at connect time.
  const allowlist = parseAllowlist(env.UPSTREAM_ALLOWLIST ?? '');
  const endpointUrl = options.endpoint.trim();
  const parsed = parseEndpoint(endpointUrl, allowlist);
  if (!parsed.ok) return fail(`the endpoint is refused as the handler would refuse it: ${parsed.problem}`);
  const connections = modelConnections({ connectTimeoutMs: 5_000, allowlist });
  let signature: ModelSignature;
  try {
    signature = await readSignature(connections.pool, parsed.endpoint, options);
  } catch (error) {
    await connections.pool.close();
    if (error instanceof OnboardError) return fail(error.message);
    const code = (error as { code?: string }).code;
    return fail(`the server could not be read (${code ?? (error as Error).message})`);
  }
  await connections.pool.close();

  lines.push(`onboard ${model}: ${FORMATS[signature.protocol]}${signature.preset === 'mlserver' ? ' (MLServer)' : ''} at ${endpointUrl}`);
  for (const fact of signature.facts) lines.push(`  read     ${fact}`);
  for (const assumed of signature.assumed) lines.push(`  assumed  ${assumed}`);
  lines.push(`  B sends  ${shapeText(signature)}`);
  lines.push(`  B gets   ${responseText(signature)}${signature.output ? `; the model's output: ${signature.output}` : ''}`);
  lines.push(`  checks   data.instances required; each row exactly ${signature.width} ${signature.itemType}s (dataSchema); error preset ${signature.preset}`);
  if (signature.preset === 'mlserver') lines.push("  note     MLServer's sklearn runtime answers class labels unless the model's settings ask for predict_proba");

  const config = configFor(signature);
  const configText = `${JSON.stringify(config, null, 2)}\n`;
  const checked = parseModelConfig(configText);
  if (!checked.ok) return fail(`the config onboard built is refused (a bug): ${checked.reason}`);

  // The fixtures, tried once through the handler against the live endpoint.
  const prefix = '/onboard';
  const parameters = new Map([
    [`${prefix}/models/${model}/endpoint`, endpointUrl],
    [`${prefix}/models/${model}/config`, configText],
  ]);
  const adapter = cliAdapter(async () => parameters, prefix, env);
  const row = Array.from({ length: signature.width }, () => zero(signature.itemType));
  const example = options.example ?? { instances: [row] };
  const cases: FixtureCase[] = [];
  const explainBody = async (data: unknown): Promise<unknown> => {
    const answer = await adapter.post(`/v1/models/${model}/explain`, JSON.stringify({ userTag: 'onboard', data }));
    return answer.statusCode === 200 ? (JSON.parse(answer.body) as { result: { body: unknown } }).result.body : null;
  };
  const started = performance.now();
  const good = await adapter.post(`/v1/models/${model}/predict`, JSON.stringify({ userTag: 'fixture-1', data: example }));
  const ms = performance.now() - started;
  const goodBody = JSON.parse(good.body) as { result?: unknown; error?: { code: string; message: string } };
  if (good.statusCode !== 200) {
    await adapter.close();
    return fail(`the example ${JSON.stringify(example)} did not succeed: ${good.statusCode} ${goodBody.error?.code}: ${goodBody.error?.message} (give one with --example)`);
  }
  lines.push(`  tried    ${JSON.stringify(example)} -> 200 in ${ms.toFixed(1)} ms: ${JSON.stringify(goodBody.result).slice(0, 200)}`);
  cases.push({ name: 'the example', request: { userTag: 'fixture-1', data: example }, modelRequest: await explainBody(example), status: 200, response: goodBody });
  const wide = { instances: [[...row, zero(signature.itemType)]] };
  cases.push({
    name: `a row of ${signature.width + 1}: B's 400 names the field, the model is not called`,
    request: { userTag: 'fixture-2', data: wide },
    modelRequest: null,
    status: 400,
    error: { code: 'INVALID_REQUEST', message: `The request envelope is invalid. data.instances[0] must have ${signature.width} items.` },
  });
  cases.push({
    name: 'no instances: B\'s 400 names the field, the model is not called',
    request: { userTag: 'fixture-3', data: { rows: [row] } },
    modelRequest: null,
    status: 400,
    error: { code: 'INVALID_REQUEST', message: 'The request envelope is invalid. data.instances is required.' },
  });
  for (const c of cases.slice(1)) {
    const answer = await adapter.post(`/v1/models/${model}/predict`, JSON.stringify(c.request));
    const error = (JSON.parse(answer.body) as { error?: { code: string; message: string } }).error;
    if (answer.statusCode !== c.status || error?.code !== c.error?.code || error?.message !== c.error?.message) {
      await adapter.close();
      return fail(`fixture "${c.name}" answered ${answer.statusCode} ${answer.body} (a bug)`);
    }
  }
  await adapter.close();
  const fixtures: Fixtures = { model, format: FORMATS[signature.protocol], cases };

  const out = options.out ?? '.';
  const fixturesPath = options.fixtures ?? join(out, 'fixtures', `${model}.json`);
  const configPath = join(out, `${model}.config.json`);
  const endpointPath = join(out, `${model}.endpoint.txt`);
  if (options.dryRun) {
    lines.push('  dry run: nothing written. The config:', ...configText.trimEnd().split('\n').map((l) => `    ${l}`));
    return { ok: true, lines, config, fixtures };
  }
  mkdirSync(dirname(fixturesPath), { recursive: true });
  mkdirSync(out, { recursive: true });
  writeFileSync(configPath, configText);
  // The value exactly, for `aws ssm put-parameter --value file://...` (the adapter trims a trailing newline anyway).
  writeFileSync(endpointPath, `${endpointUrl}\n`);
  writeFileSync(fixturesPath, `${JSON.stringify(fixtures, null, 2)}\n`);
  lines.push(`  wrote    ${plural([configPath, endpointPath, fixturesPath])}`);

  if (options.put) {
    const ssmPrefix = (options.prefix ?? env.PARAMETER_PREFIX ?? '').replace(/\/+$/, '');
    if (!/^(\/[A-Za-z0-9_.-]+)+$/.test(ssmPrefix)) return fail('--put needs the SSM prefix: --prefix /contract-adapter/prod, or PARAMETER_PREFIX');
    // The SDK's defaults: region, credentials and AWS_ENDPOINT_URL_SSM from the usual environment.
    const ssm = new SSMClient({});
    try {
      for (const [leaf, value] of [['endpoint', endpointUrl], ['config', configText]] as const) {
        const name = `${ssmPrefix}/models/${model}/${leaf}`;
        await ssm.send(new PutParameterCommand({ Name: name, Value: value, Type: 'String', Overwrite: true }));
        lines.push(`  put      ${name}`);
      }
    } catch (error) {
      return fail(`PutParameter failed: ${(error as Error).name}: ${(error as Error).message}`);
    } finally {
      ssm.destroy();
    }
  }
  return { ok: true, lines, config, fixtures };
}
