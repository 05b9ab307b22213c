// Which consumer a request came from: the owner of the API key API Gateway checked, by the key's
// id (docs/deploy.md, "Consumers"). It is the request line's `consumer` and a dimension of the
// request metrics. Names come only from CONSUMER_API_KEYS, which the stack writes from the
// `consumers` context; a key id it does not list and a request without one (local mode, a direct
// invoke) each get a fixed bucket, so the dimension has at most (consumers + 2) values whatever
// a request carries. The lookup is one Map.get per request.

/** A consumer's name as the `consumers` context and CONSUMER_API_KEYS take it. */
export const CONSUMER_NAME_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

/** A request that carried no API key id (local mode, a direct invocation, an HTTP API event). */
export const NO_API_KEY = '(none)';

/** A request whose API key id CONSUMER_API_KEYS does not list (a key made by hand, outside the stack). */
export const UNKNOWN_API_KEY = '(unknown)';

/** The consumer of a request, from its API key id. */
export type ConsumerOf = (apiKeyId: string | undefined) => string;

/**
 * CONSUMER_API_KEYS: a JSON object of API key id -> consumer name ('' or unset: no consumers).
 * Throws, saying what is wrong, on anything else.
 */
export function parseConsumerApiKeys(text: string | undefined): Map<string, string> {
  const keys = new Map<string, string>();
  if (text === undefined || text.trim() === '') return keys;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error('must be a JSON object of API key id -> consumer name');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('must be a JSON object of API key id -> consumer name');
  for (const [id, name] of Object.entries(parsed)) {
    if (id === '') throw new Error('has an empty API key id');
    if (typeof name !== 'string' || !CONSUMER_NAME_PATTERN.test(name)) {
      throw new Error(`gives API key ${JSON.stringify(id)} the consumer ${JSON.stringify(name)}, not a name matching ${CONSUMER_NAME_PATTERN.source}`);
    }
    keys.set(id, name);
  }
  return keys;
}

export function consumerResolver(keys: ReadonlyMap<string, string>): ConsumerOf {
  return (apiKeyId) => (apiKeyId === undefined ? NO_API_KEY : (keys.get(apiKeyId) ?? UNKNOWN_API_KEY));
}

/** Before the settings are read (and when they cannot be): every key is one nobody listed. */
export const noConsumers: ConsumerOf = consumerResolver(new Map());
