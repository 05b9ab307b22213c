// What a model server says about a model, read for `npm run models -- onboard`: the protocol
// (from the endpoint's path, confirmed by the server), and the one input it takes as rows of
// features. Open Inference Protocol (KServe V2, MLServer): GET /v2/models/{name}; TF Serving:
// GET /v1/models/{name}/metadata; KServe V1: GET /v1/models/{name} (name and readiness only);
// MLflow: no metadata route, so the signature comes from the model's MLmodel file. What a
// server does not say (MLServer and KServe list no inputs unless the model's settings declare
// them) must be given as an option, or onboard stops and says which.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { request, type Dispatcher } from 'undici';
import type { Endpoint } from '../../lambda/config/endpoint.ts';
import type { PresetName } from '../../lambda/models/error-presets.ts';
import type { SchemaType } from '../../lambda/models/data-schema.ts';

export type Protocol = 'kserve-v2' | 'kserve-v1' | 'tf-serving' | 'mlflow';
export const PROTOCOLS: readonly Protocol[] = ['kserve-v2', 'kserve-v1', 'tf-serving', 'mlflow'];

export class OnboardError extends Error {
  override name = 'OnboardError';
}

/** The one input a model takes, as B sends it: rows of `width` values of one type. */
export interface ModelSignature {
  protocol: Protocol;
  preset: PresetName;
  /** Human-readable lines about what was read, for the report. */
  facts: string[];
  /** What onboard could not read and took from an option (or its default). */
  assumed: string[];
  width: number;
  /** The JSON type of each feature. */
  itemType: SchemaType;
  /** Open Inference Protocol: the input tensor's name and datatype, which the request names. */
  tensor?: { name: string; datatype: string };
  /** MLflow with a column signature: the columns, in order. */
  columns?: string[];
  /** A description of the output for the report. */
  output?: string;
}

export interface MetadataOptions {
  protocol: Protocol | 'auto';
  /** Row width when the server does not say. */
  features?: number;
  /** Open Inference Protocol datatype when the server does not say (FP64 by default). */
  datatype?: string;
  /** MLflow: the model's MLmodel file. */
  mlmodel?: string;
  /** TF Serving: the signature to read (serving_default by default). */
  signature?: string;
}

const OIP_PATH = /^\/v2\/models\/([^/]+)(\/versions\/[^/]+)?\/infer$/;
const V1_PATH = /^\/v1\/models\/([^/:]+)(\/versions\/[^/:]+|\/labels\/[^/:]+)?:predict$/;
const MLFLOW_PATH = /^\/invocations$/;

/** The protocol the endpoint's path belongs to, if it tells. */
export function protocolFromPath(path: string): 'oip' | 'v1' | 'mlflow' | undefined {
  const bare = path.split('?')[0] ?? '';
  if (OIP_PATH.test(bare)) return 'oip';
  if (V1_PATH.test(bare)) return 'v1';
  if (MLFLOW_PATH.test(bare)) return 'mlflow';
  return undefined;
}

interface Got {
  status: number;
  json: unknown;
}

