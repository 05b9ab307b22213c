// The TLS material a model's config names (`tls.ca`, `tls.cert`, `tls.key`: parameters under
// the prefix, SecureString in production; the reader asks SSM to decrypt). It is checked when
// the configuration loads, so PEM that Node cannot use refuses the config instead of failing
// every request; and it is fingerprinted, so that one HTTP agent serves each distinct set.
import { X509Certificate, createHash, createPrivateKey } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import type { TlsNames } from './model-config.ts';

export interface TlsMaterial {
  /** Fingerprint of ca, cert and key together: the key of the agent cache. */
  readonly hash: string;
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

export type ResolvedTls = { ok: true; material: TlsMaterial } | { ok: false; reason: string };

/** `previous`, when its fingerprint matches, is reused without checking the PEM again. */
export function resolveTls(names: TlsNames, parameters: ReadonlyMap<string, string>, prefix: string, previous?: TlsMaterial): ResolvedTls {
  const values: { ca?: string; cert?: string; key?: string } = {};
  for (const part of ['ca', 'cert', 'key'] as const) {
    const name = names[part];
    if (name === undefined) continue;
    const value = parameters.get(`${prefix}/${name}`);
    if (value === undefined || value.trim() === '') return { ok: false, reason: `tls: the ${part} parameter is missing or empty` };
    values[part] = value;
  }
  const hash = createHash('sha256').update(JSON.stringify([values.ca ?? null, values.cert ?? null, values.key ?? null])).digest('hex').slice(0, 16);
  if (previous?.hash === hash) return { ok: true, material: previous };
  try {
    checkPem(values);
    createSecureContext(values);
  } catch (error) {
    // The code (ERR_OSSL_PEM_NO_START_LINE, ERR_OSSL_X509_KEY_VALUES_MISMATCH, ...), never the material.
    const code = (error as { code?: unknown }).code;
    return { ok: false, reason: `tls: material Node cannot use (${typeof code === 'string' ? code : 'unknown'})` };
  }
  return { ok: true, material: { hash, ...values } };
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * createSecureContext skips a `ca` that holds no certificate, which would leave the model's
 * connections trusting nothing: every certificate must parse, and the key must match its
 * certificate. Throws with a code, as Node's own checks do.
 */
function checkPem(values: { ca?: string; cert?: string; key?: string }): void {
  const certificates = (text: string): X509Certificate[] => {
    const blocks = text.match(PEM_CERTIFICATE) ?? [];
    if (blocks.length === 0) throw Object.assign(new Error('no certificate'), { code: 'ERR_TLS_NO_CERTIFICATE' });
    return blocks.map((block) => new X509Certificate(block));
  };
  if (values.ca !== undefined) certificates(values.ca);
  if (values.cert !== undefined && values.key !== undefined) {
    const [leaf] = certificates(values.cert);
    if (!leaf?.checkPrivateKey(createPrivateKey(values.key))) throw Object.assign(new Error('key mismatch'), { code: 'ERR_TLS_KEY_MISMATCH' });
  }
}
