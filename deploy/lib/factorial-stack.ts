import * as path from 'node:path';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as cloudfrontOrigins from 'aws-cdk-lib/aws-cloudfront-origins';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { CfnOutput, Duration, Fn, Stack, type StackProps } from 'aws-cdk-lib/core';
import type { Construct } from 'constructs';
import type { DeploymentConfig } from './config';
import { ContentDelivery } from './content-delivery';
import { FactorialFunction, FUNCTION_TIMEOUT } from './factorial-function';
import { FactorialService } from './factorial-service';
import { FunctionAlarms } from './function-alarms';
import { FunctionDashboard } from './function-dashboard';
import type { GlobalEdgeStack } from './global-edge-stack';
import { LoadBalancer } from './load-balancer';
import { LogBucket } from './log-bucket';
import { Network } from './network';
import { PublicHttpApi } from './public-http-api';
import { RunnerMetrics } from './runner-metrics';
import { ServiceAlarms } from './service-alarms';
import { ServiceDashboard } from './service-dashboard';
import { WebFirewall } from './web-firewall';

/** The repository root, where the runner's Dockerfile is. */
const REPOSITORY_ROOT = path.join(__dirname, '..', '..');

/** How long every log group of the deployment keeps its lines. */
export const LOG_RETENTION = logs.RetentionDays.ONE_MONTH;

export interface FactorialStackProps extends Omit<StackProps, 'env' | 'crossRegionReferences'> {
  /** The validated parameters; the stack's account and region come from here. */
  readonly config: DeploymentConfig;
  /**
   * The CloudFront certificate and web ACL, when `config.edge` puts a
   * distribution in front of the origin.
   */
  readonly globalEdge?: GlobalEdgeStack;
  /** The image's build context, holding its Dockerfile. @default the repository root */
  readonly imageDirectory?: string;
}

/** Puts a CloudFront distribution on the domain, in front of `origin`. */
type Cdn = (origin: cloudfront.IOrigin) => ContentDelivery;

/** What the stack's outputs point at, whichever the compute mode. */
interface Deployed {
  readonly alarmTopic: sns.ITopic;
  readonly dashboard: cloudwatch.Dashboard;
  /** By output id: a log group worth finding, and what it holds. */
  readonly logGroups: Readonly<Record<string, { readonly description: string; readonly logGroup: logs.ILogGroup }>>;
}

/**
 * The factorial API on AWS, in one of two compute modes (`config.compute`).
 * Fargate: network, load balancer, Fargate service, alarms and dashboard.
 * Lambda: function, alarms and dashboard, and no network or load balancer.
 *
 * With `config.edge` (the default), a CloudFront distribution answers on
 * the domain and the origin is reachable through it alone: the load
 * balancer is internal, behind a VPC origin; the function has a URL that
 * only the distribution may call. The web ACL guards the distribution.
 * Without it, the domain names the load balancer, with its web ACL, or an
 * HTTP API in front of the function.
 */
