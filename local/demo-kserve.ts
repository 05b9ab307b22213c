// A demo in KServe's open inference protocol (v2): the iris classifier again, the way a
// Triton or KServe server would expose it.
//   POST /v2/models/iris/infer
//   {"inputs": [{"name": "input-0", "shape": [n, 4], "datatype": "FP32", "data": [4n numbers, row-major]}]}
//   -> {"model_name": "iris", "model_version": "1", "outputs": [{"name": "probabilities", "shape": [n, 3], "datatype": "FP32", "data": [3n]}]}
// Errors are {"error": "..."} with 400. GET /v2 and GET /v2/models/iris answer the protocol's
// server and model metadata (KSERVE_METADATA).
import { DEMO_ADDRESSES } from './demo-addresses.ts';
import { MAX_IRIS_INSTANCES, predictIris } from './demo-iris.ts';
import { startJsonService, type DemoService } from './demo-service.ts';

export interface KserveInput {
  name: string;
  shape: number[];
  datatype: string;
  data: number[];
}

/** The rows of a valid request, or the reason it is not one. */
export function parseKserveRequest(json: unknown): { rows: number[][] } | { error: string } {
  const inputs = (json as { inputs?: unknown } | null)?.inputs;
  if (!Array.isArray(inputs) || inputs.length !== 1) return { error: 'expected "inputs" with exactly one tensor' };
  const input = inputs[0] as Partial<KserveInput>;
  const [n, width] = Array.isArray(input.shape) ? input.shape : [];
  if (input.shape?.length !== 2 || width !== 4 || !Number.isInteger(n) || (n as number) < 1 || (n as number) > MAX_IRIS_INSTANCES) {
    return { error: `input "${String(input.name)}": shape must be [n, 4] with 1 <= n <= ${MAX_IRIS_INSTANCES}` };
  }
  if (input.datatype !== 'FP32' && input.datatype !== 'FP64') return { error: `input "${String(input.name)}": datatype must be FP32 or FP64` };
  const data = input.data;
  if (!Array.isArray(data) || data.length !== (n as number) * 4 || !data.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    return { error: `input "${String(input.name)}": data must hold shape[0] * 4 numbers, row-major` };
  }
  return { rows: Array.from({ length: n as number }, (_, i) => data.slice(i * 4, i * 4 + 4)) };
}

export function kserveAnswer(rows: number[][]): unknown {
  return {
    model_name: 'iris',
    model_version: '1',
    outputs: [{ name: 'probabilities', shape: [rows.length, 3], datatype: 'FP32', data: predictIris(rows).flat() }],
  };
}

/** What the demo says about itself, in the Open Inference Protocol's metadata shapes (`npm run models -- onboard` reads them). */
export const KSERVE_METADATA = {
  '/v2': { name: 'demo-kserve', version: '1', extensions: [] },
  '/v2/models/iris': {
    name: 'iris',
    versions: ['1'],
    platform: 'demo',
    inputs: [{ name: 'input-0', datatype: 'FP32', shape: [-1, 4] }],
    outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [-1, 3] }],
  },
} as const;

export function startKserveIrisModel(options: { port?: number } = {}): Promise<DemoService> {
  return startJsonService({
    name: DEMO_ADDRESSES.irisKserve.name,
    path: DEMO_ADDRESSES.irisKserve.path,
    port: options.port ?? DEMO_ADDRESSES.irisKserve.port,
    errorBody: (message) => ({ error: message }),
    metadata: KSERVE_METADATA,
    predict(json) {
      const parsed = parseKserveRequest(json);
      if ('error' in parsed) return { status: 400, body: { error: parsed.error } };
      return { status: 200, body: kserveAnswer(parsed.rows) };
    },
  });
}
