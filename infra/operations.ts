import { Duration } from 'aws-cdk-lib';
import type { Stage } from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { AlarmSettings } from './settings/alarms.ts';

export interface OperationsProps extends AlarmSettings {
  readonly stageName: string;
  readonly apiStage: Stage;
  readonly handler: IFunction;
}

/** A 5xx share of responses above this for 3 of 5 minutes is an incident, not noise. */
export const SERVER_ERROR_RATE_THRESHOLD = 0.05;

const minute = Duration.minutes(1);

/** The alarms an operator is woken by, and the dashboard they open first. */
export class Operations extends Construct {
  readonly alarms: readonly Alarm[];
  readonly topic: Topic | undefined;
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const { apiStage, handler } = props;

    // The average of 5XXError is the share of responses that were 5xx, the Lambda's included:
    // a model failing B is an incident too.
    const serverErrorRate = apiStage.metricServerError({ statistic: Stats.AVERAGE, period: minute });
    const p99Latency = apiStage.metricLatency({ statistic: Stats.p(99), period: minute });
    const errors = handler.metricErrors({ statistic: Stats.SUM, period: minute });
    const throttles = handler.metricThrottles({ statistic: Stats.SUM, period: minute });

    this.alarms = [
      new Alarm(this, 'ApiServerErrorRate', {
        alarmDescription: `More than ${SERVER_ERROR_RATE_THRESHOLD * 100}% of B's requests answered 5xx (3 of the last 5 minutes).`,
        metric: serverErrorRate,
        threshold: SERVER_ERROR_RATE_THRESHOLD,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, 'ApiP99Latency', {
        alarmDescription: `p99 latency above ${props.alarmP99LatencyMs} ms (3 of the last 5 minutes).`,
        metric: p99Latency,
        threshold: props.alarmP99LatencyMs,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      // The handler answers every fault in B's shape, so a Lambda error is a crash or a timeout.
      new Alarm(this, 'FunctionErrors', {
        alarmDescription: 'The adapter function crashed or timed out.',
        metric: errors,
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, 'FunctionThrottles', {
        alarmDescription: 'The adapter function was throttled: B got 503s. Raise reservedConcurrency or the account limit.',
        metric: throttles,
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    ];

    if (props.alarmEmail !== undefined) {
      this.topic = new Topic(this, 'AlarmTopic', {
        displayName: `Contract adapter ${props.stageName} alarms`,
        enforceSSL: true,
      });
      this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
      const action = new SnsAction(this.topic);
      for (const alarm of this.alarms) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
    }

    const graph = (title: string, left: IMetric[], right: IMetric[] = []): GraphWidget =>
      new GraphWidget({ title, left, right, width: 12, height: 6 });
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `contract-adapter-${props.stageName}`,
      widgets: [
        [new AlarmStatusWidget({ title: 'Alarms', alarms: [...this.alarms], width: 24, height: 3 })],
        [
          graph(
            'Requests and errors',
            [apiStage.metricCount({ statistic: Stats.SUM, period: minute, label: 'requests' })],
            [
              apiStage.metricClientError({ statistic: Stats.SUM, period: minute, label: '4xx' }),
              apiStage.metricServerError({ statistic: Stats.SUM, period: minute, label: '5xx' }),
            ],
          ),
          graph('Latency (ms)', [
            p99Latency,
            apiStage.metricLatency({ statistic: Stats.p(50), period: minute, label: 'p50 latency' }),
            apiStage.metricIntegrationLatency({ statistic: Stats.p(99), period: minute, label: 'p99 integration latency' }),
          ]),
        ],
        [
          graph(
            'Function',
            [handler.metricInvocations({ statistic: Stats.SUM, period: minute }), errors, throttles],
            [handler.metricDuration({ statistic: Stats.p(99), period: minute, label: 'p99 duration' })],
          ),
          graph('Function concurrency', [
            handler.metric('ConcurrentExecutions', { statistic: Stats.MAXIMUM, period: minute }),
          ]),
        ],
      ],
    });
  }
}
