// From a model's 2xx answer to B's `result` (docs/contract.md, "Model configuration"): `errorWhen`
// may turn it into 502, the response mapping may reshape it, and without either the model's
// text is spliced verbatim. Also the `details` a model's 4xx may lend B's 422.
import { AdapterError } from '../contract/errors.ts';
import { parseExact, parseLossless, scanJson, singleJsonText } from '../contract/json-text.ts';
import type { ModelConfig } from '../config/model-config.ts';
import { isTruthy } from '../mapping/expression.ts';
import { applyMapping, budgetExceeded } from '../mapping/mapping.ts';
import { ruledFailure } from './error-rules.ts';
import type { MappingInput } from './mapping-input.ts';

/** The cause of the 502 when `errorWhen` holds: its class is what the log line shows. */
export class ErrorWhenMatched extends Error {
  override name = 'ErrorWhenMatched';
}

/** The cause of the 502 when the response mapping (or the errorWhen rule) cannot be applied. */
export class ResponseMappingFailed extends Error {
  override name = 'ResponseMappingFailed';
}

/** MAX_JSON_DEPTH's default, for callers without settings (the offline CLI). */
const DEFAULT_MAX_JSON_DEPTH = 64;

/** 502 UPSTREAM_BAD_RESPONSE for a failed errorWhen or response mapping; an exhausted budget is its own errorClass. */
function badResponse(what: string, failure: unknown): AdapterError {
  return new AdapterError('UPSTREAM_BAD_RESPONSE', { cause: budgetExceeded(failure) ?? new ResponseMappingFailed(what, { cause: failure }) });
}

/**
 * B's `result` as JSON text; `modelJson` is the model's validated answer. An answer that
 * errorWhen or the response mapping has to read may be nested at most `maxJsonDepth` deep
 * (MAX_JSON_DEPTH, as for B's data): deeper is 502, before anything walks it.
 */
export function resultText(config: ModelConfig | undefined, modelJson: string, request: MappingInput, maxJsonDepth = DEFAULT_MAX_JSON_DEPTH): string {
  if (!config?.errorWhen && !config?.response) return modelJson;
  const scan = scanJson(modelJson, maxJsonDepth);
  if (scan.depthExceeded) throw new AdapterError('UPSTREAM_BAD_RESPONSE', { cause: new ResponseMappingFailed('answer nested too deeply') });
  const answer = scan.hasInexactNumber ? parseLossless(modelJson) : JSON.parse(modelJson);
  if (config.errorWhen) {
    let holds: boolean;
    try {
      holds = isTruthy(config.errorWhen.evaluate(answer));
    } catch (error) {
      throw badResponse('errorWhen failed', error);
    }
    if (holds) throw new AdapterError('UPSTREAM_ERROR', { cause: new ErrorWhenMatched('errorWhen holds') });
  }
  if (!config.response) return modelJson;
  const outcome = applyMapping(config.response, { request, response: answer });
  if (!outcome.ok) throw badResponse('response mapping failed', outcome.cause);
  return JSON.stringify(outcome.value);
}

export const MAX_DETAILS_BYTES = 1024;

/** At most `max` bytes of UTF-8, cut between characters. */
export function truncateUtf8(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (bytes + size > max) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end);
}

/**
 * The model's message for `error.details`: its body's text, or what `message` picks out of a
 * JSON body (a string as it is, anything else as JSON). Nothing when there is nothing to show.
 */
export function rejectionDetails(config: ModelConfig, body: string): string | undefined {
  const expose = config.exposeUpstreamErrors;
  if (!expose) return undefined;
  let message: string | undefined = body.trim();
  // `true` on a model with a preset: the preset's pick of its protocol's message, when the body is JSON.
  const pick = expose.message ?? (config.errors?.message && singleJsonText(body) !== undefined ? config.errors.message : undefined);
  if (pick) {
    try {
      const picked = pick.evaluate(parseExact(body));
      message = typeof picked === 'string' ? picked : picked === null || picked === undefined ? undefined : JSON.stringify(picked);
    } catch {
      message = undefined;
    }
  }
  return message ? truncateUtf8(message, MAX_DETAILS_BYTES) : undefined;
}

/**
 * What a model's config reads in its failures' bodies (upstream/call-model.ts keeps them only
 * when asked): the error rules' statuses, and a 4xx B receives as 422 when its message may be
 * shown. The error B gets is the first rule's that holds, else the status's, with `details` on
 * a 422 as exposeUpstreamErrors allows.
 */
export function failureBody(config: ModelConfig) {
  const rules = config.errors;
  const describe = config.exposeUpstreamErrors ? (body: string) => rejectionDetails(config, body) : undefined;
  return {
    keep: (status: number, code: string): boolean => (rules?.statuses.has(status) ?? false) || (describe !== undefined && code === 'MODEL_REJECTED_INPUT'),
    explain: (failure: AdapterError, body: string, retryAfter: number | undefined): AdapterError => ruledFailure(rules, failure, body, retryAfter, describe),
  };
}
