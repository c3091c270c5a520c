import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Duration, Stack } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import type { ContentDelivery } from './content-delivery';
import type { RunnerMetrics } from './runner-metrics';
import type { WebFirewall } from './web-firewall';

/** Fine enough to see a deployment or a burst, coarse enough to stay readable over hours. */
const PERIOD = Duration.minutes(1);

/** Two graphs side by side fill the dashboard's 24 columns. */
const HALF_WIDTH = 12;

export interface FunctionDashboardProps {
  readonly function: lambda.IFunction;
  /** Drawn as a line on the duration graph. */
  readonly timeout: Duration;
  /** Drawn as a line on the concurrency graph. */
  readonly reservedConcurrency: number;
  /** The HTTP API stage clients reach; absent behind CloudFront. */
  readonly stage?: apigwv2.IHttpStage;
  /** The CloudFront distribution clients reach instead of a stage. */
  readonly contentDelivery?: ContentDelivery;
  /** The web ACL that guards the distribution, if any. */
  readonly firewall?: WebFirewall;
  /** The runner's own metrics, one EMF record per invocation. */
  readonly runnerMetrics: RunnerMetrics;
  /** Shown with their state at the foot of the dashboard. */
  readonly alarms: readonly cloudwatch.IAlarm[];
}

/**
 * The dashboard of lambda mode, the sibling of `ServiceDashboard`: requests,
 * 4xx and 5xx and latency at the API; the function's invocations, errors,
 * throttles, duration and concurrency against its limits; the runner's own
 * answers, limits and per-environment cache from its EMF records; and the
 * alarms' states. Named after the stack and region, as dashboards are
 * global to the account.
 *
 * Of the runner's metrics, those with no meaning for one request per
 * environment are left out: its 503 at the cap on computations, requests in
 * flight and coalesced cache answers. So is its request duration, which in
 * a record of one invocation is that invocation's, as Lambda's own duration
 * graph shows it.
 */
export class FunctionDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: FunctionDashboardProps) {
    super(scope, id);
    const { function: fn, stage, runnerMetrics } = props;
    const sum = { period: PERIOD, statistic: cloudwatch.Stats.SUM };
    const percentiles = (metric: (options: cloudwatch.MetricOptions) => cloudwatch.Metric, what: string) =>
      [50, 99].map((p) => metric({ period: PERIOD, statistic: cloudwatch.Stats.p(p), label: `${what} p${p}` }));
    const graph = (
      title: string,
      left: cloudwatch.IMetric[],
      leftYAxis?: cloudwatch.YAxisProps,
      leftAnnotations?: cloudwatch.HorizontalAnnotation[],
    ) => new cloudwatch.GraphWidget({ title, left, leftYAxis, leftAnnotations, width: HALF_WIDTH, height: 6 });
    const milliseconds: cloudwatch.YAxisProps = { min: 0, showUnits: false };

    const stack = Stack.of(this);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${stack.stackName}-${stack.region}`,
      defaultInterval: Duration.hours(3),
    });
    if (stage) {
      this.dashboard.addWidgets(
        graph('API: requests per minute', [stage.metricCount({ ...sum, label: 'Requests' })]),
        graph('API: errors per minute', [
          stage.metricClientError({ ...sum, label: '4xx, throttled 429s among them' }),
          stage.metricServerError({ ...sum, label: '5xx' }),
        ]),
      );
    }
    if (props.contentDelivery) {
      this.dashboard.addWidgets(...props.contentDelivery.dashboardWidgets(PERIOD, HALF_WIDTH));
    }
    if (props.firewall) {
      this.dashboard.addWidgets(...props.firewall.dashboardWidgets(HALF_WIDTH));
    }
    const duration = graph(
      'Function: duration (ms)',
      percentiles((o) => fn.metricDuration(o), 'Duration'),
      milliseconds,
      [{ value: props.timeout.toMilliseconds(), label: 'Timeout' }],
    );
    this.dashboard.addWidgets(
      ...(stage
        ? [
            graph(
              'API: latency (ms)',
              [
                ...percentiles((o) => stage.metricLatency(o), 'API'),
                ...percentiles((o) => stage.metricIntegrationLatency(o), 'Function'),
              ],
              milliseconds,
            ),
          ]
        : []),
      duration,
    );
    this.dashboard.addWidgets(
      graph('Function: invocations per minute', [
        fn.metricInvocations({ ...sum, label: 'Invocations' }),
        fn.metricErrors({ ...sum, label: 'Errors' }),
        fn.metricThrottles({ ...sum, label: 'Throttles' }),
      ]),
      graph(
        'Function: concurrent executions',
        [
          fn.metric('ConcurrentExecutions', {
            period: PERIOD,
            statistic: cloudwatch.Stats.MAXIMUM,
            label: 'Most at once',
          }),
        ],
        { min: 0 },
        [{ value: props.reservedConcurrency, label: 'Reserved concurrency' }],
      ),
    );
    const runnerSum = (name: string, label: string) =>
      runnerMetrics.metric(name, { period: PERIOD, statistic: cloudwatch.Stats.SUM, label });
    this.dashboard.addWidgets(
      graph('Runner: answers per minute', [
        runnerSum('Requests2xx', '2xx'),
        runnerSum('Requests4xx', '4xx'),
        runnerSum('Requests5xx', '5xx'),
      ]),
      graph('Runner: stopped per minute', [
        runnerSum('DeadlineExceeded', '504 at the deadline'),
        runnerSum('MemoryLimitExceeded', '500 at the memory limit'),
        runnerSum('GuestErrors', '500 from a guest error'),
      ]),
    );
    this.dashboard.addWidgets(
      graph('Runner: response cache per minute, each environment its own', [
        runnerSum('CacheHits', 'Hits'),
        runnerSum('CacheMisses', 'Misses'),
        runnerSum('CacheEvictions', 'Evictions'),
      ]),
      graph('Runner: response cache size, fullest environment', [
        runnerMetrics.metric('CacheBytes', { period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM, label: 'Bytes' }),
      ]),
    );
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms], width: 2 * HALF_WIDTH }),
    );
  }
}
