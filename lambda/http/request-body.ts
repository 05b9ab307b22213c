// B's body, from the raw event to a validated envelope. Around @middy/http-json-body-parser,
// which does the parsing and refuses __proto__ keys, go the checks it does not make:
// before it, Content-Encoding and charset (415), the size cap before any decoding (413), strict
// base64 and UTF-8 (400 INVALID_JSON where Middy would substitute U+FFFD) and the depth limit;
// after it, numbers kept exactly and the envelope rules.
import httpJsonBodyParser from '@middy/http-json-body-parser';
import { isIdentityEncoding, isJsonContentType } from '../contract/content-type.ts';
import { readEnvelope, validUserTag, type Envelope } from '../contract/envelope.ts';
import { AdapterError, invalidRequest, toAdapterError } from '../contract/errors.ts';
import { parseLossless, scanJson, type JsonScan } from '../contract/json-text.ts';
import type { HttpRequest } from './event.ts';

export interface RequestBodyOptions {
  maxRequestBytes: number;
  maxJsonDepth: number;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The body as text, refusing what is too big or not UTF-8 before any parsing. */
export function bodyText(http: HttpRequest, maxBytes: number): string {
  const body = http.body;
  if (body === undefined || body === '') throw new AdapterError('INVALID_JSON');
  if (http.isBase64Encoded) {
    const padding = body.endsWith('==') ? 2 : body.endsWith('=') ? 1 : 0;
    if (Math.floor((body.length * 3) / 4) - padding > maxBytes) throw new AdapterError('PAYLOAD_TOO_LARGE');
    if (!BASE64.test(body)) throw new AdapterError('INVALID_JSON');
    const bytes = Buffer.from(body, 'base64');
    if (bytes.length > maxBytes) throw new AdapterError('PAYLOAD_TOO_LARGE');
    try {
      return utf8.decode(bytes);
    } catch {
      throw new AdapterError('INVALID_JSON');
    }
  }
  // A UTF-16 code unit is 1 to 3 UTF-8 bytes: measure only when the length leaves a doubt.
  if (body.length > maxBytes || (body.length * 3 > maxBytes && Buffer.byteLength(body, 'utf8') > maxBytes)) {
    throw new AdapterError('PAYLOAD_TOO_LARGE');
  }
  if (!body.isWellFormed()) throw new AdapterError('INVALID_JSON');
  return body;
}

/**
 * Middy's parser refuses `__proto__` and `constructor.prototype` keys through a JSON.parse
 * reviver, which makes every parse several times slower. A key can only be one of those if the
 * text spells it out or uses a `\u` escape; any other body gets the same answer from JSON.parse.
 */
const mayHoldForbiddenKey = (text: string): boolean =>
  text.includes('__proto__') || text.includes('constructor') || text.includes('\\u');

/** Middy's parser signals with HTTP errors; these become the contract's codes. */
function fromParserError(error: unknown): AdapterError {
  const { statusCode, message } = error as { statusCode?: number; message?: string };
  if (statusCode === 415) return new AdapterError('UNSUPPORTED_MEDIA_TYPE', { cause: error });
  if (statusCode === 422 && message === 'Forbidden key in JSON body') {
    return new AdapterError('INVALID_REQUEST', {
      detail: 'The body must not contain __proto__ or constructor.prototype keys.',
      cause: error,
    });
  }
  return new AdapterError('INVALID_JSON', { cause: error });
}

const parser = httpJsonBodyParser();

/** Middy's parser on a text already decoded, with the lower-cased headers it expects. */
function parseWithMiddy(text: string, headers: Map<string, string>): unknown {
  const request = { event: { body: text as unknown, isBase64Encoded: false, headers: Object.fromEntries(headers) } };
  try {
    parser.before?.(request as never);
  } catch (error) {
    throw fromParserError(error);
  }
  return request.event.body;
}

/** B's body read and checked, or the error with the userTag it may echo (the echo rule). */
export type BodyOutcome = { ok: true; envelope: Envelope } | { ok: false; error: AdapterError; userTag: string | null };

export function readBody(http: HttpRequest, options: RequestBodyOptions): BodyOutcome {
  let parsed: unknown;
  try {
    if (!isIdentityEncoding(http.headers.get('content-encoding')) || !isJsonContentType(http.headers.get('content-type'))) {
      throw new AdapterError('UNSUPPORTED_MEDIA_TYPE');
    }
    const text = bodyText(http, options.maxRequestBytes);
    // The envelope object adds one level above `data`.
    const scan: JsonScan = scanJson(text, options.maxJsonDepth + 1);
    if (scan.depthExceeded) throw invalidRequest(`data must not be nested deeper than ${options.maxJsonDepth} levels.`);
    if (mayHoldForbiddenKey(text)) parsed = parseWithMiddy(text, http.headers);
    else {
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        throw new AdapterError('INVALID_JSON', { cause: error });
      }
    }
    if (scan.hasInexactNumber) parsed = parseLossless(text);
  } catch (error) {
    return { ok: false, error: toAdapterError(error), userTag: null };
  }
  try {
    return { ok: true, envelope: readEnvelope(parsed) };
  } catch (error) {
    return { ok: false, error: toAdapterError(error), userTag: validUserTag(parsed) };
  }
}
