import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Duration, Stack } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import { alarmTopic, notifyOnStateChange } from './alarm-topic';
import type { RunnerMetrics } from './runner-metrics';

/** 502, 503 and 504 from the load balancer itself: no healthy task answered in time. */
const LOAD_BALANCER_5XX_PER_5_MINUTES = 5;

/**
 * A task answers 5xx only at a limit (503, 504, 500 out of memory: docs/contract.md §6) or when the
 * component fails, which docs/contract.md §3 rules out: even one is worth a look (docs/operations.md).
 */
const TARGET_5XX_PER_5_MINUTES = 1;

/**
 * Well above the time of the largest allowed n on one task: a p99 over this
 * means queuing, so the service is saturated or scaling lags behind.
 */
const P99_RESPONSE_TIME = Duration.seconds(2);

/**
 * 503s at a task's cap on computations (docs/contract.md §6). A burst that auto
 * scaling has not caught up with yet costs a few; this many in five minutes
 * means the service is too small for its traffic.
 */
const SATURATED_PER_5_MINUTES = 10;

export interface ServiceAlarmsProps {
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  /** The runner's own metrics, for its 503s, 504s and memory-limit 500s. */
  readonly runnerMetrics: RunnerMetrics;
  /** Subscribed to the alarm topic when given. */
  readonly alarmEmail?: string;
}

/**
 * Alarms on what a client would notice (load balancer and task 5xx, unhealthy
 * tasks, slow responses) and on the runner's own reasons for a 5xx (503 at
 * the cap on computations, 504 at the deadline, 500 at the memory limit), each
 * notifying an encrypted SNS topic when it fires
 * and when it clears. Each is named after the stack and its id here
 * (`Factorial-Target5xx`): a name to read in a notification, and one the
 * service can be given before the alarm exists.
 */
export class ServiceAlarms extends Construct {
  readonly topic: sns.Topic;
  /** Every alarm, in the order of the runbook. */
  readonly alarms: readonly cloudwatch.Alarm[];
  /**
   * The alarms that say a deployment broke the service: 5xx and unhealthy
   * tasks. Not the p99 response time, which rises with load as much as with
   * a bad release.
   */
  readonly deploymentAlarmNames: readonly string[];

  constructor(scope: Construct, id: string, props: ServiceAlarmsProps) {
    super(scope, id);
    this.topic = alarmTopic(this, props.alarmEmail);

    const alarmName = (id: string) => `${Stack.of(this).stackName}-${id}`;
    const fiveMinuteSum = { period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM };
    // Counts of errors: no requests, no data, no alarm.
    const errorCountAlarm = (id: string, metric: cloudwatch.Metric, threshold: number, alarmDescription: string) =>
      metric.createAlarm(this, id, {
        alarmName: alarmName(id),
        alarmDescription,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    const [loadBalancer5xx, target5xx, unhealthyTasks, p99ResponseTime] = [
      errorCountAlarm(
        'LoadBalancer5xx',
        props.loadBalancer.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, fiveMinuteSum),
        LOAD_BALANCER_5XX_PER_5_MINUTES,
        'The load balancer answered 5xx itself: no healthy task, or tasks too slow.',
      ),
      errorCountAlarm(
        'Target5xx',
        props.targetGroup.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, fiveMinuteSum),
        TARGET_5XX_PER_5_MINUTES,
        'A task answered 5xx: the component failed on a request.',
      ),
      props.targetGroup.metrics
        .unhealthyHostCount({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM })
        .createAlarm(this, 'UnhealthyTasks', {
          alarmName: alarmName('UnhealthyTasks'),
          alarmDescription: 'A task has failed the load balancer health check for three minutes.',
          threshold: 1,
          evaluationPeriods: 3,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        }),
      props.targetGroup.metrics
        .targetResponseTime({ period: Duration.minutes(5), statistic: cloudwatch.Stats.p(99) })
        .createAlarm(this, 'P99ResponseTime', {
          alarmName: alarmName('P99ResponseTime'),
          alarmDescription: `The 99th percentile response time has been over ${P99_RESPONSE_TIME.toSeconds()} s for 15 minutes.`,
          threshold: P99_RESPONSE_TIME.toSeconds(),
          evaluationPeriods: 3,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
    ];
    const runnerCount = (name: string) => props.runnerMetrics.metric(name, fiveMinuteSum);
    const runnerAlarms = [
      errorCountAlarm(
        'Saturated',
        runnerCount('Saturated'),
        SATURATED_PER_5_MINUTES,
        `Tasks refused ${SATURATED_PER_5_MINUTES} or more requests in five minutes with 503: every task was at its cap on computations.`,
      ),
      errorCountAlarm(
        'DeadlineExceeded',
        runnerCount('DeadlineExceeded'),
        1,
        'A task stopped a request at its deadline with 504.',
      ),
      errorCountAlarm(
        'MemoryLimitExceeded',
        runnerCount('MemoryLimitExceeded'),
        1,
        'A task stopped a request at the memory limit with 500.',
      ),
    ];
    this.alarms = [loadBalancer5xx, target5xx, unhealthyTasks, p99ResponseTime, ...runnerAlarms];
    // The names as set above, not `alarm.alarmName`, which is a reference.
    this.deploymentAlarmNames = [loadBalancer5xx, target5xx, unhealthyTasks].map((alarm) => alarmName(alarm.node.id));
    notifyOnStateChange(this.topic, this.alarms);
  }
}
