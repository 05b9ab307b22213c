// The demo prediction services for local runs, each with its own native JSON, the way A's
// models differ from one another:
// - iris, TF-Serving style: POST /v1/models/iris:predict {"instances": [[4 floats], ...]}
//   -> {"predictions": [[p_setosa, p_versicolor, p_virginica], ...]}; errors {"error": "..."};
//   GET /v1/models/iris/metadata, TF Serving's signature (IRIS_METADATA).
// - churn, a plain JSON API: POST /predict {"features": {...}} -> {"score": p, "label": "..."};
//   errors {"detail": "..."}; and churn's variant v2, the same API with retrained weights.
// - iris-kserve, KServe v2 (demo-kserve.ts), and fraud, a job API that reports failures in a
//   200 (demo-fraud.ts).
// All compute real answers from fixed weights, so a result can be checked against its input.
import { DEMO_ADDRESSES, DEMO_KEYS, type DemoKey } from './demo-addresses.ts';
import { startFraudModel } from './demo-fraud.ts';
import { parseIrisRequest, predictIris } from './demo-iris.ts';
import { startKserveIrisModel } from './demo-kserve.ts';
import { startJsonService, type DemoService } from './demo-service.ts';

export { IRIS_CLASSES, MAX_IRIS_INSTANCES, parseIrisRequest, predictIris } from './demo-iris.ts';
export type { DemoService } from './demo-service.ts';

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

export const CHURN_CONTRACTS = ['month-to-month', 'one-year', 'two-year'] as const;
export type ChurnContract = (typeof CHURN_CONTRACTS)[number];

export interface ChurnFeatures {
  tenure_months: number;
  monthly_charges: number;
  support_calls: number;
  contract: ChurnContract;
}

export interface ChurnWeights {
  bias: number;
  tenure_months: number;
  monthly_charges: number;
  support_calls: number;
  contract: Record<ChurnContract, number>;
}

// A logistic regression: longer tenure and longer contracts keep customers, high bills and
// many support calls lose them.
export const CHURN_V1: ChurnWeights = {
  bias: -1.0,
  tenure_months: -0.08,
  monthly_charges: 0.03,
  support_calls: 0.45,
  contract: { 'month-to-month': 0.9, 'one-year': -0.6, 'two-year': -1.5 },
};
/** The same features refitted: close to v1, so a shadow comparison mostly agrees on the label. */
export const CHURN_V2: ChurnWeights = {
  bias: -1.2,
  tenure_months: -0.07,
  monthly_charges: 0.032,
  support_calls: 0.5,
  contract: { 'month-to-month': 1.0, 'one-year': -0.5, 'two-year': -1.6 },
};
export const CHURN_THRESHOLD = 0.5;

/** Churn probability, rounded to 4 decimals, and the label it implies at the 0.5 threshold. */
export function scoreChurn(features: ChurnFeatures, weights: ChurnWeights = CHURN_V1): { score: number; label: 'churn' | 'stay' } {
  const z =
    weights.bias +
    weights.tenure_months * features.tenure_months +
    weights.monthly_charges * features.monthly_charges +
    weights.support_calls * features.support_calls +
    weights.contract[features.contract];
  const score = 1 / (1 + Math.exp(-z));
  return { score: round(score, 4), label: score >= CHURN_THRESHOLD ? 'churn' : 'stay' };
}

export function parseChurnRequest(json: unknown): { features: ChurnFeatures } | { error: string } {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { error: 'body: expected an object with a "features" object' };
  }
  const features = (json as Record<string, unknown>).features;
  if (typeof features !== 'object' || features === null || Array.isArray(features)) {
    return { error: 'features: expected an object' };
  }
  const f = features as Record<string, unknown>;
  for (const name of ['tenure_months', 'monthly_charges', 'support_calls'] as const) {
    const value = f[name];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      return { error: `features.${name}: expected a non-negative number` };
    }
  }
  if (!Number.isInteger(f.support_calls)) return { error: 'features.support_calls: expected an integer' };
  if (!CHURN_CONTRACTS.includes(f.contract as ChurnContract)) {
    return { error: `features.contract: expected one of ${CHURN_CONTRACTS.join(', ')}` };
  }
  return { features: f as unknown as ChurnFeatures };
}

/** The `data` B would send to each demo model: the curls `npm start` prints use these. */
export const DEMO_EXAMPLES = {
  iris: { instances: [[5.1, 3.5, 1.4, 0.2]] },
  churn: { features: { tenure_months: 3, monthly_charges: 89.5, support_calls: 4, contract: 'month-to-month' } },
  'iris-kserve': { instances: [[5.1, 3.5, 1.4, 0.2], [6.3, 3.3, 6.0, 2.5]] },
  fraud: { transaction: { amount: 912.4, country: 'XA', card_present: false } },
} as const;

