import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Duration, Stack } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import { alarmTopic, notifyOnStateChange } from './alarm-topic';
import type { RunnerMetrics } from './runner-metrics';

/**
 * The function answers 5xx only at a limit (504 at its deadline, 500 out of
 * memory: docs/contract.md §6), and API Gateway only when the function could
 * not answer (it failed, timed out or was throttled): even one is worth a
 * look, as a task's 5xx is on Fargate.
 */
const API_5XX_PER_5_MINUTES = 1;

/**
 * An invocation error is the executable failing, not a request: a crash, the
 * function's timeout, or its memory exhausted. None is expected.
 */
const ERRORS_PER_5_MINUTES = 1;

/**
 * Invocations refused at the reserved concurrency. A burst costs a few, as
 * the runner's 503s at its cap do on Fargate (the same threshold); this many
 * in five minutes means the cap is too low for the traffic.
 */
const THROTTLES_PER_5_MINUTES = 10;

/** The share of the reserved concurrency in use that warns before throttling starts. */
const CONCURRENCY_WARNING_FRACTION = 0.8;

/** The share of the function's timeout a p99 duration may reach before requests are about to be cut. */
const DURATION_WARNING_FRACTION = 0.8;

/** Where each alarm's entry is in the runbook. */
const RUNBOOK = 'docs/operations.md#lambda-alarms';

export interface FunctionAlarmsProps {
  readonly function: lambda.IFunction;
  /** The function's timeout, for the duration alarm. */
  readonly timeout: Duration;
  /** The function's reserved concurrency, for the concurrency alarm. */
  readonly reservedConcurrency: number;
  /** The HTTP API stage clients reach; absent behind CloudFront. */
  readonly stage?: apigwv2.IHttpStage;
  /** The runner's own metrics: its 5xx answers, when there is no stage to count them. */
  readonly runnerMetrics: RunnerMetrics;
  /** Subscribed to the alarm topic when given. */
  readonly alarmEmail?: string;
}

/**
 * The alarms of lambda mode: what a client would notice (5xx from the API,
 * or behind CloudFront the function's own 5xx answers, as CloudFront's
 * metrics are in another region than the stack's alarms may be),
 * the function failing (errors), refusing work (throttles) or close to it
 * (concurrency near its reservation), and requests close to the timeout.
 * Each notifies the same kind of encrypted topic as the Fargate alarms, when
 * it fires and when it clears, is named after the stack and its id here
 * (`Factorial-FunctionErrors`), and points at its runbook entry.
 */
export class FunctionAlarms extends Construct {
  readonly topic: sns.Topic;
  /** Every alarm, in the order of the runbook. */
  readonly alarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: FunctionAlarmsProps) {
    super(scope, id);
    this.topic = alarmTopic(this, props.alarmEmail);

    const alarmName = (id: string) => `${Stack.of(this).stackName}-${id}`;
    const description = (id: string, what: string) => `${what} Runbook: ${RUNBOOK}, ${id}.`;
    const fiveMinuteSum = { period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM };
    // Counts of errors: no requests, no data, no alarm.
    const errorCountAlarm = (id: string, metric: cloudwatch.Metric, threshold: number, what: string) =>
      metric.createAlarm(this, id, {
        alarmName: alarmName(id),
        alarmDescription: description(id, what),
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    const concurrencyLimit = CONCURRENCY_WARNING_FRACTION * props.reservedConcurrency;
    const durationLimitMs = DURATION_WARNING_FRACTION * props.timeout.toMilliseconds();
    this.alarms = [
      props.stage
        ? errorCountAlarm(
            'Api5xx',
            props.stage.metricServerError(fiveMinuteSum),
            API_5XX_PER_5_MINUTES,
            'The API answered 5xx: the function answered 500 or 504, or failed, timed out or was throttled.',
          )
        : errorCountAlarm(
            'Function5xx',
            props.runnerMetrics.metric('Requests5xx', fiveMinuteSum),
            API_5XX_PER_5_MINUTES,
            'The function answered 500 or 504: a trap, the memory limit or the deadline.',
          ),
      errorCountAlarm(
        'FunctionErrors',
        props.function.metricErrors(fiveMinuteSum),
        ERRORS_PER_5_MINUTES,
        'An invocation of the function failed: a crash, its timeout, or its memory exhausted.',
      ),
      errorCountAlarm(
        'FunctionThrottles',
        props.function.metricThrottles(fiveMinuteSum),
        THROTTLES_PER_5_MINUTES,
        `The function refused ${THROTTLES_PER_5_MINUTES} or more invocations in five minutes at its reserved concurrency (${props.reservedConcurrency}).`,
      ),
      props.function
        .metric('ConcurrentExecutions', { period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM })
        .createAlarm(this, 'FunctionConcurrency', {
          alarmName: alarmName('FunctionConcurrency'),
          alarmDescription: description(
            'FunctionConcurrency',
            `The function has run over ${concurrencyLimit} invocations at once, of its ${props.reservedConcurrency} reserved, for five minutes.`,
          ),
          threshold: concurrencyLimit,
          evaluationPeriods: 5,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      props.function
        .metricDuration({ period: Duration.minutes(5), statistic: cloudwatch.Stats.p(99) })
        .createAlarm(this, 'FunctionP99Duration', {
          alarmName: alarmName('FunctionP99Duration'),
          alarmDescription: description(
            'FunctionP99Duration',
            `The function's 99th percentile duration has been over ${durationLimitMs / 1000} s, near its ${props.timeout.toSeconds()} s timeout, for 15 minutes.`,
          ),
          threshold: durationLimitMs,
          evaluationPeriods: 3,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
    ];
    notifyOnStateChange(this.topic, this.alarms);
  }
}
