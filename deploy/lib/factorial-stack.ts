import * as path from 'node:path';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { CfnOutput, Duration, Fn, Stack, type StackProps } from 'aws-cdk-lib/core';
import type { Construct } from 'constructs';
import type { DeploymentConfig } from './config';
import { FactorialFunction, FUNCTION_TIMEOUT } from './factorial-function';
import { FactorialService } from './factorial-service';
import { FunctionAlarms } from './function-alarms';
import { FunctionDashboard } from './function-dashboard';
import { LogBucket } from './log-bucket';
import { Network } from './network';
import { PublicHttpApi } from './public-http-api';
import { PublicLoadBalancer } from './public-load-balancer';
import { RunnerMetrics } from './runner-metrics';
import { ServiceAlarms } from './service-alarms';
import { ServiceDashboard } from './service-dashboard';
import { WebFirewall } from './web-firewall';

/** The repository root, where the runner's Dockerfile is. */
const REPOSITORY_ROOT = path.join(__dirname, '..', '..');

/** How long every log group of the stack keeps its lines. */
const LOG_RETENTION = logs.RetentionDays.ONE_MONTH;

export interface FactorialStackProps extends Omit<StackProps, 'env'> {
  /** The validated parameters; the stack's account and region come from here. */
  readonly config: DeploymentConfig;
  /** The image's build context, holding its Dockerfile. @default the repository root */
  readonly imageDirectory?: string;
}

/** What the stack's outputs point at, whichever the compute mode. */
interface Deployed {
  readonly alarmTopic: sns.ITopic;
  readonly dashboard: cloudwatch.Dashboard;
  /** By output id: a log group worth finding, and what it holds. */
  readonly logGroups: Readonly<Record<string, { readonly description: string; readonly logGroup: logs.ILogGroup }>>;
}

/**
 * The factorial API on AWS, in one of two compute modes (`config.compute`).
 * Fargate: network, load balancer with its web ACL, Fargate service, alarms
 * and dashboard. Lambda: function, HTTP API on the same domain, alarms and
 * dashboard, and no network, load balancer or web ACL.
 */
export class FactorialStack extends Stack {
  constructor(scope: Construct, id: string, props: FactorialStackProps) {
    const { config, imageDirectory = REPOSITORY_ROOT, ...stackProps } = props;
    super(scope, id, { ...stackProps, env: { account: config.account, region: config.region } });

    // Imported by id and name, so that synthesis needs no Route 53 lookup.
    const hostedZone = route53.HostedZone.fromHostedZoneAttributes(this, 'HostedZone', {
      hostedZoneId: config.hostedZoneId,
      zoneName: config.hostedZoneName,
    });
    // Per stack, so that two deployments in one account keep their metrics apart.
    const runnerMetrics = new RunnerMetrics(`Factorial/${this.stackName}`);
    const deployed =
      config.compute === 'lambda'
        ? this.onLambda(config, hostedZone, runnerMetrics)
        : this.onFargate(config, hostedZone, runnerMetrics, imageDirectory);

    new CfnOutput(this, 'ExampleUrl', {
      description: 'Try the API',
      value: `https://${config.domainName}/api/v1/factorial?number=50`,
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: deployed.alarmTopic.topicArn });
    new CfnOutput(this, 'DashboardUrl', {
      value: `https://${this.region}.console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards/dashboard/${deployed.dashboard.dashboardName}`,
    });
    for (const [outputId, { description, logGroup }] of Object.entries(deployed.logGroups)) {
      new CfnOutput(this, outputId, { description, value: logGroup.logGroupName });
    }
  }