export type DemoPorts = { [K in DemoKey]: number };

/** 9101 to 9105: the ports local/parameters.json names (demo-addresses.ts). */
export const DEFAULT_DEMO_PORTS: Readonly<DemoPorts> = Object.fromEntries(DEMO_KEYS.map((key) => [key, DEMO_ADDRESSES[key].port])) as DemoPorts;

/** Every demo on a free port: for tests and benchmarks that must not take the default ports. */
export const EPHEMERAL_DEMO_PORTS: DemoPorts = { iris: 0, churn: 0, irisKserve: 0, fraud: 0, churnV2: 0 };

/** TF Serving's model metadata for the iris demo (GET /v1/models/iris/metadata): one signature, one [-1, 4] float input. */
export const IRIS_METADATA = {
  '/v1/models/iris/metadata': {
    model_spec: { name: 'iris', signature_name: '', version: '1' },
    metadata: {
      signature_def: {
        signature_def: {
          serving_default: {
            inputs: { instances: { dtype: 'DT_FLOAT', tensor_shape: { dim: [{ size: '-1', name: '' }, { size: '4', name: '' }], unknown_rank: false }, name: 'serving_default_instances:0' } },
            outputs: { predictions: { dtype: 'DT_FLOAT', tensor_shape: { dim: [{ size: '-1', name: '' }, { size: '3', name: '' }], unknown_rank: false }, name: 'StatefulPartitionedCall:0' } },
            method_name: 'tensorflow/serving/predict',
          },
        },
      },
    },
  },
} as const;

export function startIrisModel(options: { port?: number } = {}): Promise<DemoService> {
  return startJsonService({
    name: DEMO_ADDRESSES.iris.name,
    path: DEMO_ADDRESSES.iris.path,
    port: options.port ?? DEMO_ADDRESSES.iris.port,
    errorBody: (message) => ({ error: message }),
    metadata: IRIS_METADATA,
    predict(json) {
      const parsed = parseIrisRequest(json);
      if ('error' in parsed) return { status: 400, body: { error: parsed.error } };
      return { status: 200, body: { predictions: predictIris(parsed.instances) } };
    },
  });
}

function startChurnService(key: 'churn' | 'churnV2', port: number | undefined, weights: ChurnWeights): Promise<DemoService> {
  const address = DEMO_ADDRESSES[key];
  return startJsonService({
    name: address.name,
    parameter: address.parameter,
    path: address.path,
    port: port ?? address.port,
    errorBody: (message) => ({ detail: message }),
    predict(json) {
      const parsed = parseChurnRequest(json);
      if ('error' in parsed) return { status: 400, body: { detail: parsed.error } };
      return { status: 200, body: scoreChurn(parsed.features, weights) };
    },
  });
}

export function startChurnModel(options: { port?: number } = {}): Promise<DemoService> {
  return startChurnService('churn', options.port, CHURN_V1);
}

/** churn's variant v2: `{prefix}/models/churn/variants/v2/endpoint`. */
export function startChurnV2Model(options: { port?: number } = {}): Promise<DemoService> {
  return startChurnService('churnV2', options.port, CHURN_V2);
}

export interface DemoModels {
  services: DemoService[];
  close(): Promise<void>;
}

/** How each demo service starts, in the order startDemoModels lists them. */
export const DEMO_STARTERS: Readonly<Record<DemoKey, (options: { port?: number }) => Promise<DemoService>>> = {
  iris: startIrisModel,
  churn: startChurnModel,
  irisKserve: startKserveIrisModel,
  fraud: startFraudModel,
  churnV2: startChurnV2Model,
};

/**
 * Starts every demo service (a port left out is its default), each through `start` when given
 * (local/start.ts retries a taken default port there); if one cannot start, closes the others
 * and rethrows.
 */
export async function startDemoModels(
  ports: Partial<DemoPorts> = {},
  start: (key: DemoKey, port: number) => Promise<DemoService> = (key, port) => DEMO_STARTERS[key]({ port }),
): Promise<DemoModels> {
  const started = await Promise.allSettled(DEMO_KEYS.map((key) => start(key, ports[key] ?? DEFAULT_DEMO_PORTS[key])));
  const services = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  const close = async (): Promise<void> => {
    await Promise.all(services.map((s) => s.close()));
  };
  if (failed) {
    await close();
    throw failed.reason;
  }
  return { services, close };
}
