// The error presets, one per model-server protocol (docs/models.md, "Error rules"): rules
// derived from what real servers answered to bad input, recorded in
// shared/fixtures/model-servers/ (MLServer 1.7, KServe 0.20 V1 and V2, MLflow 3.6). Each rule
// names the recorded exchanges it matches (file: exchange name), and
// test/lambda/error-presets.test.ts replays every one of them through the handler. A preset's
// `message` is what `exposeUpstreamErrors: true` shows as details for that protocol's bodies.
//
// The scikit-learn and NumPy phrases below are the library's own input errors, which KServe
// passes on in a 500 `{"error": ...}`: they appear whatever the protocol, so both KServe presets
// carry all of them.
import type { ErrorRuleSpec } from './error-rules.ts';

export interface PresetRule extends ErrorRuleSpec {
  /** The recorded exchanges it matches, as `file: exchange name`; empty for a rule no recording shows. */
  readonly matches: readonly string[];
}

export interface Preset {
  readonly rules: readonly PresetRule[];
  /** Picks the model's message out of a JSON error body for `exposeUpstreamErrors: true`. */
  readonly message: string;
}

/**
 * scikit-learn's and NumPy's input errors, as KServe's model server answers them in either
 * protocol: 500 {"error": "..."}. Each names every KServe exchange it matches, V1 and V2.
 */
const SKLEARN_RULES: PresetRule[] = [
  {
    status: [500],
    json: "starts_with(error, 'X has ') && contains(error, ' features, but ')",
    outcome: 'MODEL_REJECTED_INPUT',
    matches: ['kserve.json: v1 bad: 5 features', 'kserve.json: v1 bad: huge row', 'kserve.json: v2 bad: 5 features', 'kserve.json: v2 bad: huge row'],
  },
  {
    status: [500],
    json: "starts_with(error, 'could not convert ')",
    outcome: 'MODEL_REJECTED_INPUT',
    matches: ['kserve.json: v2 bad: string feature'],
  },
  {
    status: [500],
    json: "starts_with(error, 'dtype=\\'numeric\\' is not compatible ')",
    outcome: 'MODEL_REJECTED_INPUT',
    matches: ['kserve.json: v1 bad: string feature', 'kserve.json: v1 bad: numeric strings'],
  },
  {
    status: [500],
    json: "starts_with(error, 'Expected 2D array, got ')",
    outcome: 'MODEL_REJECTED_INPUT',
    matches: ['kserve.json: v1 bad: empty instances', 'kserve.json: v1 bad: JSON null', 'kserve.json: v1 bad: JSON array', 'kserve.json: v1 bad: text/plain'],
  },
  {
    status: [500],
    json: "starts_with(error, 'Found array with 0 sample')",
    outcome: 'MODEL_REJECTED_INPUT',
    matches: ['kserve.json: v2 bad: empty data'],
  },
  {
    status: [500],
    json: "starts_with(error, 'setting an array element with a sequence')",
    outcome: 'MODEL_REJECTED_INPUT',
    matches: ['kserve.json: v1 bad: ragged rows'],
  },
  {
    status: [500],
    json: "starts_with(error, 'cannot reshape array of size ')",
    outcome: 'MODEL_REJECTED_INPUT',
    matches: ['kserve.json: v2 bad: shape disagrees with data'],
  },
];

export const PRESETS = {
  // KServe's Open Inference Protocol endpoint (POST /v2/models/{name}/infer).
  'kserve-v2': {
    message: 'error || detail[0].msg',
    rules: [
      ...SKLEARN_RULES,
      {
        status: [500],
        json: "starts_with(error, 'invalid datatype ')",
        outcome: 'MODEL_REJECTED_INPUT',
        matches: ['kserve.json: v2 bad: unknown datatype'],
      },
    ],
  },
  // KServe's V1 protocol (POST /v1/models/{name}:predict, {"instances": [...]}).
  'kserve-v1': {
    message: 'error',
    rules: [
      ...SKLEARN_RULES,
      {
        // The KeyError of a body without "instances", which KServe answers as its quoted key.
        status: [500],
        json: "error == '\\'instances\\''",
        outcome: 'MODEL_REJECTED_INPUT',
        matches: ['kserve.json: v1 bad: missing instances key', 'kserve.json: v1 bad: other key'],
      },
    ],
  },
  // MLServer answers every exception in a model's predict with Starlette's bare 500, the same
  // text for a row of the wrong width and for a real fault: not retryable (the same request
  // gets the same answer), but not 422 either, since nothing says it is about the input.
  mlserver: {
    message: 'error || detail[0].msg',
    rules: [
      {
        status: [500],
        text: 'Internal Server Error',
        outcome: { code: 'UPSTREAM_ERROR', retryable: false },
        matches: [
          'mlserver.json: v2 bad: 5 features',
          'mlserver.json: v2 bad: string feature',
          'mlserver.json: v2 bad: empty data',
          'mlserver.json: v2 bad: BYTES datatype',
          'mlserver.json: v2 bad: shape disagrees with data',
          'mlserver.json: v2 bad: huge row',
          // Starlette's bare 500, which MLflow's scoring server answers too (to a body without a content-type).
          'mlflow.json: bad: no content-type',
        ],
      },
    ],
  },
  // MLflow's scoring server answers input errors 400 with an MLflow error code: 422 by status
  // already. The rule states it; the preset's use is its message (the body also carries
  // `stack_trace`, which `message` leaves out).
  mlflow: {
    message: 'message',
    rules: [
      {
        status: [400],
        json: "error_code == 'INVALID_PARAMETER_VALUE' || error_code == 'BAD_REQUEST'",
        outcome: 'MODEL_REJECTED_INPUT',
        matches: [
          'mlflow.json: bad: 5 features (inputs)',
          'mlflow.json: bad: 5 features (instances)',
          'mlflow.json: bad: missing column',
          'mlflow.json: bad: string feature (dataframe_split)',
          'mlflow.json: bad: string feature (inputs)',
          'mlflow.json: bad: columns disagree with data',
          'mlflow.json: bad: missing key (empty object)',
          'mlflow.json: bad: unknown key',
          'mlflow.json: bad: empty inputs list',
          'mlflow.json: bad: empty instances list',
          'mlflow.json: bad: empty dataframe_split data',
          'mlflow.json: bad: not JSON',
          'mlflow.json: bad: JSON null',
          'mlflow.json: bad: JSON array',
          'mlflow.json: bad: huge row (inputs)',
        ],
      },
    ],
  },
  // TensorFlow Serving (not among the recordings): its REST API answers every error as
  // {"error": "..."}, an invalid argument as 400, so input errors are 422 by status already.
  'tf-serving': {
    message: 'error',
    rules: [{ status: [400], json: "type(error) == 'string'", outcome: 'MODEL_REJECTED_INPUT', matches: [] }],
  },
} as const satisfies Record<string, Preset>;

export type PresetName = keyof typeof PRESETS;

export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];
