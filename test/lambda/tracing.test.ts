// X-Ray through the real handler (the hardening issue, item 1, and catalogue row G46):
// subsegments for the SSM refresh and the model call, annotations for the route, model and
// outcome, and never a response captured, even when POWERTOOLS_TRACER_CAPTURE_RESPONSE asks
// for it. The X-Ray SDK runs in its Lambda mode and sends what it records over UDP to a
// loopback "daemon" that this test reads.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, describe, test } from 'node:test';
import { envelope, predictPath, restEvent } from '../support/events.ts';
import { answerJson } from '../support/model-server.ts';
import { captureLogs, marker, setup } from '../support/catalogue.ts';

interface TraceDocument {
  id: string;
  name: string;
  trace_id: string;
  parent_id?: string;
  annotations?: Record<string, string | number | boolean>;
  metadata?: unknown;
  fault?: boolean;
  error?: boolean;
  cause?: { exceptions?: Array<{ message?: string; type?: string }> };
}

const daemon = dgram.createSocket('udp4');
const documents: TraceDocument[] = [];
const raw: string[] = [];
daemon.on('message', (message) => {
  const text = message.toString('utf8');
  raw.push(text);
  // Each datagram is a header line, then the document.
  const body = text.slice(text.indexOf('\n') + 1);
  documents.push(JSON.parse(body) as TraceDocument);
});
await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
after(() => daemon.close());

// What the Lambda runtime sets: the X-Ray SDK reads these when it loads (with the handler).
Object.assign(process.env, {
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
  LAMBDA_TASK_ROOT: '/var/task',
  _HANDLER: 'index.handler',
  AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemon.address().port}`,
  AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
});

const B_SECRET = marker('B-SECRET');
const MODEL_SECRET = marker('MODEL-SECRET');
const TAG = marker('tag');
captureLogs();
const s = await setup({ behaviour: answerJson(`{"label":"${MODEL_SECRET}"}`), env: { POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'true' } });
after(() => s.close());

let traces = 0;
/** One invocation under its own trace id; resolves with that trace's documents once the handler's has arrived. */
async function traced(model = 'iris'): Promise<{ status: number; documents: TraceDocument[] }> {
  const traceId = `1-${Math.floor(Date.now() / 1000).toString(16)}-${String(++traces).padStart(24, '0')}`;
  process.env._X_AMZN_TRACE_ID = `Root=${traceId};Parent=53995c3f42cd8ad8;Sampled=1`;
  const result = await s.invoke(restEvent({ path: predictPath(model), body: envelope(TAG, { k: B_SECRET }) }));
  const mine = () => documents.filter((document) => document.trace_id === traceId);
  const deadline = Date.now() + 2_000;
  while (!mine().some((document) => document.name === '## index.handler') && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return { status: result.statusCode, documents: mine() };
}

const named = (documents: TraceDocument[], name: string): TraceDocument => {
  const found = documents.filter((document) => document.name === name);
  assert.equal(found.length, 1, `one ${name} in ${JSON.stringify(documents.map((d) => d.name))}`);
  return found[0]!;
};

describe('X-Ray subsegments and annotations', () => {
  test('a first request: the SSM refresh and the model call under the handler, annotated', async () => {
    const { status, documents } = await traced();
    assert.equal(status, 200);
    const handler = named(documents, '## index.handler');
    assert.equal(handler.parent_id, '53995c3f42cd8ad8', 'under the segment Lambda opened');
    assert.deepEqual({ ...handler.annotations, ColdStart: undefined }, {
      ColdStart: undefined,
      Service: 'contract-adapter',
      route: 'predict',
      outcome: 'OK',
      model: 'iris',
    });
    const refresh = named(documents, '### SSM refresh');
    assert.equal(refresh.parent_id, handler.id);
    assert.equal(refresh.annotations?.parameters, 1);
    const call = named(documents, '### model call');
    assert.equal(call.parent_id, handler.id);
    assert.deepEqual(call.annotations, { model: 'iris', outcome: 'OK' });
    assert.equal(call.fault, undefined);
  });

  test('a cached configuration: only the model call', async () => {
    const { documents } = await traced();
    assert.deepEqual(documents.map((document) => document.name).sort(), ['## index.handler', '### model call']);
  });

  test('a failing model: the call is a fault annotated with the contract code; the handler records only the code', async () => {
    s.model.behave(answerJson(`<pre>${MODEL_SECRET}</pre>`, 500, { 'content-type': 'text/html' }));
    const { status, documents } = await traced();
    s.model.behave(answerJson(`{"label":"${MODEL_SECRET}"}`));
    assert.equal(status, 502);
    const call = named(documents, '### model call');
    assert.deepEqual(call.annotations, { model: 'iris', outcome: 'UPSTREAM_ERROR' });
    assert.equal(call.fault, true);
    assert.equal(call.cause, undefined, 'no error recorded on the call: the annotation says what failed');
    const handler = named(documents, '## index.handler');
    assert.equal(handler.annotations?.outcome, 'UPSTREAM_ERROR');
    assert.deepEqual(
      handler.cause?.exceptions?.map((exception) => [exception.type, exception.message]),
      [['AdapterError', 'UPSTREAM_ERROR']],
      'the contract error, whose message is its code',
    );
  });

  test('an unknown model: no model call, no model annotation', async () => {
    const { status, documents } = await traced(`nope-${B_SECRET}`);
    assert.equal(status, 404);
    assert.deepEqual(documents.map((document) => document.name), ['## index.handler']);
    assert.equal(named(documents, '## index.handler').annotations?.model, undefined);
    assert.equal(named(documents, '## index.handler').annotations?.outcome, 'UNKNOWN_MODEL');
  });
});

describe('G46 Tracer does not capture responses', () => {
  test('no metadata on any subsegment (POWERTOOLS_TRACER_CAPTURE_RESPONSE=true is overridden), nothing of B, the model or the userTag', () => {
    assert.ok(documents.length >= 8, `${documents.length} documents`);
    for (const document of documents) assert.equal(document.metadata, undefined, document.name);
    for (const text of raw) {
      for (const secret of [B_SECRET, MODEL_SECRET, TAG, '127.0.0.1', s.model.url]) assert.ok(!text.includes(secret), `trace holds ${secret}`);
    }
  });
});
