// Two demo prediction services for local runs, each with its own native JSON, the way A's
// models differ from one another:
// - iris, TF-Serving style: POST /v1/models/iris:predict {"instances": [[4 floats], ...]}
//   -> {"predictions": [[p_setosa, p_versicolor, p_virginica], ...]}; errors {"error": "..."}.
// - churn, a plain JSON API: POST /predict {"features": {...}} -> {"score": p, "label": "..."};
//   errors {"detail": "..."}.
// Both compute real answers from fixed weights, so a result can be checked against its input.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const IRIS_CLASSES = ['setosa', 'versicolor', 'virginica'] as const;

// A multinomial logistic regression over (sepal length, sepal width, petal length, petal
// width) in cm, with weights close to what scikit-learn fits on Fisher's iris data.
const IRIS_WEIGHTS: readonly (readonly number[])[] = [
  [-0.42, 0.97, -2.4, -1.03],
  [0.53, -0.32, -0.21, -0.94],
  [-0.11, -0.65, 2.61, 1.97],
];
const IRIS_BIAS: readonly number[] = [9.85, 2.23, -12.08];

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

/** Class probabilities (softmax), rounded to 6 decimals, one row per instance. */
export function predictIris(instances: readonly (readonly number[])[]): number[][] {
  return instances.map((x) => {
    const logits = IRIS_WEIGHTS.map((w, k) => w.reduce((sum, wi, i) => sum + wi * (x[i] ?? 0), IRIS_BIAS[k] ?? 0));
    const max = Math.max(...logits);
    const exps = logits.map((z) => Math.exp(z - max));
    const total = exps.reduce((a, b) => a + b, 0);
    return exps.map((e) => round(e / total, 6));
  });
}

export const MAX_IRIS_INSTANCES = 1000;

/** The instances of a valid request, or the reason it is not one. */
export function parseIrisRequest(json: unknown): { instances: number[][] } | { error: string } {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { error: 'The request body must be a JSON object with an "instances" member.' };
  }
  const instances = (json as Record<string, unknown>).instances;
  if (!Array.isArray(instances) || instances.length === 0) {
    return { error: '"instances" must be a non-empty list of [sepal_length, sepal_width, petal_length, petal_width].' };
  }
  if (instances.length > MAX_IRIS_INSTANCES) {
    return { error: `"instances" may hold at most ${MAX_IRIS_INSTANCES} rows.` };
  }
  for (const [i, row] of instances.entries()) {
    if (!Array.isArray(row) || row.length !== 4 || !row.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      return { error: `instances[${i}] must be a list of 4 numbers, got ${JSON.stringify(row)?.slice(0, 80)}.` };
    }
  }
  return { instances: instances as number[][] };
}

export const CHURN_CONTRACTS = ['month-to-month', 'one-year', 'two-year'] as const;
export type ChurnContract = (typeof CHURN_CONTRACTS)[number];

export interface ChurnFeatures {
  tenure_months: number;
  monthly_charges: number;
  support_calls: number;
  contract: ChurnContract;
}

// A logistic regression: longer tenure and longer contracts keep customers, high bills and
// many support calls lose them.
const CHURN_BIAS = -1.0;
const CHURN_WEIGHTS = { tenure_months: -0.08, monthly_charges: 0.03, support_calls: 0.45 };
const CHURN_CONTRACT_WEIGHTS: Record<ChurnContract, number> = {
  'month-to-month': 0.9,
  'one-year': -0.6,
  'two-year': -1.5,
};
export const CHURN_THRESHOLD = 0.5;

/** Churn probability, rounded to 4 decimals, and the label it implies at the 0.5 threshold. */
export function scoreChurn(features: ChurnFeatures): { score: number; label: 'churn' | 'stay' } {
  const z =
    CHURN_BIAS +
    CHURN_WEIGHTS.tenure_months * features.tenure_months +
    CHURN_WEIGHTS.monthly_charges * features.monthly_charges +
    CHURN_WEIGHTS.support_calls * features.support_calls +
    CHURN_CONTRACT_WEIGHTS[features.contract];
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
} as const;

export const DEFAULT_DEMO_PORTS = { iris: 9101, churn: 9102 } as const;

export interface DemoService {
  name: string;
  /** The full URL to POST predictions to: what the model's SSM endpoint parameter holds. */
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_DEMO_BODY_BYTES = 1024 * 1024;

interface JsonServiceSpec {
  name: string;
  path: string;
  port: number;
  errorBody: (message: string) => unknown;
  predict: (json: unknown) => { status: number; body: unknown };
}

async function startJsonService(spec: JsonServiceSpec): Promise<DemoService> {
  const send = (res: ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== spec.path) return send(res, 404, spec.errorBody(`No route for ${path}.`));
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return send(res, 405, spec.errorBody('Only POST is allowed.'));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    // Over the cap, keep draining (leaving the loop early would destroy the socket).
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size <= MAX_DEMO_BODY_BYTES) chunks.push(chunk as Buffer);
    }
    if (size > MAX_DEMO_BODY_BYTES) return send(res, 413, spec.errorBody('The request body is too large.'));
    let json: unknown;
    try {
      json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (error) {
      return send(res, 400, spec.errorBody(`Malformed JSON: ${(error as Error).message}`));
    }
    const answer = spec.predict(json);
    send(res, answer.status, answer.body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(spec.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    name: spec.name,
    url: `http://127.0.0.1:${port}${spec.path}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export function startIrisModel(options: { port?: number } = {}): Promise<DemoService> {
  return startJsonService({
    name: 'iris',
    path: '/v1/models/iris:predict',
    port: options.port ?? DEFAULT_DEMO_PORTS.iris,
    errorBody: (message) => ({ error: message }),
    predict(json) {
      const parsed = parseIrisRequest(json);
      if ('error' in parsed) return { status: 400, body: { error: parsed.error } };
      return { status: 200, body: { predictions: predictIris(parsed.instances) } };
    },
  });
}

export function startChurnModel(options: { port?: number } = {}): Promise<DemoService> {
  return startJsonService({
    name: 'churn',
    path: '/predict',
    port: options.port ?? DEFAULT_DEMO_PORTS.churn,
    errorBody: (message) => ({ detail: message }),
    predict(json) {
      const parsed = parseChurnRequest(json);
      if ('error' in parsed) return { status: 400, body: { detail: parsed.error } };
      return { status: 200, body: scoreChurn(parsed.features) };
    },
  });
}

export interface DemoModels {
  services: DemoService[];
  close(): Promise<void>;
}

/** Starts every demo service; if one cannot start, closes the others and rethrows. */
export async function startDemoModels(ports: { iris?: number; churn?: number } = {}): Promise<DemoModels> {
  const started = await Promise.allSettled([
    startIrisModel(ports.iris === undefined ? {} : { port: ports.iris }),
    startChurnModel(ports.churn === undefined ? {} : { port: ports.churn }),
  ]);
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
