import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import { Stack, Validations } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import { addAliasRecords } from './alias-records';

/**
 * One JSON object per request in the access log: who asked for what, what
 * they got, and how long the function took, or why API Gateway answered
 * without it (`integrationError`: a throttled, failed or timed-out
 * invocation).
 */
export const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  method: '$context.httpMethod',
  path: '$context.path',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationStatus: '$context.integrationStatus',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
} as const;

export interface PublicHttpApiProps {
  /** The function every request goes to. */
  readonly function: lambda.IFunction;
  /** The name clients use; it gets the certificate and the A and AAAA records. */
  readonly domainName: string;
  /** The zone that holds `domainName`, for the records and the certificate's DNS validation. */
  readonly hostedZone: route53.IHostedZone;
  /** The stage's steady rate over all clients, in requests per second. */
  readonly throttleRate: number;
  /** The requests the stage lets through at once above that rate. */
  readonly throttleBurst: number;
  /** How long the access log is kept. */
  readonly logRetention: logs.RetentionDays;
}

/**
 * The internet-facing entry point in lambda mode: an API Gateway HTTP API
 * whose one route, `$default`, sends every request to the function (payload
 * format 2.0, with the raw path and query), so that the component answers
 * unknown paths (404) and methods (405) itself as it does on Fargate.
 *
 * Clients reach it only by its custom domain, on IPv4 and IPv6, over TLS 1.2
 * or later with a DNS-validated certificate: the `execute-api` endpoint is
 * off, so nothing gets around the domain's TLS policy or the stage's
 * throttling and access log. The stage throttles all clients together (429
 * above the rate and burst); it has no per-client limit, and AWS WAF cannot
 * guard an HTTP API.
 */
export class PublicHttpApi extends Construct {
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly accessLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: PublicHttpApiProps) {
    super(scope, id);
    const certificate = new acm.Certificate(this, 'Certificate', {
      domainName: props.domainName,
      validation: acm.CertificateValidation.fromDns(props.hostedZone),
    });
    const domain = new apigwv2.DomainName(this, 'Domain', {
      domainName: props.domainName,
      certificate,
      endpointType: apigwv2.EndpointType.REGIONAL,
      securityPolicy: apigwv2.SecurityPolicy.TLS_1_2,
      ipAddressType: apigwv2.IpAddressType.DUAL_STACK,
    });

    this.api = new apigwv2.HttpApi(this, 'Api', {
      // Named after the stack, as the dashboard is, to tell two deployments' APIs apart.
      apiName: Stack.of(this).stackName,
      description: 'Exact factorials: every request to the factorial function',
      // The stage below, with its throttling and access log, is the only one.
      createDefaultStage: false,
      disableExecuteApiEndpoint: true,
      ipAddressType: apigwv2.IpAddressType.DUAL_STACK,
    });
    const route = new apigwv2.HttpRoute(this, 'DefaultRoute', {
      httpApi: this.api,
      routeKey: apigwv2.HttpRouteKey.DEFAULT,
      integration: new HttpLambdaIntegration('Function', props.function, {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      }),
    });
    Validations.of(route.node.defaultChild as apigwv2.CfnRoute).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'A public, read-only API: anyone may compute a factorial without credentials, as through the load balancer in Fargate mode; the stage throttling bounds the load.',
    });

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', { retention: props.logRetention });
    this.stage = new apigwv2.HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttleRate, burstLimit: props.throttleBurst },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogGroup),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    new apigwv2.ApiMapping(this, 'Mapping', { api: this.api, domainName: domain, stage: this.stage });

    const aliasTarget = route53.RecordTarget.fromAlias(
      new targets.ApiGatewayv2DomainProperties(domain.regionalDomainName, domain.regionalHostedZoneId),
    );
    addAliasRecords(this, props.hostedZone, props.domainName, aliasTarget);
  }
}
