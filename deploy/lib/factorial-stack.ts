import * as path from 'node:path';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { CfnOutput, Duration, Fn, Stack, type StackProps } from 'aws-cdk-lib/core';
import type { Construct } from 'constructs';
import type { DeploymentConfig } from './config';
import { FactorialService } from './factorial-service';
import { LogBucket } from './log-bucket';
import { Network } from './network';
import { PublicLoadBalancer } from './public-load-balancer';
import { RunnerMetrics } from './runner-metrics';
import { ServiceAlarms } from './service-alarms';
import { ServiceDashboard } from './service-dashboard';
import { WebFirewall } from './web-firewall';

/** The repository root, where the runner's Dockerfile is. */
const REPOSITORY_ROOT = path.join(__dirname, '..', '..');

export interface FactorialStackProps extends Omit<StackProps, 'env'> {
  /** The validated parameters; the stack's account and region come from here. */
  readonly config: DeploymentConfig;
  /** The image's build context, holding its Dockerfile. @default the repository root */
  readonly imageDirectory?: string;
}

/** The factorial API on AWS: network, load balancer with its web ACL, Fargate service, alarms and dashboard. */
export class FactorialStack extends Stack {
  constructor(scope: Construct, id: string, props: FactorialStackProps) {
    const { config, imageDirectory = REPOSITORY_ROOT, ...stackProps } = props;
    super(scope, id, { ...stackProps, env: { account: config.account, region: config.region } });

    const logBucket = new LogBucket(this, 'LogBucket', { expiration: Duration.days(90) });
    const network = new Network(this, 'Network', {
      natGateways: config.natGateways,
      flowLogBucket: logBucket.bucket,
    });
    // Imported by id and name, so that synthesis needs no Route 53 lookup.
    const hostedZone = route53.HostedZone.fromHostedZoneAttributes(this, 'HostedZone', {
      hostedZoneId: config.hostedZoneId,
      zoneName: config.hostedZoneName,
    });
    const edge = new PublicLoadBalancer(this, 'Edge', {
      vpc: network.vpc,
      domainName: config.domainName,
      hostedZone,
      accessLogBucket: logBucket.bucket,
    });
    // Per stack, so that two deployments in one account keep their metrics apart.
    const runnerMetrics = new RunnerMetrics(`Factorial/${this.stackName}`);
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
      logRetention: logs.RetentionDays.ONE_MONTH,
      shutdownGrace: Duration.seconds(config.shutdownGraceSeconds),
      runnerMetrics,
    });
    const firewall = config.waf
      ? new WebFirewall(this, 'Firewall', {
          loadBalancer: edge.loadBalancer,
          rateLimit: config.wafRateLimit,
          largeNumberRateLimit: config.wafLargeNumberRateLimit,
          logRetention: logs.RetentionDays.ONE_MONTH,
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

    new CfnOutput(this, 'ExampleUrl', {
      description: 'Try the API',
      value: `https://${config.domainName}/api/v1/factorial?number=50`,
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: alarms.topic.topicArn });
    new CfnOutput(this, 'DashboardUrl', {
      value: `https://${this.region}.console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards/dashboard/${dashboard.dashboardName}`,
    });
    if (firewall) {
      new CfnOutput(this, 'WebAclLogGroup', {
        description: 'Requests the web ACL blocked or counted',
        value: firewall.logGroup.logGroupName,
      });
    }
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
