// From a model's 2xx answer to B's `result` (docs/contract.md, "Model configuration"): `errorWhen`
// may turn it into 502, the response mapping may reshape it, and without either the model's
// text is spliced verbatim. Also the `details` a model's 4xx may lend B's 422.
import { AdapterError } from '../contract/errors.ts';
import { parseExact, parseLossless, scanJson } from '../contract/json-text.ts';
import type { ModelConfig } from '../config/model-config.ts';
import { isTruthy } from '../mapping/expression.ts';
import { applyMapping, budgetExceeded } from '../mapping/mapping.ts';
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
  if (expose.message) {
    try {
      const picked = expose.message.evaluate(parseExact(body));
      message = typeof picked === 'string' ? picked : picked === null || picked === undefined ? undefined : JSON.stringify(picked);
    } catch {
      message = undefined;
    }
  }
  return message ? truncateUtf8(message, MAX_DETAILS_BYTES) : undefined;
}
