// A model endpoint as configured in SSM, checked once when the configuration is loaded, so that
// a bad value costs a 503 and never a socket.
import { isHostAllowed, type Allowlist } from './allowlist.ts';

export interface Endpoint {
  /** `http://host:port`, the key of the connection pool. */
  origin: string;
  /** Path and query sent to the model. */
  path: string;
  protocol: 'http:' | 'https:';
}

export type EndpointProblem = 'not-a-url' | 'scheme' | 'userinfo' | 'fragment' | 'host-not-allowed';

export type ParsedEndpoint = { ok: true; endpoint: Endpoint } | { ok: false; problem: EndpointProblem };

export function parseEndpoint(value: string, allowlist: Allowlist): ParsedEndpoint {
  if (!URL.canParse(value)) return { ok: false, problem: 'not-a-url' };
  const url = new URL(value);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, problem: 'scheme' };
  if (url.username !== '' || url.password !== '' || authorityHasAt(value)) return { ok: false, problem: 'userinfo' };
  if (url.hash !== '' || value.includes('#')) return { ok: false, problem: 'fragment' };
  if (!isHostAllowed(allowlist, url.hostname)) return { ok: false, problem: 'host-not-allowed' };
  return { ok: true, endpoint: { origin: url.origin, path: `${url.pathname}${url.search}`, protocol: url.protocol } };
}

/**
 * Whether the authority as written holds an `@`: userinfo, even the empty one (`http://@host/`,
 * `http://:@host/`) that URL drops without a trace. The authority ends where the WHATWG
 * parser ends it for http(s): at `/`, `\`, `?` or `#`, after any run of slashes and with tabs
 * and newlines removed.
 */
function authorityHasAt(value: string): boolean {
  const text = value.replace(/[\t\n\r]/g, '').trim();
  const afterScheme = text.replace(/^[a-z][a-z\d+.-]*:[/\\]*/i, '');
  return (afterScheme.split(/[/\\?#]/, 1)[0] ?? '').includes('@');
}
