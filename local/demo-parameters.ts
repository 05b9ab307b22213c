// What local/parameters.json holds for the demos: each demo service's endpoint, the configs
// that map B's envelope to the native formats that need it, churn's retrained variant as its
// shadow (compared, never returned), iris's `green` variant (B may name it), and an ensemble. `npm start` writes this when the file does not exist; a test keeps the
// file as committed (in git, not as a user may have edited it) equal to it, and the tests use
// this, never the file (docs/models.md walks through each entry).
import { DEFAULT_DEMO_ENDPOINTS } from './demo-addresses.ts';
import type { DemoService } from './demo-service.ts';
import { DEFAULT_PARAMETER_PREFIX } from './parameters-file.ts';

type ParameterValue = string | Record<string, unknown>;

/** The demo configs, by parameter name relative to the prefix. */
export const DEMO_CONFIGS: Readonly<Record<string, Record<string, unknown>>> = {
  // churn answers in B's terms already: only a shadow of its retrained variant, compared on the label.
  'models/churn/config': { variants: { shadow: { variant: 'v2', compare: 'label' } } },
  // KServe v2: B's TF-Serving-like rows become one flat FP32 tensor, and the flat answer is named.
  'models/iris-kserve/config': {
    timeoutMs: 2000,
    request: {
      expression: "{inputs: [{name: 'input-0', shape: [length(data.instances), `4`], datatype: 'FP32', data: data.instances[]}]}",
      required: ['data.instances'],
    },
    response: "{probabilities: response.outputs[0].data, shape: response.outputs[0].shape, classes: ['setosa', 'versicolor', 'virginica']}",
    exposeUpstreamErrors: { message: 'error' },
  },
  // A job API that reports failures in a 200: errorWhen turns them into B's 502.
  'models/fraud/config': {
    request: {
      expression: "{job: {type: 'fraud-score', inputs: data.transaction, submittedBy: userTag}}",
      required: ['data.transaction'],
    },
    response: '{risk: response.output.risk, decision: response.output.decision, jobId: response.jobId}',
    errorWhen: "status == 'FAILED'",
    exposeUpstreamErrors: { message: 'message' },
  },
  // The same flowers through both formats, answered together.
  'ensembles/iris-all': { members: ['iris', 'iris-kserve'], policy: 'all', deadlineMs: 2000 },
};

/** Variants that are a second name for a demo's own service: iris's `green`, which B may ask for by X-Model-Variant. */
const SAME_SERVICE_VARIANTS: Readonly<Record<string, string>> = { 'models/iris/variants/green/endpoint': 'models/iris/endpoint' };

/** The whole demo parameter set under `prefix`, pointing at `services`. */
export function demoParameters(prefix: string, services: readonly Pick<DemoService, 'parameter' | 'url'>[]): Record<string, ParameterValue> {
  const parameters: Record<string, ParameterValue> = {};
  for (const service of services) parameters[`${prefix}/${service.parameter}`] = service.url;
  for (const [variant, of] of Object.entries(SAME_SERVICE_VARIANTS)) {
    const service = services.find((s) => s.parameter === of);
    if (service) parameters[`${prefix}/${variant}`] = service.url;
  }
  for (const [name, value] of Object.entries(DEMO_CONFIGS)) parameters[`${prefix}/${name}`] = value;
  return parameters;
}

/** local/parameters.json as committed: the demo parameter set, the demos at their default addresses. */
export function defaultDemoParameters(prefix: string = DEFAULT_PARAMETER_PREFIX): Record<string, ParameterValue> {
  return demoParameters(prefix, DEFAULT_DEMO_ENDPOINTS);
}
