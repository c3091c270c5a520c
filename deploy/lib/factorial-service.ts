import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Duration, Validations } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import { type CpuArchitecture, type EcrImageReference, MIN_TASK_COUNT, STOP_TIMEOUT_MARGIN_SECONDS } from './config';
import type { RunnerMetrics } from './runner-metrics';

/** The port `factorial-runner` listens on inside the task (its `FACTORIAL_LISTEN`). */
const CONTAINER_PORT = 5000;

/** The runner's health endpoint: 200 `ok` once the component is loaded. */
const HEALTH_CHECK_PATH = '/healthz';

/** The image's non-root user, enforced here whatever the image says. */
const CONTAINER_USER = '65532:65532';

/**
 * What the image's build context leaves out, on top of the repository's
 * `.dockerignore`: build output, and this CDK app with its `cdk.out`, where
 * the context is staged (it would contain itself). None of it changes the image.
 */
const IMAGE_EXCLUDES = ['.git', '.venv', 'deploy', 'target'];

/** The task's runtime platform and the image's platform for each CPU architecture. */
const PLATFORMS: Readonly<Record<CpuArchitecture, [ecs.CpuArchitecture, Platform]>> = {
  X86_64: [ecs.CpuArchitecture.X86_64, Platform.LINUX_AMD64],
  ARM64: [ecs.CpuArchitecture.ARM64, Platform.LINUX_ARM64],
};

/** Scale out when the tasks' average CPU goes over this. */
const TARGET_CPU_PERCENT = 60;

/**
 * Scale out when each task gets more requests than this per minute. A first
 * estimate: revisit it once a load test against one task gives a real figure.
 */
const TARGET_REQUESTS_PER_TASK_PER_MINUTE = 1200;

export interface FactorialServiceProps {
  readonly vpc: ec2.IVpc;
  /** The listener whose traffic the service receives. */
  readonly listener: elbv2.ApplicationListener;
  /** The directory with the repository's Dockerfile, the image's build context. */
  readonly imageDirectory: string;
  /** An image already pushed to ECR, used instead of building one from `imageDirectory`. */
  readonly image?: EcrImageReference;
  readonly cpu: number;
  readonly memoryMiB: number;
  /** The tasks' CPU architecture; the image is built for it. */
  readonly cpuArchitecture: CpuArchitecture;
  readonly desiredCount: number;
  /** The most tasks auto scaling may run; the fewest is `MIN_TASK_COUNT`. */
  readonly maxCount: number;
  /** `FACTORIAL_MAX_NUMBER` for the runner; absent: the runner's default. */
  readonly maxNumber?: number;
  /** How long the container's logs are kept. */
  readonly logRetention: logs.RetentionDays;
  /**
   * How long the runner lets in-flight requests finish once told to stop
   * (`FACTORIAL_SHUTDOWN_GRACE`); the deregistration delay and the stop
   * timeout follow from it. Whole seconds.
   */
  readonly shutdownGrace: Duration;
  /** The runner's own metrics, which its environment turns on. */
  readonly runnerMetrics: RunnerMetrics;
}

/**
 * The factorial runner on Fargate: a cluster with Container Insights, the
 * image built from the repository's Dockerfile, tasks in private subnets that
 * only the load balancer can reach, rolling deployments that roll back on
 * failure (and on alarms, see `rollBackOnAlarms`), tasks stopped without
 * cutting requests short, and auto scaling on CPU and on requests per task.
 *
 * Stopping a task (scale-in, deployment) goes: ECS deregisters it from the
 * target group, and the load balancer sends it no new requests but lets those
 * in flight finish for up to the deregistration delay; then ECS sends SIGTERM,
 * and the runner stops accepting connections and lets what is still in flight
 * finish for up to its grace period; then, after the stop timeout, SIGKILL.
 * So the delay is the grace: a request in flight when draining starts gets as
 * long at the load balancer as the runner would give it after SIGTERM (and
 * with the default 30 s, the runner's own request deadline, every request is
 * answered, if only with a 504, before the task is signalled). The stop
 * timeout is the grace plus a margin, so that the runner's own timer, not
 * SIGKILL, ends the drain of whatever is still in flight at SIGTERM.
 */
export class FactorialService extends Construct {
  readonly service: ecs.FargateService;
  readonly targetGroup: elbv2.ApplicationTargetGroup;

