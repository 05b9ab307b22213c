import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isIdentityEncoding, isJsonContentType } from '../../../lambda/contract/content-type.ts';
import { AdapterError } from '../../../lambda/contract/errors.ts';
import { readHttpRequest } from '../../../lambda/http/event.ts';
import { modelName } from '../../../lambda/contract/model-name.ts';
import { matchRoute } from '../../../lambda/http/routes.ts';
import { httpEvent, restEvent } from '../../support/events.ts';

describe('content type', () => {
  test('JSON media types with no charset or UTF-8', () => {
    for (const value of ['application/json', 'Application/JSON', 'application/json; charset=utf-8', 'application/json;charset="UTF-8"', 'application/vnd.a+json', 'application/json; foo=bar']) {
      assert.equal(isJsonContentType(value), true, value);
    }
  });
  test('anything else', () => {
    for (const value of [undefined, '', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', 'application/json; charset=utf-16', 'application/json; charset=latin1', 'application/jsonp', 'text/json']) {
      assert.equal(isJsonContentType(value), false, String(value));
    }
  });
  test('only identity encoding', () => {
    assert.equal(isIdentityEncoding(undefined), true);
    assert.equal(isIdentityEncoding('identity'), true);
    assert.equal(isIdentityEncoding('gzip'), false);
  });
});

describe('readHttpRequest', () => {
  test('REST v1: lower-cased headers, source IP from requestContext', () => {
    const request = readHttpRequest(restEvent({ headers: { 'CONTENT-TYPE': 'application/json', 'X-Forwarded-For': '6.6.6.6' }, sourceIp: '10.0.0.9', requestId: 'r-1', body: '{}' }));
    assert.equal(request.method, 'POST');
    assert.equal(request.headers.get('content-type'), 'application/json');
    assert.equal(request.sourceIp, '10.0.0.9');
    assert.equal(request.requestId, 'r-1');
    assert.equal(request.body, '{}');
  });
  test('HTTP v2: method and path from requestContext, named stage removed', () => {
    const event = httpEvent({ method: 'get', path: '/prod/v1/models' });
    event.requestContext.stage = 'prod';
    const request = readHttpRequest(event);
    assert.equal(request.method, 'GET');
    assert.equal(request.path, '/v1/models');
    assert.equal(request.sourceIp, '1.2.3.4');
  });
  test('survives an event with nothing in it', () => {
    const request = readHttpRequest({} as never);
    assert.equal(request.method, '');
    assert.equal(request.headers.size, 0);
  });
});

describe('matchRoute', () => {
  test('the contract routes', () => {
    assert.deepEqual(matchRoute('GET', '/v1/models'), { name: 'listModels' });
    assert.deepEqual(matchRoute('POST', '/v1/models/iris/predict'), { name: 'predict', rawName: 'iris' });
  });
  test('a model route with a malformed name is still the model route', () => {
    assert.deepEqual(matchRoute('POST', '/v1/models/a/b/predict'), { name: 'predict', rawName: 'a/b' });
  });
  test('405 with Allow for another method; 404 for other paths', () => {
    assert.throws(() => matchRoute('PUT', '/v1/models/iris/predict'), (e: unknown) => e instanceof AdapterError && e.code === 'METHOD_NOT_ALLOWED' && e.allow === 'POST');
    assert.throws(() => matchRoute('GET', '/admin'), (e: unknown) => e instanceof AdapterError && e.code === 'NOT_FOUND');
  });
  test('model names', () => {
    for (const name of ['iris', 'a', 'A0_b.c-d', 'x'.repeat(64)]) assert.equal(modelName(name), name, name);
    for (const name of ['', '../admin', 'a%2Fb', 'a/b', 'x\u0000', 'x'.repeat(65), 'іris', '-a', '.a', 'a\n']) {
      assert.equal(modelName(name), undefined, name);
    }
  });
});
