import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Duration, Validations } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import { MIN_TASK_COUNT } from './config';

/** The port `factorial-runner` listens on inside the task (its `FACTORIAL_LISTEN`). */
const CONTAINER_PORT = 5000;

/** The runner's health endpoint: 200 `ok` once the component is loaded. */
const HEALTH_CHECK_PATH = '/healthz';

/** The `nonroot` user of the distroless base image, enforced here whatever the image says. */
const CONTAINER_USER = '65532:65532';

/**
 * What the image's build context leaves out, on top of the repository's
 * `.dockerignore`: build output, and this CDK app with its `cdk.out`, where
 * the context is staged (it would contain itself). None of it changes the image.
 */
const IMAGE_EXCLUDES = ['.git', '.venv', 'deploy', 'target'];

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
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly desiredCount: number;
  /** The most tasks auto scaling may run; the fewest is `MIN_TASK_COUNT`. */
  readonly maxCount: number;
  /** `FACTORIAL_MAX_NUMBER` for the runner; absent: the runner's default. */
  readonly maxNumber?: number;
  /** How long the container's logs are kept. */
  readonly logRetention: logs.RetentionDays;
}

/**
 * The factorial runner on Fargate: a cluster with Container Insights, the
 * image built from the repository's Dockerfile, tasks in private subnets that
 * only the load balancer can reach, rolling deployments that roll back on
 * failure, and auto scaling on CPU and on requests per task.
 */
export class FactorialService extends Construct {
  readonly targetGroup: elbv2.ApplicationTargetGroup;

  constructor(scope: Construct, id: string, props: FactorialServiceProps) {
    super(scope, id);
    const cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: props.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });

    const taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: props.cpu,
      memoryLimitMiB: props.memoryMiB,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    const container = taskDefinition.addContainer('Runner', {
      image: ecs.ContainerImage.fromAsset(props.imageDirectory, {
        platform: Platform.LINUX_AMD64,
        exclude: IMAGE_EXCLUDES,
      }),
      user: CONTAINER_USER,
      readonlyRootFilesystem: true,
      portMappings: [{ containerPort: CONTAINER_PORT }],
      environment: {
        FACTORIAL_LISTEN: `0.0.0.0:${CONTAINER_PORT}`,
        ...(props.maxNumber === undefined ? {} : { FACTORIAL_MAX_NUMBER: String(props.maxNumber) }),
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
        'ecr:GetAuthorizationToken has no resource-level permissions; the image pull itself is limited to the CDK assets repository.',
    });
    Validations.of(taskDefinition.node.defaultChild as ecs.CfnTaskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason:
        'The environment holds the listen address and the maximum n: public configuration, no secrets, so Secrets Manager or SSM would add nothing.',
    });

    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Factorial tasks: ingress from the load balancer only, egress HTTPS for ECR and CloudWatch Logs',
      allowAllOutbound: false,
    });
    securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'ECR image pulls and CloudWatch Logs');

    const service = new ecs.FargateService(this, 'Service', {
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
      targets: [service.loadBalancerTarget({ containerName: container.containerName, containerPort: CONTAINER_PORT })],
      healthCheck: {
        path: HEALTH_CHECK_PATH,
        healthyHttpCodes: '200',
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
      // Requests are short; 30 s of draining is plenty and keeps deployments quick.
      deregistrationDelay: Duration.seconds(30),
    });

    const scaling = service.autoScaleTaskCount({ minCapacity: MIN_TASK_COUNT, maxCapacity: props.maxCount });
    scaling.scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: TARGET_CPU_PERCENT });
    scaling.scaleOnRequestCount('Requests', {
      requestsPerTarget: TARGET_REQUESTS_PER_TASK_PER_MINUTE,
      targetGroup: this.targetGroup,
    });
  }
}