  constructor(scope: Construct, id: string, props: FactorialServiceProps) {
    super(scope, id);
    const cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: props.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });

    const [cpuArchitecture, platform] = PLATFORMS[props.cpuArchitecture];
    const taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: props.cpu,
      memoryLimitMiB: props.memoryMiB,
      runtimePlatform: {
        cpuArchitecture,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    const container = taskDefinition.addContainer('Runner', {
      image: props.image
        ? ecs.ContainerImage.fromEcrRepository(
            ecr.Repository.fromRepositoryName(this, 'Repository', props.image.repositoryName),
            props.image.digest,
          )
        : ecs.ContainerImage.fromAsset(props.imageDirectory, { platform, exclude: IMAGE_EXCLUDES }),
      user: CONTAINER_USER,
      stopTimeout: props.shutdownGrace.plus(Duration.seconds(STOP_TIMEOUT_MARGIN_SECONDS)),
      readonlyRootFilesystem: true,
      portMappings: [{ containerPort: CONTAINER_PORT }],
      environment: {
        FACTORIAL_LISTEN: `0.0.0.0:${CONTAINER_PORT}`,
        FACTORIAL_SHUTDOWN_GRACE: `${props.shutdownGrace.toSeconds()}s`,
        // The task's memory, which the container shares with nothing else:
        // the runner admits only the computations that fit in it.
        FACTORIAL_MEMORY_BUDGET_MIB: String(props.memoryMiB),
        ...(props.maxNumber === undefined ? {} : { FACTORIAL_MAX_NUMBER: String(props.maxNumber) }),
        ...props.runnerMetrics.environment(),
      },
      healthCheck: {
        command: ['CMD', '/app/factorial-runner', 'healthcheck'],
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(10),
      },
      logging: ecs.LogDrivers.awsLogs({
        streamPrefix: 'runner',
        logGroup: new logs.LogGroup(this, 'Logs', { retention: props.logRetention }),
      }),
    });
    Validations.of(taskDefinition.obtainExecutionRole()).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        "ecr:GetAuthorizationToken has no resource-level permissions; the image pull itself is limited to the image's repository (the CDK assets one, or the one the image parameter names).",
    });
    Validations.of(taskDefinition.node.defaultChild as ecs.CfnTaskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason:
        'The environment holds the listen address, the maximum n and the metrics namespace: public configuration, no secrets, so Secrets Manager or SSM would add nothing.',
    });

    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Factorial tasks: ingress from the load balancer only, egress HTTPS for ECR and CloudWatch Logs',
      allowAllOutbound: false,
    });
    securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'ECR image pulls and CloudWatch Logs');

    this.service = new ecs.FargateService(this, 'Service', {
      cluster,
      taskDefinition,
      desiredCount: props.desiredCount,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [securityGroup],
      circuitBreaker: { enable: true, rollback: true },
      // Start new tasks before stopping old ones, so a deployment never lowers capacity.
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
    });

    this.targetGroup = props.listener.addTargets('Runner', {
      protocol: elbv2.ApplicationProtocol.HTTP,
      port: CONTAINER_PORT,
      targets: [
        this.service.loadBalancerTarget({ containerName: container.containerName, containerPort: CONTAINER_PORT }),
      ],
      healthCheck: {
        path: HEALTH_CHECK_PATH,
        healthyHttpCodes: '200',
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
      deregistrationDelay: props.shutdownGrace,
    });

    const scaling = this.service.autoScaleTaskCount({ minCapacity: MIN_TASK_COUNT, maxCapacity: props.maxCount });
    scaling.scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: TARGET_CPU_PERCENT });
    scaling.scaleOnRequestCount('Requests', {
      requestsPerTarget: TARGET_REQUESTS_PER_TASK_PER_MINUTE,
      targetGroup: this.targetGroup,
    });
  }

  /**
   * Fails a deployment, and rolls it back to the last one that completed,
   * when one of the alarms named goes into ALARM while the deployment runs or
   * during the bake time ECS watches after it. Beside the circuit breaker,
   * which only sees tasks that fail to start or to pass their health checks.
   *
   * Fixed names, not references to the alarms: a reference would make the
   * service depend on the alarms, and an alarm on the service's own metrics
   * (whose dimensions name the service) would then close a cycle.
   */
  rollBackOnAlarms(alarmNames: readonly string[]): void {
    this.service.enableDeploymentAlarms([...alarmNames], { behavior: ecs.AlarmBehavior.ROLLBACK_ON_ALARM });
  }
}
