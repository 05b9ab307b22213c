// A loopback issuer for the JWT authorizer's tests: RSA key pairs made with node:crypto, their
// public halves served as a JWKS over HTTPS (the test CA's certificate for 127.0.0.1), and real
// RS256-signed tokens. The server counts its requests, so a test can see the keys are cached.
import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tlsFixtures } from './tls-fixtures.ts';

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicJwk: Record<string, unknown>;
}

export function signingKey(kid: string): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' } };
}

const base64url = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A compact JWS: RS256 over base64url(header).base64url(payload), as an issuer signs one. */
export function signToken(key: SigningKey, payload: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const signingInput = `${base64url({ alg: 'RS256', typ: 'JWT', kid: key.kid, ...header })}.${base64url(payload)}`;
  const signature = sign('sha256', Buffer.from(signingInput), createPrivateKey(key.privateKey.export({ format: 'pem', type: 'pkcs8' })));
  return `${signingInput}.${signature.toString('base64url')}`;
}

export interface JwksServer {
  /** https://127.0.0.1:{port}: the issuer's URL. */
  readonly url: string;
  readonly jwksUri: string;
  /** The test CA the server's certificate chains to. */
  readonly ca: string;
  /** JWKS requests served so far. */
  requests(): number;
  /** The keys it publishes from now on. */
  publish(keys: readonly SigningKey[]): void;
  /** From now on every request answers 503. */
  fail(): void;
  close(): Promise<void>;
}

export async function startJwksServer(keys: readonly SigningKey[]): Promise<JwksServer> {
  const tls = tlsFixtures();
  let published = keys;
  let failing = false;
  let count = 0;
  const server: Server = createServer({ cert: tls.serverCert, key: tls.serverKey }, (req, res) => {
    count += 1;
    if (failing || req.url !== '/.well-known/jwks.json') {
      res.writeHead(failing ? 503 : 404).end();
      return;
    }
    const body = JSON.stringify({ keys: published.map((key) => key.publicJwk) });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    jwksUri: `${url}/.well-known/jwks.json`,
    ca: tls.caCert,
    requests: () => count,
    publish: (next) => {
      published = next;
    },
    fail: () => {
      failing = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