export class FactorialStack extends Stack {
  constructor(scope: Construct, id: string, props: FactorialStackProps) {
    const { config, globalEdge, imageDirectory = REPOSITORY_ROOT, ...stackProps } = props;
    super(scope, id, {
      ...stackProps,
      env: { account: config.account, region: config.region },
      crossRegionReferences: globalEdge !== undefined,
    });

    // Imported by id and name, so that synthesis needs no Route 53 lookup.
    const hostedZone = route53.HostedZone.fromHostedZoneAttributes(this, 'HostedZone', {
      hostedZoneId: config.hostedZoneId,
      zoneName: config.hostedZoneName,
    });
    // Per stack, so that two deployments in one account keep their metrics apart.
    const runnerMetrics = new RunnerMetrics(`Factorial/${this.stackName}`);
    // `Edge` is whatever the domain's records point at, in every mode, so
    // that a stack moved from one to another updates its records in place
    // rather than making a second record of the same name.
    const cdn: Cdn | undefined =
      globalEdge &&
      ((origin) =>
        new ContentDelivery(this, 'Edge', {
          origin,
          domainName: config.domainName,
          hostedZone,
          certificate: globalEdge.certificate,
          webAclArn: globalEdge.firewall?.webAcl.attrArn,
        }));
    const deployed =
      config.compute === 'lambda'
        ? this.onLambda(config, hostedZone, runnerMetrics, cdn, globalEdge?.firewall)
        : this.onFargate(config, hostedZone, runnerMetrics, imageDirectory, cdn, globalEdge?.firewall);

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

  /**
   * The runner on Fargate tasks in a VPC, behind an application load
   * balancer: internal behind `cdn`, or facing the internet with its own
   * web ACL.
   */
  private onFargate(
    config: DeploymentConfig,
    hostedZone: route53.IHostedZone,
    runnerMetrics: RunnerMetrics,
    imageDirectory: string,
    cdn: Cdn | undefined,
    globalFirewall: WebFirewall | undefined,
  ): Deployed {
    const logBucket = new LogBucket(this, 'LogBucket', { expiration: Duration.days(90) });
    const network = new Network(this, 'Network', {
      natGateways: config.natGateways,
      flowLogBucket: logBucket.bucket,
    });
    const balancer = new LoadBalancer(this, cdn ? 'Origin' : 'Edge', {
      vpc: network.vpc,
      domainName: config.domainName,
      hostedZone,
      accessLogBucket: logBucket.bucket,
      internetFacing: cdn === undefined,
    });
    // HTTPS to the load balancer by the domain's name, which its certificate holds.
    const delivery = cdn?.(
      cloudfrontOrigins.VpcOrigin.withApplicationLoadBalancer(balancer.loadBalancer, {
        domainName: config.domainName,
        protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
        originShieldRegion: this.region,
      }),
    );
    const service = new FactorialService(this, 'Factorial', {
      vpc: network.vpc,
      listener: balancer.httpsListener,
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
    const regionalFirewall =
      config.waf && !cdn
        ? new WebFirewall(this, 'Firewall', {
            loadBalancer: balancer.loadBalancer,
            rateLimit: config.wafRateLimit,
            largeNumberRateLimit: config.wafLargeNumberRateLimit,
            logRetention: LOG_RETENTION,
          })
        : undefined;
    const alarms = new ServiceAlarms(this, 'Alarms', {
      loadBalancer: balancer.loadBalancer,
      targetGroup: service.targetGroup,
      runnerMetrics,
      alarmEmail: config.alarmEmail,
    });
    service.rollBackOnAlarms(alarms.deploymentAlarmNames);
    const { dashboard } = new ServiceDashboard(this, 'Dashboard', {
      loadBalancer: balancer.loadBalancer,
      targetGroup: service.targetGroup,
      service: service.service,
      runnerMetrics,
      alarms: alarms.alarms,
      firewall: regionalFirewall ?? globalFirewall,
      contentDelivery: delivery,
    });
    return {
      alarmTopic: alarms.topic,
      dashboard,
      logGroups: regionalFirewall
        ? {
            WebAclLogGroup: {
              description: 'Requests the web ACL blocked or counted',
              logGroup: regionalFirewall.logGroup,
            },
          }
        : {},
    };
  }

  /**
   * The component in a Lambda function: behind `cdn`, through a function URL
   * that only the distribution may call; or behind an API Gateway HTTP API
   * on the domain.
   */
  private onLambda(
    config: DeploymentConfig,
    hostedZone: route53.IHostedZone,
    runnerMetrics: RunnerMetrics,
    cdn: Cdn | undefined,
    globalFirewall: WebFirewall | undefined,
  ): Deployed {
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
    const delivery = cdn?.(
      cloudfrontOrigins.FunctionUrlOrigin.withOriginAccessControl(
        // Signed by CloudFront's origin access control; no one else may call it.
        factorial.function.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM }),
        { originShieldRegion: this.region },
      ),
    );
    const api = delivery
      ? undefined
      : new PublicHttpApi(this, 'Edge', {
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
      stage: api?.stage,
      runnerMetrics,
      alarmEmail: config.alarmEmail,
    });
    const { dashboard } = new FunctionDashboard(this, 'Dashboard', {
      function: factorial.function,
      timeout: FUNCTION_TIMEOUT,
      reservedConcurrency: config.lambdaReservedConcurrency,
      stage: api?.stage,
      contentDelivery: delivery,
      firewall: globalFirewall,
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
        ...(api
          ? { ApiAccessLogGroup: { description: 'One line per request at the API', logGroup: api.accessLogGroup } }
          : {}),
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
