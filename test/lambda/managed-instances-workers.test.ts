// A Lambda Managed Instances environment as the Node.js runtime shapes it: worker threads, each
// importing the handler once and serving many invocations at once (test/support/lmi-worker.ts),
// fed by the main thread. Two threads × 64 concurrent invocations against slow loopback models
// and one loopback SSM endpoint: every answer and every line (read from each thread's own
// output) is its own invocation's, each thread reads the configuration once (its cache is its
// own), and nothing leaks.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import type { HttpResult } from '../../lambda/contract/response.ts';
import { startSsmServer, type SsmServer } from '../../local/ssm-server.ts';
import { assertLogsClean, assertNoLeak, DEFAULT_ENV } from '../support/catalogue.ts';
import { PREFIX } from '../support/harness.ts';
import { burst, burstParameters, checkAnswers, checkLines, slowEcho, slowFailure, type Invocation } from '../support/lmi-burst.ts';
import { parseLines } from '../support/log-lines.ts';
import { startModelServer, type ModelServer } from '../support/model-server.ts';

const THREADS = 2;
const PER_THREAD = 64;
const MODEL_MS = 40;

interface Reply {
  i: number;
  result?: HttpResult;
  error?: string;
  threadId: number;
  maxInFlight: number;
}

interface Thread {
  worker: Worker;
  threadId: number;
  /** Everything the thread wrote to stdout and stderr. */
  output: () => string;
  invoke(invocations: readonly Invocation[]): Promise<Reply[]>;
}

async function startThread(env: Record<string, string>): Promise<Thread> {
  const worker = new Worker(new URL('../support/lmi-worker.ts', import.meta.url), { workerData: { env }, stdout: true, stderr: true });
  let text = '';
  worker.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  worker.stderr.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  const pending = new Map<number, (reply: Reply) => void>();
  const threadId = await new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (message: Reply | { ready: number }) => {
      if ('ready' in message) resolve(message.ready);
      else pending.get(message.i)?.(message);
    });
  });
  return {
    worker,
    threadId,
    output: () => text,
    invoke: (invocations) => {
      const replies = Promise.all(invocations.map((invocation) => new Promise<Reply>((resolve) => pending.set(invocation.i, resolve))));
      worker.postMessage(invocations);
      return replies;
    },
  };
}

/** A thread's output reaches this thread as messages of its own: wait until every request line has come. */
async function linesOf(thread: Thread, count: number): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const text = thread.output();
    const complete = text.endsWith('\n') && parseLines(text).filter((record) => record.message === 'request').length >= count;
    if (complete || Date.now() > deadline) return text;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('Lambda Managed Instances: worker threads, each serving concurrent invocations', () => {
  const servers: ModelServer[] = [];
  const threads: Thread[] = [];
  let ssm: SsmServer;

  before(async () => {
    const [iris, churn, churnV2, broken] = await Promise.all([
      startModelServer(slowEcho(MODEL_MS)),
      startModelServer(slowEcho(MODEL_MS)),
      startModelServer(slowEcho(MODEL_MS / 2)),
      startModelServer(slowFailure(MODEL_MS)),
    ]);
    servers.push(iris!, churn!, churnV2!, broken!);
    const parameters = burstParameters({ iris: iris!.url, churn: churn!.url, churnV2: churnV2!.url, broken: broken!.url });
    ssm = await startSsmServer({ parameters: () => parameters, latencyMs: 100 });
    const env = {
      ...DEFAULT_ENV,
      PARAMETER_PREFIX: PREFIX,
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_SSM: ssm.url,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_LAMBDA_MAX_CONCURRENCY: String(PER_THREAD),
      AWS_LAMBDA_INITIALIZATION_TYPE: 'lambda-managed-instances',
    };
    for (let t = 0; t < THREADS; t++) threads.push(await startThread(env));
  });
  after(async () => {
    await Promise.all(threads.map((thread) => thread.worker.terminate()));
    await ssm?.close();
    await Promise.all(servers.map((server) => server.close()));
  });

  it(`serves ${THREADS} × ${PER_THREAD} concurrent invocations, each thread its own, each invocation its own`, async () => {
    assert.equal(new Set(threads.map((thread) => thread.threadId)).size, THREADS);
    const bursts = threads.map((_, t) => burst(PER_THREAD, t * 10_000));
    const replies = await Promise.all(threads.map((thread, t) => thread.invoke(bursts[t]!)));

    // One SSM read per thread: each worker thread has its own module instances, so its own cache.
    assert.equal(ssm.calls.length, THREADS, `one read of the prefix per thread: ${ssm.calls.join(', ')}`);
    for (const [t, thread] of threads.entries()) {
      const answers = replies[t]!;
      for (const reply of answers) {
        assert.equal(reply.error, undefined);
        assert.equal(reply.threadId, thread.threadId, 'answered by the thread it was posted to');
      }
      assert.ok(Math.max(...answers.map((reply) => reply.maxInFlight)) >= PER_THREAD, `thread ${thread.threadId} had all ${PER_THREAD} in flight at once`);
      const answered = answers.map((reply) => ({ invocation: bursts[t]!.find((invocation) => invocation.i === reply.i)!, result: reply.result! }));
      checkAnswers(answered);
      for (const { result } of answered) assertNoLeak(result, { servers });
      const text = await linesOf(thread, PER_THREAD);
      // Only this thread's invocations in its output, and every one of them.
      const other = bursts[(t + 1) % THREADS]!;
      const ids = new Set(parseLines(text).map((record) => record.correlation_id));
      assert.ok(!other.some((invocation) => ids.has(invocation.requestId)), "no line of another thread's invocation");
      checkLines(text, bursts[t]!);
      assertLogsClean(text, { servers, secrets: ['10.9.8.7', 'model exploded'] });
    }
  });
});
