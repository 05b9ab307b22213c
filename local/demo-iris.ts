// The iris classifier behind two demo services in different native formats: TF-Serving style
// (demo-models.ts, `iris`) and KServe v2 (demo-kserve.ts, `iris-kserve`).

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
