import { Duration } from 'aws-cdk-lib';
import type { Stage } from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { POWERTOOLS_METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME } from '../lambda/environment.ts';
import type { AlarmSettings } from './settings/alarms.ts';

export interface OperationsProps extends AlarmSettings {
  readonly stageName: string;
  readonly apiStage: Stage;
  readonly handler: IFunction;
  /** The models in context: each gets an error-rate and a latency alarm of its own. */
  readonly models: readonly string[];
  /** PARAMETER_CACHE_TTL_SECONDS: the configuration alarms count in periods of at least one TTL. */
  readonly cacheTtlSeconds: number;
}

/** A 5xx share of responses above this for 3 of 5 minutes is an incident, not noise. */
export const SERVER_ERROR_RATE_THRESHOLD = 0.05;

/** A configured model's share of requests answered 4xx or 5xx (the adapter's Errors) above this for 3 of 5 minutes. */
export const MODEL_ERROR_RATE_THRESHOLD = 0.05;

/** Fewer requests than this to a model in a minute give no error rate: one failure of three is not an incident. */
export const MODEL_MIN_REQUESTS = 10;

/** The configuration alarms fire after this many periods in a row, each at least one TTL long. */
export const CONFIG_PERIODS = 3;

/** The EMF metrics' namespace and service dimension: what the stack writes into the function's environment (lambdaEnvironment). */
export const ADAPTER_NAMESPACE = POWERTOOLS_METRICS_NAMESPACE.default;
export const ADAPTER_SERVICE = POWERTOOLS_SERVICE_NAME.default;

const minute = Duration.minutes(1);

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, index) => items.slice(index * size, (index + 1) * size));

/** One TTL, rounded up to whole minutes (CloudWatch's alarm periods), and never under a minute. */
export function configPeriod(cacheTtlSeconds: number): Duration {
  return Duration.minutes(Math.max(1, Math.ceil(cacheTtlSeconds / 60)));
}

/** One of the adapter's own EMF metrics (lambda/observability/metrics.ts), `service` always among its dimensions. */
function adapterMetric(metricName: string, dimensions: Record<string, string>, statistic: string, period: Duration, label?: string): Metric {
  return new Metric({
    namespace: ADAPTER_NAMESPACE,
    metricName,
    dimensionsMap: { service: ADAPTER_SERVICE, ...dimensions },
    statistic,
    period,
    ...(label === undefined ? {} : { label }),
  });
}

/** Every value of one metric under one dimension set, for a dashboard: a SEARCH, so models and consumers added later show too. */
function searchAll(metricName: string, dimension: string, statistic: string, label: string): MathExpression {
  return new MathExpression({
    expression: `SEARCH('{${ADAPTER_NAMESPACE},${dimension},service} MetricName="${metricName}" service="${ADAPTER_SERVICE}"', '${statistic}', 60)`,
    usingMetrics: {},
    label,
    period: minute,
  });
}

/** The alarms an operator is woken by, and the dashboard they open first. */
export class Operations extends Construct {
  readonly alarms: readonly Alarm[];
  /** The alarms a code deploy rolls back on (AdapterDeployment): what a bad version of the function shows first. */
  readonly deploymentAlarms: readonly Alarm[];
  readonly topic: Topic | undefined;
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const { apiStage, handler } = props;