  /** The runner on Fargate tasks in a VPC, behind an application load balancer and its web ACL. */
  private onFargate(
    config: DeploymentConfig,
    hostedZone: route53.IHostedZone,
    runnerMetrics: RunnerMetrics,
    imageDirectory: string,
  ): Deployed {
    const logBucket = new LogBucket(this, 'LogBucket', { expiration: Duration.days(90) });
    const network = new Network(this, 'Network', {
      natGateways: config.natGateways,
      flowLogBucket: logBucket.bucket,
    });
    const edge = new PublicLoadBalancer(this, 'Edge', {
      vpc: network.vpc,
      domainName: config.domainName,
      hostedZone,
      accessLogBucket: logBucket.bucket,
    });
    const service = new FactorialService(this, 'Factorial', {
      vpc: network.vpc,
      listener: edge.httpsListener,
      imageDirectory,
      image: config.image,
      cpu: config.cpu,
      memoryMiB: config.memoryMiB,
      cpuArchitecture: config.cpuArchitecture,
      desiredCount: config.desiredCount,
      maxCount: config.maxCount,
      maxNumber: config.maxNumber,
      logRetention: LOG_RETENTION,
      shutdownGrace: Duration.seconds(config.shutdownGraceSeconds),
      runnerMetrics,
    });
    const firewall = config.waf
      ? new WebFirewall(this, 'Firewall', {
          loadBalancer: edge.loadBalancer,
          rateLimit: config.wafRateLimit,
          largeNumberRateLimit: config.wafLargeNumberRateLimit,
          logRetention: LOG_RETENTION,
        })
      : undefined;
    const alarms = new ServiceAlarms(this, 'Alarms', {
      loadBalancer: edge.loadBalancer,
      targetGroup: service.targetGroup,
      runnerMetrics,
      alarmEmail: config.alarmEmail,
    });
    service.rollBackOnAlarms(alarms.deploymentAlarmNames);
    const { dashboard } = new ServiceDashboard(this, 'Dashboard', {
      loadBalancer: edge.loadBalancer,
      targetGroup: service.targetGroup,
      service: service.service,
      runnerMetrics,
      alarms: alarms.alarms,
      firewall,
    });
    return {
      alarmTopic: alarms.topic,
      dashboard,
      logGroups: firewall
        ? { WebAclLogGroup: { description: 'Requests the web ACL blocked or counted', logGroup: firewall.logGroup } }
        : {},
    };
  }

  /** The component in a Lambda function, behind an API Gateway HTTP API on the same domain. */
  private onLambda(config: DeploymentConfig, hostedZone: route53.IHostedZone, runnerMetrics: RunnerMetrics): Deployed {
    const factorial = new FactorialFunction(this, 'Function', {
      packageDirectory: config.lambdaPackage,
      memoryMiB: config.lambdaMemoryMiB,
      reservedConcurrency: config.lambdaReservedConcurrency,
      maxNumber: config.maxNumber,
      logRetention: LOG_RETENTION,
      runnerMetrics,
    });
    // `Edge`, `Alarms` and `Dashboard` as in Fargate mode: the certificate,
    // the DNS records, the alarm topic and the dashboard keep their logical
    // ids, so that a stack moved from one mode to the other updates them in
    // place rather than making a second record or dashboard of the same name.
    const edge = new PublicHttpApi(this, 'Edge', {
      function: factorial.function,
      domainName: config.domainName,
      hostedZone,
      throttleRate: config.apiThrottleRate,
      throttleBurst: config.apiThrottleBurst,
      logRetention: LOG_RETENTION,
    });
    const alarms = new FunctionAlarms(this, 'Alarms', {
      function: factorial.function,
      timeout: FUNCTION_TIMEOUT,
      reservedConcurrency: config.lambdaReservedConcurrency,
      stage: edge.stage,
      alarmEmail: config.alarmEmail,
    });
    const { dashboard } = new FunctionDashboard(this, 'Dashboard', {
      function: factorial.function,
      timeout: FUNCTION_TIMEOUT,
      reservedConcurrency: config.lambdaReservedConcurrency,
      stage: edge.stage,
      runnerMetrics,
      alarms: alarms.alarms,
    });
    return {
      alarmTopic: alarms.topic,
      dashboard,
      logGroups: {
        FunctionLogGroup: {
          description: "The function's request lines and EMF records, and Lambda's own",
          logGroup: factorial.logGroup,
        },
        ApiAccessLogGroup: { description: 'One line per request at the API', logGroup: edge.accessLogGroup },
      },
    };
  }

  /**
   * The region's first two zones, chosen by CloudFormation at deploy time
   * (`Fn::GetAZs`): a stack with a fixed region would otherwise look them up in
   * the account at synth time, or hard-code names that differ between accounts.
   */
  override get availabilityZones(): string[] {
    return [0, 1].map((index) => Fn.select(index, Fn.getAzs()));
  }
}
