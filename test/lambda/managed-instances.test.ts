// Lambda Managed Instances in one thread: the real handler (lambda/handler.ts, real SDK against
// a loopback SSM endpoint, undici to slow loopback models) serving 96, then 64, invocations at
// once with AWS_LAMBDA_MAX_CONCURRENCY set, each in its own InvokeStore context as the runtime
// runs it. Every answer, request line, EMF line and Powertools line is its own invocation's; a
// configuration refresh is one SSM read however many invocations wait for it; nothing leaks.
// The worker-thread shape of an LMI environment is managed-instances-workers.test.ts.
import { runInvocation } from '../support/managed-instances.ts';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { HttpResult } from '../../lambda/contract/response.ts';
import { assertLogsClean, assertNoLeak, captureLogs, DEFAULT_ENV } from '../support/catalogue.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { burst, burstParameters, checkAnswers, checkLines, contextOf, eventOf, slowEcho, slowFailure, type Invocation } from '../support/lmi-burst.ts';
import { startModelServer, type ModelServer } from '../support/model-server.ts';

const MODEL_MS = 40;

describe('Lambda Managed Instances: invocations interleaved in one thread', () => {
  const logs = captureLogs();
  const servers: ModelServer[] = [];
  let harness: Harness;
  let inFlight = 0;
  let maxInFlight = 0;

  before(async () => {
    const [iris, churn, churnV2, broken] = await Promise.all([
      startModelServer(slowEcho(MODEL_MS)),
      startModelServer(slowEcho(MODEL_MS)),
      startModelServer(slowEcho(MODEL_MS / 2)),
      startModelServer(slowFailure(MODEL_MS)),
    ]);
    servers.push(iris!, churn!, churnV2!, broken!);
    const parameters = burstParameters({ iris: iris!.url, churn: churn!.url, churnV2: churnV2!.url, broken: broken!.url });
    // A slow SSM read, so that the whole burst waits for the one refresh in flight; a 1 s TTL,
    // so that the second burst finds the copy too old.
    harness = await startHarness(parameters, { ...DEFAULT_ENV, PARAMETER_CACHE_TTL_SECONDS: '1' }, { ssm: { latencyMs: 150 } });
  });
  after(async () => {
    await harness?.close();
    await Promise.all(servers.map((server) => server.close()));
  });

  /** All of them at once, each as the runtime invokes it. */
  const invokeAll = (invocations: readonly Invocation[]) =>
    Promise.all(
      invocations.map((invocation) =>
        runInvocation({ requestId: invocation.awsRequestId }, async (): Promise<{ invocation: Invocation; result: HttpResult }> => {
          maxInFlight = Math.max(maxInFlight, ++inFlight);
          try {
            return { invocation, result: await harness.invoke(eventOf(invocation), contextOf(invocation)) };
          } finally {
            inFlight--;
          }
        }),
      ),
    );

  it('answers 96 invocations at once from a cold cache with one SSM read, each with its own answer and lines', async () => {
    assert.equal(process.env.AWS_LAMBDA_MAX_CONCURRENCY, '64');
    const invocations = burst(96);
    const mark = logs.text().length;
    const answered = await invokeAll(invocations);
    assert.ok(maxInFlight >= 96, `the invocations overlapped (${maxInFlight} at once)`);
    assert.deepEqual(harness.ssm.calls, ['GetParametersByPath'], 'one read of the prefix for the whole burst');
    checkAnswers(answered);
    const text = logs.text().slice(mark);
    const { records } = checkLines(text, invocations);
    for (const { result } of answered) assertNoLeak(result, { servers });
    assertLogsClean(text, { servers, secrets: ['10.9.8.7', 'model exploded'] });
    // The refresh is written in the context of the invocation that started it: one request's ids, never a mix.
    const refreshed = records.filter((record) => record.message === 'configuration refreshed');
    assert.equal(refreshed.length, 1);
    const starter = invocations.find((invocation) => invocation.requestId === refreshed[0]!.correlation_id);
    assert.ok(starter, JSON.stringify(refreshed[0]));
    assert.equal(refreshed[0]!.function_request_id, starter.awsRequestId);
  });

  it('refreshes a stale copy once while 64 invocations wait for it, each still its own', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const before = harness.ssm.calls.length;
    const invocations = burst(64, 1_000);
    const mark = logs.text().length;
    maxInFlight = 0;
    const answered = await invokeAll(invocations);
    assert.ok(maxInFlight >= 64, `the invocations overlapped (${maxInFlight} at once)`);
    assert.equal(harness.ssm.calls.length - before, 1, 'one SSM read for the refresh, shared by every waiting invocation');
    checkAnswers(answered);
    const text = logs.text().slice(mark);
    checkLines(text, invocations);
    assertLogsClean(text, { servers, secrets: ['10.9.8.7', 'model exploded'] });
  });

  it('starts when its init logs outside any invocation (a misconfigured deployment), and answers in the contract', async () => {
    // Powertools 2.35 threw "No context available" here with AWS_LAMBDA_MAX_CONCURRENCY set: a
    // log call outside an invocation context, as the handler's init makes one, crashed the init.
    const mark = logs.text().length;
    const broken = await startHarness({}, { ...DEFAULT_ENV, PARAMETER_PREFIX: 'not-a-path' });
    try {
      const init = logs.lines().map((line) => JSON.parse(line) as Record<string, unknown>).find((record) => record.message === 'invalid configuration');
      assert.ok(init, logs.text().slice(mark));
      assert.equal(init.correlation_id, undefined, 'no invocation wrote it');
      assert.equal(init.function_request_id, undefined, 'no invocation wrote it');
      const [invocation] = burst(2, 5_000);
      const result = await runInvocation({ requestId: invocation!.awsRequestId }, () => broken.invoke(eventOf(invocation!), contextOf(invocation!)));
      assert.equal(result.statusCode, 500);
      assert.equal((JSON.parse(result.body) as { error: { requestId: string } }).error.requestId, invocation!.requestId);
    } finally {
      await broken.close();
    }
  });
});
