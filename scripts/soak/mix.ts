// What the soak sends, what the contract says each request must get, and the check of every
// answer: good requests, B's mistakes and faulty models, in one sequence that each autocannon
// connection loops over.
import { DEMO_EXAMPLES } from '../../local/demo-models.ts';
import { CONTRACT_ERRORS, JSON_UTF8 } from '../../test/support/catalogue.ts';
import { FAULT_SECRET } from './fault-models.ts';

/** Secrets in B's requests: never in an answer, never in the adapter's lines. */
export const B_SECRETS = { data: 'soak-b-data-secret-91c2', apiKey: 'soak-api-key-secret-5d0e', tag: 'soak-tag-é-😀-4b7f' };

export interface Kind {
  name: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** 'OK' or the contract's error code. */
  expected: string;
  /** The userTag B must get back (the echo rule): the one sent once valid, else null. */
  echo: string | null;
  /** The shape of a 200. */
  success?: 'predict' | 'list' | 'ensemble';
}

const HEADERS = { 'content-type': 'application/json', 'x-api-key': B_SECRETS.apiKey, authorization: `Bearer ${B_SECRETS.apiKey}` };
const TAG = B_SECRETS.tag;
const envelope = (data: unknown, tag: unknown = TAG): string => JSON.stringify({ userTag: tag, data });
const predict = (model: string, expected: string, data: unknown = { k: B_SECRETS.data }): Kind => ({
  name: model,
  method: 'POST',
  path: `/v1/models/${model}/predict`,
  headers: HEADERS,
  body: envelope(data),
  expected,
  echo: TAG,
  ...(expected === 'OK' ? { success: 'predict' as const } : {}),
});

/** MAX_REQUEST_BYTES the soak gives the adapter: small, so that a 413 costs little. */
export const SOAK_MAX_REQUEST_BYTES = 16_384;

export const KINDS: readonly Kind[] = [
  // Good requests.
  { ...predict('iris', 'OK', DEMO_EXAMPLES.iris), name: 'iris' },
  { ...predict('churn', 'OK', DEMO_EXAMPLES.churn), name: 'churn' },
  { name: 'list', method: 'GET', path: '/v1/models', headers: { 'x-api-key': B_SECRETS.apiKey }, expected: 'OK', echo: null, success: 'list' },
  // Models onboarded with a config (mappings, errorWhen), a variant chosen by header, an ensemble.
  { ...predict('iris-kserve', 'OK', DEMO_EXAMPLES['iris-kserve']), name: 'iris-kserve' },
  { ...predict('fraud', 'OK', DEMO_EXAMPLES.fraud), name: 'fraud' },
  { ...predict('iris', 'OK', DEMO_EXAMPLES.iris), name: 'iris-variant', headers: { ...HEADERS, 'x-model-variant': 'green' } },
  // churn's v2 is its shadow: never B's to name (docs/contract.md).
  { ...predict('churn', 'UNKNOWN_MODEL', DEMO_EXAMPLES.churn), name: 'shadow-variant', headers: { ...HEADERS, 'x-model-variant': 'v2' } },
  { ...predict('churn', 'UNKNOWN_MODEL', DEMO_EXAMPLES.churn), name: 'unknown-variant', headers: { ...HEADERS, 'x-model-variant': 'nope' } },
  {
    name: 'ensemble',
    method: 'POST',
    path: '/v1/ensembles/iris-all/predict',
    headers: HEADERS,
    body: envelope(DEMO_EXAMPLES.iris),
    expected: 'OK',
    echo: TAG,
    success: 'ensemble',
  },
  // B's mistakes.
  { ...predict('iris', 'INVALID_JSON'), name: 'invalid-json', body: `{"userTag":"${TAG}","data":{"k":"${B_SECRETS.data}"`, echo: null },
  { ...predict('iris', 'INVALID_REQUEST'), name: 'bad-tag', body: envelope({ k: B_SECRETS.data }, `bad\u0001${TAG}`), echo: null },
  { ...predict('iris', 'INVALID_REQUEST', [B_SECRETS.data]), name: 'data-array' },
  { ...predict('iris', 'INVALID_REQUEST'), name: 'too-deep', body: envelope({ a: JSON.parse(`${'['.repeat(80)}"${B_SECRETS.data}"${']'.repeat(80)}`) }), echo: null },
  { ...predict('iris', 'PAYLOAD_TOO_LARGE', { k: B_SECRETS.data, pad: 'x'.repeat(SOAK_MAX_REQUEST_BYTES) }), name: 'too-large', echo: null },
  { ...predict('iris', 'UNSUPPORTED_MEDIA_TYPE'), name: 'text-plain', headers: { ...HEADERS, 'content-type': 'text/plain' }, echo: null },
  { ...predict('no-such-model', 'UNKNOWN_MODEL'), name: 'unknown-model' },
  { ...predict('..%2Fadmin', 'UNKNOWN_MODEL'), name: 'traversal' },
  { name: 'wrong-method', method: 'DELETE', path: '/v1/models/iris/predict', headers: HEADERS, expected: 'METHOD_NOT_ALLOWED', echo: null },
  { name: 'no-route', method: 'POST', path: '/v2/anything', headers: HEADERS, body: envelope({}), expected: 'NOT_FOUND', echo: null },
  // Faulty models (fault-models.ts), and two endpoints the configuration itself refuses or cannot reach.
  predict('slow', 'UPSTREAM_TIMEOUT'),
  predict('broken', 'UPSTREAM_ERROR'),
  predict('garbage', 'UPSTREAM_BAD_RESPONSE'),
  predict('oversized', 'UPSTREAM_BAD_RESPONSE'),
  predict('rejecting', 'MODEL_REJECTED_INPUT'),
  predict('throttled', 'UPSTREAM_UNAVAILABLE'),
  predict('resetting', 'UPSTREAM_UNAVAILABLE'),
  predict('redirecting', 'UPSTREAM_BAD_RESPONSE'),
  predict('stale', 'OK'),
  predict('refused', 'UPSTREAM_UNAVAILABLE'),
  predict('metadata', 'CONFIG_UNAVAILABLE'),
];

