import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Duration } from 'aws-cdk-lib/core';

/**
 * How often each task writes its metrics (`FACTORIAL_EMF_INTERVAL`): the
 * one-minute resolution of standard CloudWatch metrics.
 */
export const RUNNER_METRICS_INTERVAL = Duration.minutes(1);

/** The one dimension the runner puts on every metric (runner/src/emf/mod.rs). */
const DIMENSIONS = { Service: 'factorial' };

/**
 * The runner's own metrics, which each task writes to its log stream in
 * CloudWatch's embedded metric format and CloudWatch Logs extracts
 * (docs/operations.md, "Metrics in CloudWatch"): answers by status class,
 * 503s with every computation slot taken (`Saturated`), 504 deadlines (`DeadlineExceeded`),
 * memory-limit 500s (`MemoryLimitExceeded`), guest errors (`GuestErrors`), requests
 * in flight, and the request duration's percentiles in milliseconds.
 */
export class RunnerMetrics {
  /** `namespace` is the runner's `FACTORIAL_EMF_NAMESPACE`. */
  constructor(readonly namespace: string) {}

  /** The metric `name`, e.g. `Saturated` or `RequestDurationP99`. */
  metric(name: string, options: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.namespace,
      metricName: name,
      dimensionsMap: DIMENSIONS,
      ...options,
    });
  }

  /** The runner's environment that turns the metrics on. */
  environment(): Record<string, string> {
    return {
      FACTORIAL_EMF_INTERVAL: `${RUNNER_METRICS_INTERVAL.toSeconds()}s`,
      FACTORIAL_EMF_NAMESPACE: this.namespace,
    };
  }
}