/** GET `path` on the endpoint's origin through the adapter's own connections (allowlist included). */
export async function getJson(dispatcher: Dispatcher, endpoint: Endpoint, path: string, timeoutMs = 5_000): Promise<Got> {
  const { statusCode, body } = await request(`${endpoint.origin}${path}`, {
    dispatcher,
    method: 'GET',
    headers: { accept: 'application/json', 'user-agent': 'contract-adapter-onboard' },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const text = await body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: statusCode, json };
}

const OIP_TYPES: Record<string, SchemaType> = {
  BOOL: 'boolean',
  UINT8: 'integer',
  UINT16: 'integer',
  UINT32: 'integer',
  UINT64: 'integer',
  INT8: 'integer',
  INT16: 'integer',
  INT32: 'integer',
  INT64: 'integer',
  FP16: 'number',
  FP32: 'number',
  FP64: 'number',
  BYTES: 'string',
};
const TF_TYPES: Record<string, SchemaType> = {
  DT_FLOAT: 'number',
  DT_DOUBLE: 'number',
  DT_HALF: 'number',
  DT_BFLOAT16: 'number',
  DT_INT8: 'integer',
  DT_INT16: 'integer',
  DT_INT32: 'integer',
  DT_INT64: 'integer',
  DT_UINT8: 'integer',
  DT_UINT16: 'integer',
  DT_UINT32: 'integer',
  DT_UINT64: 'integer',
  DT_BOOL: 'boolean',
  DT_STRING: 'string',
};
const MLFLOW_TYPES: Record<string, SchemaType> = {
  double: 'number',
  float: 'number',
  long: 'integer',
  integer: 'integer',
  boolean: 'boolean',
  string: 'string',
  float64: 'number',
  float32: 'number',
  int64: 'integer',
  int32: 'integer',
  bool: 'boolean',
  str: 'string',
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The row width a [-1, N] (or [N]) shape gives, if it gives one. */
function widthOf(shape: readonly unknown[]): number | undefined {
  const dims = shape.map(Number);
  if (dims.length === 2 && Number.isInteger(dims[1]) && (dims[1] as number) > 0) return dims[1];
  return undefined;
}

function needFeatures(options: MetadataOptions, why: string): number {
  if (options.features === undefined) throw new OnboardError(`${why}: give the row width with --features N`);
  return options.features;
}

async function openInference(dispatcher: Dispatcher, endpoint: Endpoint, name: string, options: MetadataOptions): Promise<ModelSignature> {
  const facts: string[] = [];
  const assumed: string[] = [];
  const server = await getJson(dispatcher, endpoint, '/v2');
  const serverName = isRecord(server.json) && typeof server.json.name === 'string' ? server.json.name : undefined;
  facts.push(`server: GET /v2 -> ${server.status}${serverName ? ` ${serverName} ${String((server.json as Record<string, unknown>).version ?? '')}`.trimEnd() : ''}`);
  const preset: PresetName = serverName === 'mlserver' ? 'mlserver' : 'kserve-v2';
  const metadataPath = `/v2/models/${name}`;
  const metadata = await getJson(dispatcher, endpoint, metadataPath);
  if (metadata.status !== 200 || !isRecord(metadata.json)) throw new OnboardError(`GET ${metadataPath} answered ${metadata.status}: not the Open Inference Protocol's model metadata`);
  const inputs = Array.isArray(metadata.json.inputs) ? metadata.json.inputs.filter(isRecord) : [];
  const outputs = Array.isArray(metadata.json.outputs) ? metadata.json.outputs.filter(isRecord) : [];
  facts.push(`model metadata: GET ${metadataPath} -> ${inputs.length} input(s), ${outputs.length} output(s)`);
  let tensor: { name: string; datatype: string };
  let width: number;
  if (inputs.length === 0) {
    width = needFeatures(options, `${metadataPath} lists no inputs (${preset === 'mlserver' ? "MLServer's sklearn runtime lists none unless the model's settings declare them" : 'the server lists none for this model'})`);
    tensor = { name: 'input-0', datatype: options.datatype ?? 'FP64' };
    assumed.push(`input name input-0, datatype ${tensor.datatype}${options.datatype ? ' (--datatype)' : ' (the default: JSON numbers are doubles)'}, ${width} features (--features)`);
  } else {
    if (inputs.length > 1) throw new OnboardError(`${metadataPath} lists ${inputs.length} inputs: onboard maps one 2-D input; write the request mapping by hand (docs/models.md)`);
    const input = inputs[0] as Record<string, unknown>;
    const shape = Array.isArray(input.shape) ? input.shape : [];
    const read = widthOf(shape);
    width = read ?? needFeatures(options, `input ${String(input.name)} has shape ${JSON.stringify(shape)}, not [-1, N]`);
    tensor = { name: String(input.name), datatype: String(input.datatype) };
    facts.push(`input: ${tensor.name} ${tensor.datatype} ${JSON.stringify(shape)}`);
  }
  const itemType = OIP_TYPES[tensor.datatype];
  if (itemType === undefined) throw new OnboardError(`datatype ${tensor.datatype} is not one of the Open Inference Protocol's`);
  const output = outputs[0];
  return {
    protocol: 'kserve-v2',
    preset,
    facts,
    assumed,
    width,
    itemType,
    tensor,
    output: output ? `${String(output.name)} ${String(output.datatype)} ${JSON.stringify(output.shape)}` : undefined,
  };
}

async function versionOne(dispatcher: Dispatcher, endpoint: Endpoint, name: string, options: MetadataOptions): Promise<ModelSignature> {
  const facts: string[] = [];
  const assumed: string[] = [];
  const forced = options.protocol === 'auto' ? undefined : options.protocol;
  if (forced !== 'kserve-v1') {
    const tfPath = `/v1/models/${name}/metadata`;
    const tf = await getJson(dispatcher, endpoint, tfPath);
    const signatures = isRecord(tf.json) && isRecord(tf.json.metadata) && isRecord(tf.json.metadata.signature_def) ? tf.json.metadata.signature_def.signature_def : undefined;
    if (tf.status === 200 && isRecord(signatures)) {
      const signatureName = options.signature ?? 'serving_default';
      const signature = signatures[signatureName];
      if (!isRecord(signature) || !isRecord(signature.inputs)) throw new OnboardError(`${tfPath} has no signature ${signatureName} (it has ${Object.keys(signatures).join(', ') || 'none'}): give --signature`);
      const inputs = Object.entries(signature.inputs).filter(([, v]) => isRecord(v)) as [string, Record<string, unknown>][];
      facts.push(`model metadata: GET ${tfPath} -> signature ${signatureName}, ${inputs.length} input(s)`);
      if (inputs.length !== 1) throw new OnboardError(`signature ${signatureName} has ${inputs.length} inputs: onboard maps one 2-D input; write the request mapping by hand (docs/models.md)`);
      const [inputName, input] = inputs[0] as [string, Record<string, unknown>];
      const dims = isRecord(input.tensor_shape) && Array.isArray(input.tensor_shape.dim) ? input.tensor_shape.dim.map((d) => (isRecord(d) ? d.size : undefined)) : [];
      const width = widthOf(dims) ?? needFeatures(options, `input ${inputName} has shape ${JSON.stringify(dims)}, not [-1, N]`);
      const itemType = TF_TYPES[String(input.dtype)];
      if (itemType === undefined) throw new OnboardError(`input ${inputName} has dtype ${String(input.dtype)}, which onboard does not map`);
      facts.push(`input: ${inputName} ${String(input.dtype)} ${JSON.stringify(dims.map(Number))}`);
      const outputs = isRecord(signature.outputs) ? Object.entries(signature.outputs) : [];
      const output = outputs[0];
      const outputDims = output && isRecord(output[1]) && isRecord(output[1].tensor_shape) && Array.isArray(output[1].tensor_shape.dim) ? output[1].tensor_shape.dim.map((d) => Number(isRecord(d) ? d.size : NaN)) : [];
      return { protocol: 'tf-serving', preset: 'tf-serving', facts, assumed, width, itemType, output: output ? `${output[0]} ${String((output[1] as Record<string, unknown>).dtype)} ${JSON.stringify(outputDims)}` : undefined };
    }
    if (forced === 'tf-serving') throw new OnboardError(`GET ${tfPath} answered ${tf.status}: no TF Serving signature`);
    facts.push(`GET ${tfPath} -> ${tf.status}: not TF Serving`);
  }
  const v1Path = `/v1/models/${name}`;
  const v1 = await getJson(dispatcher, endpoint, v1Path);
  if (v1.status !== 200 || !isRecord(v1.json) || v1.json.name !== name) throw new OnboardError(`GET ${v1Path} answered ${v1.status}: neither TF Serving's metadata nor KServe V1's model`);
  facts.push(`model: GET ${v1Path} -> ${JSON.stringify(v1.json)} (KServe V1 says nothing about inputs)`);
  const width = needFeatures(options, 'KServe V1 has no input metadata');
  assumed.push(`${width} numeric features (--features)`);
  return { protocol: 'kserve-v1', preset: 'kserve-v1', facts, assumed, width, itemType: 'number' };
}

/** An MLmodel file's signature (YAML whose `signature.inputs` is a JSON text). */
export function readMlmodelSignature(text: string): { inputs: Record<string, unknown>[]; outputs: Record<string, unknown>[] } {
  const doc = parseYaml(text) as unknown;
  const signature = isRecord(doc) ? doc.signature : undefined;
  if (!isRecord(signature) || typeof signature.inputs !== 'string') throw new OnboardError('the MLmodel file has no signature (log the model with one: mlflow.models.infer_signature)');
  const parse = (json: unknown): Record<string, unknown>[] => (typeof json === 'string' ? (JSON.parse(json) as unknown[]).filter(isRecord) : []);
  return { inputs: parse(signature.inputs), outputs: parse(signature.outputs) };
}

function mlflow(options: MetadataOptions): ModelSignature {
  const facts = ["MLflow's scoring server has no metadata route (/ping, /health, /version, /invocations)"];
  if (options.mlmodel === undefined) throw new OnboardError("MLflow's scoring server does not say what the model takes: give the model's MLmodel file with --mlmodel");
  const { inputs, outputs } = readMlmodelSignature(readFileSync(options.mlmodel, 'utf8'));
  facts.push(`signature: ${options.mlmodel} -> ${inputs.length} input(s)`);
  const output = outputs[0];
  const outputText = output ? JSON.stringify(output) : undefined;
  const tensor = inputs.length === 1 && inputs[0]?.type === 'tensor' ? inputs[0] : undefined;
  if (tensor) {
    const spec = isRecord(tensor['tensor-spec']) ? tensor['tensor-spec'] : {};
    const shape = Array.isArray(spec.shape) ? spec.shape : [];
    const width = widthOf(shape) ?? needFeatures(options, `the tensor input has shape ${JSON.stringify(shape)}, not [-1, N]`);
    const itemType = MLFLOW_TYPES[String(spec.dtype)];
    if (itemType === undefined) throw new OnboardError(`tensor dtype ${String(spec.dtype)} is not one onboard maps`);
    return { protocol: 'mlflow', preset: 'mlflow', facts, assumed: [], width, itemType, output: outputText };
  }
  if (inputs.length === 0 || inputs.some((i) => typeof i.name !== 'string' || i.type === 'tensor')) throw new OnboardError('the signature is neither one tensor nor named columns');
  const types = new Set(inputs.map((i) => MLFLOW_TYPES[String(i.type)]));
  if (types.size !== 1 || types.has(undefined)) throw new OnboardError('the columns are of different (or unmapped) types: onboard maps rows of one type; write the mapping by hand');
  const columns = inputs.map((i) => String(i.name));
  facts.push(`columns: ${inputs.map((i) => `${String(i.name)} ${String(i.type)}`).join(', ')}`);
  return { protocol: 'mlflow', preset: 'mlflow', facts, assumed: [], width: columns.length, itemType: [...types][0] as SchemaType, columns, output: outputText };
}

/** Reads the model's signature from its server (or its MLmodel file), as the endpoint's path and --protocol say. */
export async function readSignature(dispatcher: Dispatcher, endpoint: Endpoint, options: MetadataOptions): Promise<ModelSignature> {
  const kind = protocolFromPath(endpoint.path);
  const want = options.protocol;
  if (want === 'mlflow' || (want === 'auto' && kind === 'mlflow')) return mlflow(options);
  const bare = endpoint.path.split('?')[0] ?? '';
  if (want === 'kserve-v2' || (want === 'auto' && kind === 'oip')) {
    const name = OIP_PATH.exec(bare)?.[1];
    if (!name) throw new OnboardError('an Open Inference Protocol endpoint ends /v2/models/{name}/infer');
    return openInference(dispatcher, endpoint, decodeURIComponent(name), options);
  }
  if (want === 'kserve-v1' || want === 'tf-serving' || (want === 'auto' && kind === 'v1')) {
    const name = V1_PATH.exec(bare)?.[1];
    if (!name) throw new OnboardError('a V1 (KServe V1 or TF Serving) endpoint ends /v1/models/{name}:predict');
    return versionOne(dispatcher, endpoint, decodeURIComponent(name), options);
  }
  throw new OnboardError('the endpoint\'s path does not tell the protocol (/v2/models/{name}/infer, /v1/models/{name}:predict, /invocations): give --protocol');
}
