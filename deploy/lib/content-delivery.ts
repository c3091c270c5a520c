import * as path from 'node:path';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import { Duration, Validations } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import { addAliasRecords } from './alias-records';
import { CLOUDFRONT_REGION } from './web-firewall';

/**
 * The CloudFront Function that runs on every viewer request: it answers
 * methods other than GET and HEAD itself, and rewrites the query and the
 * `Accept` header to exactly what changes the answer, so that one cache
 * entry serves every spelling of the same request.
 */
export const VIEWER_REQUEST_FUNCTION = path.join(__dirname, '..', 'edge', 'viewer-request.js');

/** The query parameters that change an answer: `leading` only the summary's. */
export const CACHE_KEY_QUERY = ['number', 'leading'] as const;

/**
 * The error statuses whose caching CloudFront lets a distribution set, and
 * the origin may give: none is kept. They carry no caching header
 * (docs/contract.md) and cost the origin next to nothing, and a kept error
 * could reach a client whose own request would not get it: a 503 with
 * `Retry-After` or a 504 is about one moment, and a 404 for a path
 * CloudFront normalizes could be keyed with the path it normalizes to.
 */
export const UNCACHED_ERROR_STATUSES = [400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504] as const;

export interface ContentDeliveryProps {
  /** Where CloudFront fetches what it has not cached: reachable by CloudFront alone. */
  readonly origin: cloudfront.IOrigin;
  /** The name clients use; it gets the A and AAAA records. */
  readonly domainName: string;
  /** The zone that holds `domainName`. */
  readonly hostedZone: route53.IHostedZone;
  /** The certificate for `domainName`, in us-east-1 as CloudFront requires. */
  readonly certificate: acm.ICertificate;
  /** The ARN of a web ACL of CloudFront's scope; absent: none. */
  readonly webAclArn?: string;
}

/**
 * The API's public entry point with a CDN: a CloudFront distribution on
 * `domainName` over HTTP/2 and HTTP/3 and TLS 1.2 or later, IPv4 and IPv6,
 * that keeps every answer for as long as the origin's `Cache-Control` says
 * (a year for a 200), compresses it with gzip or Brotli, and fetches what it
 * lacks through Origin Shield, so that each answer is computed about once
 * for the whole world rather than once per edge location.
 *
 * The cache key holds the path, the `number` and `leading` parameters and
 * the `Accept` header, after the viewer-request function has reduced them
 * to what the component reads; nothing else reaches the origin, so no two
 * requests that share an entry can get different answers from it.
 */
export class ContentDelivery extends Construct {
  readonly distribution: cloudfront.Distribution;

  constructor(scope: Construct, id: string, props: ContentDeliveryProps) {
    super(scope, id);
    const viewerRequest = new cloudfront.Function(this, 'ViewerRequest', {
      comment: 'Factorial: answers other methods; reduces the query and Accept to the cache key',
      code: cloudfront.FunctionCode.fromFile({ filePath: VIEWER_REQUEST_FUNCTION }),
      runtime: cloudfront.FunctionRuntime.JS_2_0,
    });
    const cachePolicy = new cloudfront.CachePolicy(this, 'CachePolicy', {
      comment: 'Factorial: path, number, leading and the representation; TTLs from the origin',
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.allowList(...CACHE_KEY_QUERY),
      headerBehavior: cloudfront.CacheHeaderBehavior.allowList('accept'),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      // An answer without Cache-Control (`/healthz`, the errors) is not kept;
      // the rest for as long as the origin says, up to its year.
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.seconds(0),
      maxTtl: Duration.days(365),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `Exact factorials: ${props.domainName}`,
      domainNames: [props.domainName],
      certificate: props.certificate,
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableIpv6: true,
      webAclId: props.webAclArn,
      // Requests, error rates by status, cache hit rate and origin latency, for the dashboard.
      publishAdditionalMetrics: true,
      defaultBehavior: {
        origin: props.origin,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        // Every method reaches the function, which answers all but GET and HEAD with the component's 405 or 404.
        allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
        cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD,
        cachePolicy,
        compress: true,
        functionAssociations: [{ function: viewerRequest, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
      },
      errorResponses: UNCACHED_ERROR_STATUSES.map((httpStatus) => ({ httpStatus, ttl: Duration.seconds(0) })),
    });
    const validations = Validations.of(this.distribution.node.defaultChild as cloudfront.CfnDistribution);
    validations.acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason: 'A public API, meant for clients in every country: the distribution restricts no geography.',
      },
      {
        id: 'AwsSolutions-CFR3',
        reason:
          "No standard logs: the origin logs every request it serves (the load balancer's access logs, the runner's access lines), the web ACL logs what it blocks, and the dashboard reads CloudFront's additional metrics.",
      },
    );

    if (props.webAclArn === undefined) {
      validations.acknowledge({
        id: 'AwsSolutions-CFR2',
        reason:
          'The operator turned the web ACL off (waf=false); the origin still bounds its own work per request and in total.',
      });
    }

    const aliasTarget = route53.RecordTarget.fromAlias(new targets.CloudFrontTarget(this.distribution));
    addAliasRecords(this, props.hostedZone, props.domainName, aliasTarget);
  }

  /** The distribution's metric `name`: CloudFront's metrics are in us-east-1, with the `Global` region dimension. */
  metric(name: string, options: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/CloudFront',
      metricName: name,
      dimensionsMap: { DistributionId: this.distribution.distributionId, Region: 'Global' },
      region: CLOUDFRONT_REGION,
      ...options,
    });
  }

  /** Two graphs for a dashboard: requests and the cache's hit rate; error rates and the origin's latency. */
  dashboardWidgets(period: Duration, width: number): cloudwatch.GraphWidget[] {
    const sum = { period, statistic: cloudwatch.Stats.SUM };
    const average = { period, statistic: cloudwatch.Stats.AVERAGE };
    return [
      new cloudwatch.GraphWidget({
        title: 'CloudFront: requests per minute, and the share answered from its cache (%)',
        left: [this.metric('Requests', { ...sum, label: 'Requests' })],
        right: [this.metric('CacheHitRate', { ...average, label: 'Cache hit rate' })],
        rightYAxis: { min: 0, max: 100, showUnits: false },
        width,
        height: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'CloudFront: error rates (%), and the origin latency (ms)',
        left: [
          this.metric('4xxErrorRate', { ...average, label: '4xx' }),
          this.metric('5xxErrorRate', { ...average, label: '5xx' }),
        ],
        right: [this.metric('OriginLatency', { period, statistic: cloudwatch.Stats.p(99), label: 'Origin p99' })],
        leftYAxis: { min: 0, showUnits: false },
        rightYAxis: { min: 0, showUnits: false },
        width,
        height: 6,
      }),
    ];
  }
}
