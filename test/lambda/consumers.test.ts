// Consumers (the production-operations issue, item 3): the API key id API Gateway puts in the
// event names the consumer in the request line and in a bounded metrics dimension, through
// CONSUMER_API_KEYS, which the stack writes (infra/settings/function.ts).
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { readHttpRequest } from '../../lambda/http/event.ts';
import {
  CONSUMER_NAME_PATTERN,
  consumerResolver,
  NO_API_KEY,
  noConsumers,
  parseConsumerApiKeys,
  UNKNOWN_API_KEY,
} from '../../lambda/observability/consumer.ts';
import { readSettings, SettingsError } from '../../lambda/settings.ts';
import { captureLogs, setup } from '../support/catalogue.ts';
import { httpEvent, lambdaContext, restEvent } from '../support/events.ts';
import { emfLines, parseLines, requestLines } from '../support/log-lines.ts';
import { answerJson } from '../support/model-server.ts';

describe('the API key id in the event', () => {
  test('REST v1: requestContext.identity.apiKeyId; absent when API Gateway checked no key', () => {
    assert.equal(readHttpRequest(restEvent({ apiKeyId: 'k1a2b3c4d5' })).apiKeyId, 'k1a2b3c4d5');
    assert.equal(readHttpRequest(restEvent({ apiKeyId: null })).apiKeyId, undefined);
    assert.equal(readHttpRequest(restEvent({ apiKeyId: '' })).apiKeyId, undefined);
  });

  test('HTTP v2 has no API keys', () => {
    assert.equal(readHttpRequest(httpEvent()).apiKeyId, undefined);
  });

  test('never a header: x-api-key (the key itself) is not read as its id', () => {
    const event = restEvent({ apiKeyId: null, headers: { 'x-api-key': 'the-secret-key', 'Content-Type': 'application/json' } });
    assert.equal(readHttpRequest(event).apiKeyId, undefined);
  });
});

describe('CONSUMER_API_KEYS', () => {
  test('key id -> consumer name; several keys may name one consumer (a rotation)', () => {
    const keys = parseConsumerApiKeys('{"k1":"team-a","k2":"team-a","k3":"fraud-ops"}');
    assert.deepEqual([...keys], [['k1', 'team-a'], ['k2', 'team-a'], ['k3', 'fraud-ops']]);
    assert.deepEqual([...parseConsumerApiKeys('')], []);
    assert.deepEqual([...parseConsumerApiKeys(undefined)], []);
  });

  test('refuses anything but an object of names matching the pattern', () => {
    for (const text of ['[]', 'null', '"x"', '{', '{"k1":1}', '{"k1":"Team-A"}', '{"k1":"(unknown)"}', '{"":"team-a"}', `{"k1":"${'a'.repeat(33)}"}`]) {
      assert.throws(() => parseConsumerApiKeys(text), Error, text);
    }
    assert.equal(CONSUMER_NAME_PATTERN.test(NO_API_KEY), false, 'the buckets are not names');
    assert.equal(CONSUMER_NAME_PATTERN.test(UNKNOWN_API_KEY), false, 'the buckets are not names');
  });

  test('a bad value is a deployment mistake, named by readSettings', () => {
    assert.throws(() => readSettings({ PARAMETER_PREFIX: '/p', CONSUMER_API_KEYS: '{"k1":"Team A"}' }), (error: Error) =>
      error instanceof SettingsError && /^CONSUMER_API_KEYS gives API key "k1" the consumer "Team A"/.test(error.message));
    assert.deepEqual([...readSettings({ PARAMETER_PREFIX: '/p', CONSUMER_API_KEYS: '{"k1":"team-a"}' }).consumerApiKeys], [['k1', 'team-a']]);
    assert.equal(readSettings({ PARAMETER_PREFIX: '/p' }).consumerApiKeys.size, 0);
  });

  test('the resolver: a listed id gives its name, any other id one bucket, no id another', () => {
    const consumerOf = consumerResolver(parseConsumerApiKeys('{"k1":"team-a"}'));
    assert.equal(consumerOf('k1'), 'team-a');
    assert.equal(consumerOf('k9'), UNKNOWN_API_KEY);
    assert.equal(consumerOf('__proto__'), UNKNOWN_API_KEY);
    assert.equal(consumerOf('constructor'), UNKNOWN_API_KEY);
    assert.equal(consumerOf(undefined), NO_API_KEY);
    assert.equal(noConsumers('k1'), UNKNOWN_API_KEY);
  });
});

describe('the handler', async () => {
  const s = await setup({ behaviour: answerJson('{"predictions":[1]}'), env: { CONSUMER_API_KEYS: '{"k1a2b3c4d5":"team-a","k6e7f8g9h0":"fraud-ops"}' } });
  after(() => s.close());

  const observe = async (apiKeyId: string | null) => {
    const logs = captureLogs();
    const result = await s.invoke(restEvent({ method: 'GET', path: '/v1/models', apiKeyId }), lambdaContext());
    const records = parseLines(logs.text());
    return { result, line: requestLines(records)[0]!, emf: emfLines(records).find((record) => 'Requests' in record)! };
  };

  test("names the consumer in the request line and files the request's metrics under it", async () => {
    const { result, line, emf } = await observe('k6e7f8g9h0');
    assert.equal(result.statusCode, 200);
    assert.equal(line.consumer, 'fraud-ops');
    assert.equal(emf.consumer, 'fraud-ops');
    assert.deepEqual(emf._aws.CloudWatchMetrics[0]!.Dimensions, [['service', 'model'], ['service', 'outcome'], ['service', 'consumer'], ['service']]);
  });

  test('a key the stack did not write, and no key at all, each get their bucket, never the id', async () => {
    const unknown = await observe('zzzzzzzzzz');
    assert.equal(unknown.line.consumer, UNKNOWN_API_KEY);
    assert.equal(unknown.emf.consumer, UNKNOWN_API_KEY);
    assert.ok(!JSON.stringify(unknown.line).includes('zzzzzzzzzz'));
    const none = await observe(null);
    assert.equal(none.line.consumer, NO_API_KEY);
  });
});
