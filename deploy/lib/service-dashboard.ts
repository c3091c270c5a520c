import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Duration, Stack } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import type { ContentDelivery } from './content-delivery';
import type { RunnerMetrics } from './runner-metrics';
import type { WebFirewall } from './web-firewall';

/** Fine enough to see a deployment or a burst, coarse enough to stay readable over hours. */
const PERIOD = Duration.minutes(1);

/** Two graphs side by side fill the dashboard's 24 columns. */
const HALF_WIDTH = 12;

export interface ServiceDashboardProps {
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  readonly service: ecs.FargateService;
  /** The runner's own metrics, from each task's log stream. */
  readonly runnerMetrics: RunnerMetrics;
  /** Shown with their state at the foot of the dashboard. */
  readonly alarms: readonly cloudwatch.IAlarm[];
  /** When the load balancer or the distribution has a web ACL: its allowed and blocked requests. */
  readonly firewall?: WebFirewall;
  /** When CloudFront is in front of the load balancer: its requests, cache hit rate and errors, first. */
  readonly contentDelivery?: ContentDelivery;
}

/**
 * One CloudWatch dashboard for the service: requests, cache hit rate and
 * errors at CloudFront, when it is in front; requests and responses at the
 * load balancer, response times, task health, CPU and memory; the runner's
 * own answers, refusals, limits, in-flight requests, durations and response
 * cache; the web ACL's verdicts; and the alarms' states.
 * Named after the stack and region, as dashboards are global to the account.
 */
export class ServiceDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ServiceDashboardProps) {
    super(scope, id);
    const { loadBalancer, targetGroup, service, runnerMetrics } = props;
    const sum = { period: PERIOD, statistic: cloudwatch.Stats.SUM };
    const graph = (title: string, left: cloudwatch.IMetric[], leftYAxis?: cloudwatch.YAxisProps) =>
      new cloudwatch.GraphWidget({ title, left, leftYAxis, width: HALF_WIDTH, height: 6 });
    const percent: cloudwatch.YAxisProps = { min: 0, max: 100, label: '%', showUnits: false };
    const utilization = (metric: (props: cloudwatch.MetricOptions) => cloudwatch.Metric) => [
      metric({ period: PERIOD, statistic: cloudwatch.Stats.AVERAGE, label: 'Average over tasks' }),
      metric({ period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM, label: 'Busiest task' }),
    ];

    const stack = Stack.of(this);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${stack.stackName}-${stack.region}`,
      defaultInterval: Duration.hours(3),
    });
    if (props.contentDelivery) {
      this.dashboard.addWidgets(...props.contentDelivery.dashboardWidgets(PERIOD, HALF_WIDTH));
    }
    this.dashboard.addWidgets(
      graph('Requests per minute', [loadBalancer.metrics.requestCount({ ...sum, label: 'Requests' })]),
      graph('Errors per minute', [
        targetGroup.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_4XX_COUNT, { ...sum, label: 'Task 4xx' }),
        targetGroup.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { ...sum, label: 'Task 5xx' }),
        loadBalancer.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_4XX_COUNT, { ...sum, label: 'Load balancer 4xx' }),
        loadBalancer.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { ...sum, label: 'Load balancer 5xx' }),
      ]),
    );
    this.dashboard.addWidgets(
      graph(
        'Target response time (seconds)',
        [50, 99].map((p) =>
          targetGroup.metrics.targetResponseTime({ period: PERIOD, statistic: cloudwatch.Stats.p(p), label: `p${p}` }),
        ),
        { min: 0, showUnits: false },
      ),
      graph('Tasks', [
        targetGroup.metrics.healthyHostCount({ period: PERIOD, statistic: cloudwatch.Stats.MINIMUM, label: 'Healthy' }),
        targetGroup.metrics.unhealthyHostCount({
          period: PERIOD,
          statistic: cloudwatch.Stats.MAXIMUM,
          label: 'Unhealthy',
        }),
      ]),
    );
    this.dashboard.addWidgets(
      graph(
        'CPU utilization',
        utilization((o) => service.metricCpuUtilization(o)),
        percent,
      ),
      graph(
        'Memory utilization',
        utilization((o) => service.metricMemoryUtilization(o)),
        percent,
      ),
    );
    const runnerSum = (name: string, label: string) =>
      runnerMetrics.metric(name, { period: PERIOD, statistic: cloudwatch.Stats.SUM, label });
    const busiestTask = (name: string, label: string) =>
      runnerMetrics.metric(name, { period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM, label });
    this.dashboard.addWidgets(
      graph('Runner: answers per minute', [
        runnerSum('Requests2xx', '2xx'),
        runnerSum('Requests4xx', '4xx'),
        runnerSum('Requests5xx', '5xx'),
      ]),
      graph('Runner: refused or stopped per minute', [
        runnerSum('Saturated', '503, every computation slot taken'),
        runnerSum('DeadlineExceeded', '504 at the deadline'),
        runnerSum('MemoryLimitExceeded', '500 at the memory limit'),
        runnerSum('GuestErrors', '500 from a guest error'),
      ]),
    );
    this.dashboard.addWidgets(
      graph(
        'Runner: request duration, busiest task (ms)',
        ['P50', 'P90', 'P99'].map((p) => busiestTask(`RequestDuration${p}`, p.toLowerCase())),
        { min: 0, showUnits: false },
      ),
      graph('Runner: requests in flight, busiest task', [busiestTask('RequestsInFlight', 'In flight')]),
    );
    this.dashboard.addWidgets(
      graph('Runner: response cache per minute', [
        runnerSum('CacheHits', 'Hits'),
        runnerSum('CacheCoalesced', 'Waited for one computation'),
        runnerSum('CacheMisses', 'Misses'),
        runnerSum('CacheEvictions', 'Evictions'),
      ]),
      graph('Runner: response cache size, fullest task', [busiestTask('CacheBytes', 'Bytes')]),
    );
    if (props.firewall) {
      this.dashboard.addWidgets(...props.firewall.dashboardWidgets(HALF_WIDTH));
    }
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms], width: 2 * HALF_WIDTH }),
    );
  }
}
