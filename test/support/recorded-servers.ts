// What real model servers answered (test/fixtures/model-servers/, copied from
// shared/fixtures/model-servers/: MLServer 1.7, KServe 0.20 V1 and V2, MLflow 3.6), and a
// loopback stand-in that answers a recorded exchange exactly: its status, its content-type and
// its body, to whatever it is sent (the test checks what it was sent).
import { readFileSync } from 'node:fs';
import type { Behaviour } from './model-server.ts';

export interface Exchange {
  name: string;
  why: string;
  request: { method: string; path: string; headers: Record<string, string>; body?: unknown };
  response: { status: number; headers: Record<string, string>; body: unknown };
}

export interface Recording {
  server: string;
  version: string;
  notes: string[];
  signature?: unknown;
  exchanges: Exchange[];
}

export type RecordingFile = 'mlserver.json' | 'kserve.json' | 'mlflow.json';

export const RECORDING_FILES: readonly RecordingFile[] = ['mlserver.json', 'kserve.json', 'mlflow.json'];

const dir = new URL('../fixtures/model-servers/', import.meta.url);

export const recording = (file: RecordingFile): Recording => JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as Recording;

/** The exchange of that name; throws when there is none (a preset naming a missing exchange is a test failure). */
export function exchange(file: RecordingFile, name: string): Exchange {
  const found = recording(file).exchanges.find((e) => e.name === name);
  if (!found) throw new Error(`${file} has no exchange ${JSON.stringify(name)}`);
  return found;
}

const isJsonType = (headers: Record<string, string>): boolean => /json/i.test(headers['content-type'] ?? '');

/** The body's text as the server sent it: JSON bodies were stored parsed, the rest as text. */
export function responseText(e: Exchange): string {
  const { body, headers } = e.response;
  if (typeof body === 'string' && !(isJsonType(headers) && body.trim() !== '' && isJsonText(body))) return body;
  return JSON.stringify(body);
}

function isJsonText(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Answers every request with the recorded status, content-type and body. */
export const replay =
  (e: Exchange): Behaviour =>
  (_req, res) => {
    const text = responseText(e);
    const headers: Record<string, string | number> = { 'content-length': Buffer.byteLength(text) };
    if (e.response.headers['content-type']) headers['content-type'] = e.response.headers['content-type'];
    res.writeHead(e.response.status, headers);
    res.end(text);
  };

/** Exchanges a model call through the adapter can make: a POST of a JSON object. */
export const postsOfObjects = (file: RecordingFile): Exchange[] =>
  recording(file).exchanges.filter(
    (e) => e.request.method === 'POST' && typeof e.request.body === 'object' && e.request.body !== null && !Array.isArray(e.request.body) && /json/.test(e.request.headers['content-type'] ?? ''),
  );

/**
 * A stand-in for a recorded server: each GET answers as recorded for its path (404 `{"detail":
 * "Not Found"}` for a path it has no recording of), and every POST answers `post` (an exchange
 * name, or a behaviour) to whatever it is sent.
 */
export function recordedServer(file: RecordingFile, post: string | Behaviour): Behaviour {
  const gets = new Map<string, Exchange>();
  for (const e of recording(file).exchanges) if (e.request.method === 'GET' && !gets.has(e.request.path)) gets.set(e.request.path, e);
  const answerPost = typeof post === 'string' ? replay(exchange(file, post)) : post;
  return (req, res, body) => {
    if (req.method === 'POST') return answerPost(req, res, body);
    const e = gets.get((req.url ?? '').split('?')[0] ?? '');
    if (e) return replay(e)(req, res, body);
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"detail":"Not Found"}');
  };
}