/** Text that must never be in an answer to B. */
const LEAKS = [FAULT_SECRET, B_SECRETS.data, B_SECRETS.apiKey, '127.0.0.1', '169.254', 'localhost', '/contract-adapter/', 'Traceback', ' at '];

export interface Verdict {
  outcome: string;
  /** Set when the answer is outside the contract: the rule it breaks. */
  violation?: string;
}

const keys = (value: object): string => Object.keys(value).sort().join(',');

/** Checks one answer against the contract and the echo rule; the outcome is 'OK' or the error code. */
export function judge(kind: Kind, status: number, body: string, headers: Record<string, unknown>): Verdict {
  const header = (name: string): string | undefined => {
    const found = Object.entries(headers).find(([key]) => key.toLowerCase() === name);
    return found === undefined ? undefined : String(found[1]);
  };
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return { outcome: `HTTP ${status}`, violation: `not JSON: ${body.slice(0, 120)}` };
  }
  for (const leak of LEAKS) if (body.includes(leak)) return { outcome: `HTTP ${status}`, violation: `leaks ${JSON.stringify(leak)}` };
  if (header('content-type') !== JSON_UTF8) return { outcome: `HTTP ${status}`, violation: `content-type ${header('content-type')}` };

  if (status === 200) {
    if (kind.success === 'list') {
      // GET /v1/models: {"models": [names], "variants": {model: [names]}, "ensembles": [names]}.
      const names = (value: unknown): boolean => Array.isArray(value) && value.every((m) => typeof m === 'string');
      const variants = parsed.variants as Record<string, unknown> | null;
      const ok =
        keys(parsed) === 'ensembles,models,variants' &&
        names(parsed.models) &&
        names(parsed.ensembles) &&
        typeof variants === 'object' &&
        variants !== null &&
        Object.values(variants).every(names);
      return ok ? { outcome: 'OK' } : { outcome: 'OK', violation: `list shape ${body.slice(0, 120)}` };
    }
    const shape = kind.success === 'ensemble' ? 'errors,partial,result,userTag' : 'result,userTag';
    if (keys(parsed) !== shape) return { outcome: 'OK', violation: `success shape ${body.slice(0, 120)}` };
    if (kind.success === 'ensemble' && parsed.partial !== false) return { outcome: 'OK', violation: `ensemble partial ${body.slice(0, 120)}` };
    if (parsed.userTag !== kind.echo || !body.startsWith(`{"userTag":${JSON.stringify(kind.echo)},"result":`)) {
      return { outcome: 'OK', violation: 'userTag not echoed byte-exact' };
    }
    return { outcome: 'OK' };
  }

  const error = parsed.error as Record<string, unknown> | undefined;
  if (keys(parsed) !== 'error,userTag' || typeof error !== 'object' || error === null) {
    return { outcome: `HTTP ${status}`, violation: `error shape ${body.slice(0, 120)}` };
  }
  const code = String(error.code);
  if (CONTRACT_ERRORS[code] !== status) return { outcome: code, violation: `status ${status} for ${code}` };
  if (typeof error.message !== 'string' || typeof error.requestId !== 'string' || error.requestId === '' || typeof error.retryable !== 'boolean') {
    return { outcome: code, violation: `error fields ${body.slice(0, 160)}` };
  }
  for (const key of Object.keys(error)) {
    if (!['code', 'message', 'requestId', 'retryable', 'upstreamStatus'].includes(key)) return { outcome: code, violation: `error key ${key}` };
  }
  const expectedTag = code === kind.expected ? kind.echo : parsed.userTag;
  if (parsed.userTag !== expectedTag || (parsed.userTag !== null && parsed.userTag !== TAG)) return { outcome: code, violation: 'echo rule' };
  if (status === 503) {
    const retryAfter = Number(header('retry-after'));
    if (!Number.isInteger(retryAfter) || retryAfter < 1 || retryAfter > 30) return { outcome: code, violation: `Retry-After ${header('retry-after')}` };
  }
  return { outcome: code };
}
