// Which request bodies the adapter reads: JSON media types in UTF-8, unencoded.

// The same media types as @middy/http-json-body-parser accepts, so the two never disagree.
const JSON_MEDIA_TYPE = /^application\/(?:[a-z0-9.+-]+\+)?json$/i;

/** True for `application/json` and `application/<x>+json`, with no charset or a UTF-8 one. */
export function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined) return false;
  const [mediaType = '', ...parameters] = value.split(';');
  if (!JSON_MEDIA_TYPE.test(mediaType)) return false;
  for (const parameter of parameters) {
    const separator = parameter.indexOf('=');
    if (separator < 0) continue;
    const name = parameter.slice(0, separator).trim().toLowerCase();
    if (name !== 'charset') continue;
    const charset = parameter.slice(separator + 1).trim().replace(/^"(.*)"$/, '$1').toLowerCase();
    if (charset !== 'utf-8') return false;
  }
  return true;
}

/** B's bodies are never inflated: any Content-Encoding but identity is refused. */
export function isIdentityEncoding(value: string | undefined): boolean {
  return value === undefined || value.trim() === '' || value.trim().toLowerCase() === 'identity';
}