    // The stage by its name, not a reference to it: the deployment group rolls back on these
    // alarms, the alias names the group, the stage's deployment needs the methods that invoke the
    // alias, and a Ref to the stage here would close that loop (test/infra/production.test.ts).
    const apiMetric = (metricName: string, statistic: string): Metric =>
      new Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        dimensionsMap: { ApiName: apiStage.restApi.restApiName, Stage: props.stageName },
        statistic,
        period: minute,
      });
    // The average of 5XXError is the share of responses that were 5xx, the Lambda's included:
    // a model failing B is an incident too.
    const serverErrorRate = apiMetric('5XXError', Stats.AVERAGE);
    const p99Latency = apiMetric('Latency', Stats.p(99));
    const errors = handler.metricErrors({ statistic: Stats.SUM, period: minute });
    const throttles = handler.metricThrottles({ statistic: Stats.SUM, period: minute });

    const fleet = [
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

    // What the adapter itself knows (its EMF metrics): the configuration it serves, and each model.
    const period = configPeriod(props.cacheTtlSeconds);
    const periods = `${CONFIG_PERIODS} periods of ${period.toMinutes()} min in a row`;
    // No labels on what an alarm reads: a labelled metric makes CloudFormation's metric-math form.
    const refreshFailures = adapterMetric('ConfigRefreshes', { result: 'failed' }, Stats.SUM, period);
    const refreshes = adapterMetric('ConfigRefreshes', { result: 'ok' }, Stats.SUM, period, 'refreshes');
    const staleServes = adapterMetric('StaleServes', {}, Stats.SUM, period);
    const configFailures = new Alarm(this, 'ConfigRefreshFailures', {
      alarmDescription: `Reading the configuration from SSM failed in each of ${periods} (throttling, a denied or missing path, no credentials): containers serve their last copy, or 503 CONFIG_UNAVAILABLE with none.`,
      metric: refreshFailures,
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: CONFIG_PERIODS,
      datapointsToAlarm: CONFIG_PERIODS,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const staleServing = new Alarm(this, 'StaleServing', {
      alarmDescription: `Requests were answered from a configuration copy older than its TTL in each of ${periods}: repointed models are not picked up.`,
      metric: staleServes,
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: CONFIG_PERIODS,
      datapointsToAlarm: CONFIG_PERIODS,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    // One pair per model in context: alarms name the model that fails, at a rate, not a count.
    const perModel = props.models.flatMap((model) => {
      const requests = adapterMetric('Requests', { model }, Stats.SUM, minute);
      const errors = adapterMetric('Errors', { model }, Stats.SUM, minute);
      const errorRate = new MathExpression({
        expression: `IF(requests >= ${MODEL_MIN_REQUESTS}, FILL(errors, 0) / requests, 0)`,
        usingMetrics: { requests, errors },
        label: `${model} error rate`,
        period: minute,
      });
      return [
        new Alarm(this, `Model-${model}-ErrorRate`, {
          alarmDescription: `More than ${MODEL_ERROR_RATE_THRESHOLD * 100}% of model ${model}'s requests (of ${MODEL_MIN_REQUESTS} a minute or more) answered 4xx or 5xx (3 of the last 5 minutes).`,
          metric: errorRate,
          threshold: MODEL_ERROR_RATE_THRESHOLD,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 5,
          datapointsToAlarm: 3,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
        new Alarm(this, `Model-${model}-P99Latency`, {
          alarmDescription: `Model ${model}'s p99 latency (the model call, a retry included) above ${props.alarmP99LatencyMs} ms (3 of the last 5 minutes).`,
          metric: adapterMetric('ModelLatency', { model }, Stats.p(99), minute),
          threshold: props.alarmP99LatencyMs,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 5,
          datapointsToAlarm: 3,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      ];
    });

    this.alarms = [...fleet, configFailures, staleServing, ...perModel];
    // A bad version crashes (FunctionErrors), cannot read SSM (ConfigRefreshFailures: the
    // environment-only credentials), answers 5xx or slows down. Not throttles (capacity), stale
    // serving (follows the refresh failures) or one model's alarms (its own outage).
    const [serverErrorRateAlarm, p99Alarm, errorsAlarm] = fleet;
    this.deploymentAlarms = [serverErrorRateAlarm!, p99Alarm!, errorsAlarm!, configFailures];

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
        [new AlarmStatusWidget({ title: 'Alarms', alarms: [...fleet, configFailures, staleServing], width: 24, height: 3 })],
        // An alarm status widget shows at most 100 alarms: the models' in widgets of 100.
        ...chunks(perModel, 100).map((alarms, index) => [
          new AlarmStatusWidget({ title: index === 0 ? 'Model alarms' : `Model alarms (${index + 1})`, alarms, width: 24, height: 3 }),
        ]),
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
        [
          graph(`Configuration (SSM), per ${period.toMinutes()} min`, [refreshes, refreshFailures.with({ label: 'failed refreshes' })], [staleServes.with({ label: 'stale serves' })]),
          graph('Requests by consumer', [searchAll('Requests', 'consumer', 'Sum', '')], [searchAll('Errors', 'consumer', 'Sum', '')]),
        ],
        [
          graph('Requests and errors by model', [searchAll('Requests', 'model', 'Sum', '')], [searchAll('Errors', 'model', 'Sum', '')]),
          graph('p99 model latency by model (ms)', [searchAll('ModelLatency', 'model', 'p99', '')]),
        ],
      ],
    });
  }
}
