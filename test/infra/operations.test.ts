import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import type { Template } from 'aws-cdk-lib/assertions';
import { SERVER_ERROR_RATE_THRESHOLD } from '../../infra/operations.ts';
import { documentedFullContext, onlyResource, resourcesOf, synthesize } from './synth.ts';

const demo = synthesize();
const full = synthesize(documentedFullContext());

/** The alarms on AWS's own metrics (API Gateway's and Lambda's), by the metric they watch. */
function alarmsByMetric(template: Template): Map<string, Record<string, unknown>> {
  return new Map(
    Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm'))
      .filter((alarm) => String(alarm.Properties?.Namespace).startsWith('AWS/'))
      .map((alarm) => [String(alarm.Properties?.MetricName), alarm.Properties ?? {}]),
  );
}

const allAlarms = (template: Template): Record<string, unknown>[] =>
  Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')).map((alarm) => alarm.Properties ?? {});

describe('operations', () => {
  it('alarm on the API 5xx share, p99 latency, and Lambda errors and throttles', () => {
    const alarms = alarmsByMetric(full.template);
    assert.deepEqual([...alarms.keys()].sort(), ['5XXError', 'Errors', 'Latency', 'Throttles']);

    assert.equal(SERVER_ERROR_RATE_THRESHOLD, 0.05);
    assert.equal(alarms.get('5XXError')?.Namespace, 'AWS/ApiGateway');
    assert.equal(alarms.get('5XXError')?.Statistic, 'Average');
    assert.equal(alarms.get('5XXError')?.Threshold, SERVER_ERROR_RATE_THRESHOLD);
    assert.deepEqual(
      (alarms.get('5XXError')?.Dimensions as { Name: string }[]).map((dimension) => dimension.Name).sort(),
      ['ApiName', 'Stage'],
    );

    assert.equal(alarms.get('Latency')?.ExtendedStatistic, 'p99');
    assert.equal(alarms.get('Latency')?.Threshold, 3000);
    assert.equal(alarmsByMetric(demo.template).get('Latency')?.Threshold, 5000);

    for (const metric of ['Errors', 'Throttles']) {
      const alarm = alarms.get(metric);
      assert.equal(alarm?.Namespace, 'AWS/Lambda', metric);
      assert.equal(alarm?.Statistic, 'Sum', metric);
      assert.equal(alarm?.Threshold, 1, metric);
      assert.equal(alarm?.ComparisonOperator, 'GreaterThanOrEqualToThreshold', metric);
      assert.match(JSON.stringify(alarm?.Dimensions), /"Ref":"Handler[0-9A-F]{8}"/, metric);
    }
    for (const alarm of alarms.values()) assert.equal(alarm.TreatMissingData, 'notBreaching');
  });

  it('notify an SNS topic that accepts TLS only, when an alarm e-mail is given', () => {
    demo.template.resourceCountIs('AWS::SNS::Topic', 0);
    for (const alarm of allAlarms(demo.template)) assert.equal(alarm.AlarmActions, undefined);

    const topic = onlyResource(full.template, 'AWS::SNS::Topic');
    full.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
      TopicArn: { Ref: topic.id },
    });
    full.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    assert.equal(allAlarms(full.template).length, 4 + 2 + 2 * 2, 'the fleet, the configuration, and two per model');
    for (const alarm of allAlarms(full.template)) {
      assert.deepEqual(alarm.AlarmActions, [{ Ref: topic.id }]);
      assert.deepEqual(alarm.OKActions, [{ Ref: topic.id }]);
    }
  });

  it('draw a dashboard of the API, the function and the alarms', () => {
    const dashboard = onlyResource(demo.template, 'AWS::CloudWatch::Dashboard');
    assert.equal(dashboard.properties.DashboardName, 'contract-adapter-dev');
    const body = JSON.stringify(dashboard.properties.DashboardBody);
    for (const metric of ['5XXError', '4XXError', 'Latency', 'IntegrationLatency', 'Count', 'Invocations', 'Errors', 'Throttles', 'Duration', 'ConcurrentExecutions']) {
      assert.ok(body.includes(`\\"${metric}\\"`), metric);
    }
    assert.ok(body.includes('\\"alarm\\"'), 'no alarm status widget');
  });

  it('output the API URL, the API key id(s), the parameter prefix, the alias and the deployment group, and one URL only', () => {
    const outputs = demo.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    assert.deepEqual(Object.keys(outputs).sort(), ['AccessLogGroup', 'ApiKeyId', 'ApiKeyIds', 'ApiUrl', 'DeploymentGroup', 'FunctionLogGroup', 'LiveAlias', 'ParameterPrefix']);
    assert.equal(outputs.ParameterPrefix?.Value, '/contract-adapter/dev');
    assert.deepEqual(outputs.ApiKeyId?.Value, { Ref: onlyResource(demo.template, 'AWS::ApiGateway::ApiKey').id });
    assert.match(JSON.stringify(outputs.ApiUrl?.Value), /"https:\/\/",\{"Ref":"Api[0-9A-F]{8}"\},".execute-api."/);
    assert.match(JSON.stringify(outputs.FunctionLogGroup?.Value), /"Ref":"HandlerLogs/);
    assert.match(JSON.stringify(outputs.AccessLogGroup?.Value), /"Ref":"ApiAccessLogs/);
  });
});
