import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Duration } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import type { RunnerMetrics } from './runner-metrics';

/**
 * The function's timeout, under the 30 s an API Gateway HTTP API waits for
 * its integration at most: a run-away invocation is stopped, and counted in
 * the function's errors, before the API gives up on it. The component's own
 * deadline, `FUNCTION_REQUEST_TIMEOUT`, comes before either.
 */
export const FUNCTION_TIMEOUT = Duration.seconds(29);

/**
 * The runner's request deadline in the function (`FACTORIAL_REQUEST_TIMEOUT`),
 * below `FUNCTION_TIMEOUT`: a request past it gets the component's own 504,
 * with time left to send it and to write the invocation's log line and EMF
 * record, rather than being cut off by Lambda with no answer and no record.
 */
export const FUNCTION_REQUEST_TIMEOUT = Duration.seconds(25);

export interface FactorialFunctionProps {
  /**
   * The folder `scripts/lambda.sh package` fills: `bootstrap`, the aarch64
   * executable Lambda starts, and `factorial.cwasm`, the component
   * precompiled for it. `readDeploymentConfig` has checked both.
   */
  readonly packageDirectory: string;
  /** The function's memory, and so its CPU share; also the runner's memory budget. */
  readonly memoryMiB: number;
  /** The most execution environments the function runs at once: one request each. */
  readonly reservedConcurrency: number;
  /** `FACTORIAL_MAX_NUMBER`; absent: the runner's default. */
  readonly maxNumber?: number;
  /** How long the function's logs are kept. */
  readonly logRetention: logs.RetentionDays;
  /** The runner's own metrics, which the function writes once per invocation. */
  readonly runnerMetrics: RunnerMetrics;
}

/**
 * The factorial component on Lambda: the runner's request path built as a
 * `provided.al2023` executable for Graviton (arm64), one request per
 * execution environment, under a deadline shorter than the function's
 * timeout, with a reserved concurrency that caps what it may cost and
 * leaves the rest of the account's concurrency to other functions.
 *
 * The role is written here, not `AWSLambdaBasicExecutionRole`: the function
 * needs nothing but to write to its own log group, and the managed policy
 * would let it create and write to any.
 */
export class FactorialFunction extends Construct {
  readonly function: lambda.Function;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: FactorialFunctionProps) {
    super(scope, id);
    // Made here, not by Lambda on first use, so that it has a retention and
    // belongs to the stack.
    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'The factorial function: writes to its own log group, nothing else',
    });
    this.logGroup.grantWrite(role);

    this.function = new lambda.Function(this, 'Function', {
      description: 'Exact factorials: the factorial component, one request per execution environment',
      architecture: lambda.Architecture.ARM_64,
      runtime: lambda.Runtime.PROVIDED_AL2023,
      handler: 'bootstrap',
      code: lambda.Code.fromAsset(props.packageDirectory),
      memorySize: props.memoryMiB,
      timeout: FUNCTION_TIMEOUT,
      reservedConcurrentExecutions: props.reservedConcurrency,
      role,
      environment: {
        FACTORIAL_REQUEST_TIMEOUT: `${FUNCTION_REQUEST_TIMEOUT.toSeconds()}s`,
        // The function's memory, which the runtime shares with nothing else:
        // the runner admits only the computations that fit in it.
        FACTORIAL_MEMORY_BUDGET_MIB: String(props.memoryMiB),
        ...(props.maxNumber === undefined ? {} : { FACTORIAL_MAX_NUMBER: String(props.maxNumber) }),
        // One record per invocation, written before it returns: Lambda
        // freezes the process between invocations, so there is no interval.
        FACTORIAL_EMF_NAMESPACE: props.runnerMetrics.namespace,
      },
      logGroup: this.logGroup,
      // The function's lines are JSON already, and Lambda passes them as they
      // are (the EMF records too); JSON makes Lambda's own lines (start,
      // report with the memory used) JSON as well, so that one Logs Insights
      // query reads them all. TRACE lets every line of the function through:
      // its own RUST_LOG decides what it writes.
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.TRACE,
      systemLogLevelV2: lambda.SystemLogLevel.INFO,
    });
  }
}
