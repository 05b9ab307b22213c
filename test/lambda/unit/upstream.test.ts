import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readHttpRequest } from '../../../lambda/http/event.ts';
import { modelRequestHeaders, propagatedHeaders } from '../../../lambda/upstream/headers.ts';
import { clampRetryAfter, errorForStatus } from '../../../lambda/upstream/status.ts';
import { restEvent } from '../../support/events.ts';

describe('errorForStatus', () => {
  test('the contract table', () => {
    const expected: Record<number, string> = {
      301: 'UPSTREAM_BAD_RESPONSE', 302: 'UPSTREAM_BAD_RESPONSE', 307: 'UPSTREAM_BAD_RESPONSE', 308: 'UPSTREAM_BAD_RESPONSE',
      400: 'MODEL_REJECTED_INPUT', 422: 'MODEL_REJECTED_INPUT', 409: 'MODEL_REJECTED_INPUT', 413: 'MODEL_REJECTED_INPUT',
      401: 'UPSTREAM_ERROR', 403: 'UPSTREAM_ERROR', 404: 'UPSTREAM_ERROR', 500: 'UPSTREAM_ERROR', 502: 'UPSTREAM_ERROR', 504: 'UPSTREAM_ERROR',
      429: 'UPSTREAM_UNAVAILABLE', 503: 'UPSTREAM_UNAVAILABLE',
    };
    for (const [status, code] of Object.entries(expected)) assert.equal(errorForStatus(Number(status)), code, status);
  });
});

describe('clampRetryAfter', () => {
  test('seconds and HTTP dates, clamped to 1..30', () => {
    assert.equal(clampRetryAfter('2'), 2);
    assert.equal(clampRetryAfter('3600'), 30);
    assert.equal(clampRetryAfter('0'), 1);
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(clampRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now), 10);
    assert.equal(clampRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now), 1);
  });
  test('absent or unreadable is undefined', () => {
    assert.equal(clampRetryAfter(undefined), undefined);
    assert.equal(clampRetryAfter('soon'), undefined);
    assert.equal(clampRetryAfter('-5'), undefined);
  });
});

describe('modelRequestHeaders', () => {
  test('built from scratch: nothing of B but valid trace context', () => {
    const request = readHttpRequest(
      restEvent({
        requestId: 'req-9',
        sourceIp: '10.1.2.3',
        headers: {
          Authorization: 'Bearer secret',
          'x-api-key': 'key',
          Cookie: 'a=b',
          Host: 'evil.example',
          'X-Forwarded-For': '6.6.6.6',
          Connection: 'close',
          'x-upstream-host': 'evil',
          traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
          tracestate: 'vendor=1',
        },
      }),
    );
    assert.deepEqual(modelRequestHeaders(propagatedHeaders(request), 12), {
      'content-type': 'application/json',
      'content-length': '12',
      accept: 'application/json',
      'user-agent': 'contract-adapter',
      'x-request-id': 'req-9',
      'x-forwarded-for': '10.1.2.3',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      tracestate: 'vendor=1',
    });
  });
  test('malformed trace context, or CR/LF in it, is dropped', () => {
    for (const traceparent of ['garbage', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\nx-evil: 1', '00-00000000000000000000000000000000-00f067aa0ba902b7-01']) {
      const headers = modelRequestHeaders(propagatedHeaders(readHttpRequest(restEvent({ headers: { traceparent } }))), 0);
      assert.equal(headers.traceparent, undefined, traceparent);
    }
    const headers = modelRequestHeaders(
      propagatedHeaders(readHttpRequest(restEvent({ headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', tracestate: 'a=1\nb' } }))),
      0,
    );
    assert.equal(headers.tracestate, undefined);
  });
});
