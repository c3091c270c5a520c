import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import type { Stack } from 'aws-cdk-lib/core';
import { UNCACHED_ERROR_STATUSES, VIEWER_REQUEST_FUNCTION } from '../lib/content-delivery';
import { widgets } from './dashboard';
import {
  assertAliasRecordsForTheExampleDomain,
  assertCertificateForTheExampleDomain,
  LAMBDA_PARAMETERS,
  type Synthesized,
  synthesize,
} from './example';

/** The logical id of the one resource of `type`. */
function idOf(t: Template, type: string): string {
  const found = Object.keys(t.findResources(type));
  assert.equal(found.length, 1, `one ${type}, found ${found.length}`);
  return found[0];
}

/** The properties of the one resource of `type`. */
function only(t: Template, type: string) {
  return t.findResources(type)[idOf(t, type)].Properties;
}

/** The value a `Fn::GetStackOutput` reference reads from the us-east-1 stack, which it must name. */
function readFromGlobalEdge(synthesized: Synthesized, reference: unknown): unknown {
  const { StackName, Region, OutputName } = (reference as Record<string, Record<string, string>>)['Fn::GetStackOutput'];
  assert.deepEqual([StackName, Region], ['FactorialEdge', 'us-east-1']);
  assert.ok(synthesized.globalEdgeTemplate);
  return synthesized.globalEdgeTemplate.toJSON().Outputs[OutputName].Value;
}

/** The distribution's configuration. */
const distributionConfig = (t: Template) => only(t, 'AWS::CloudFront::Distribution').DistributionConfig;

/** The metrics the dashboard draws from `namespace`, each with its options. */
function dashboardMetrics(t: Template, namespace: string): unknown[][] {
  return widgets(t)
    .flatMap(({ properties }) => properties.metrics ?? [])
    .filter((metric) => metric[0] === namespace);
}

const MODES = {
  Fargate: synthesize(),
  Lambda: synthesize(LAMBDA_PARAMETERS),
};

for (const [mode, synthesized] of Object.entries(MODES)) {
  const { template } = synthesized;

  describe(`CloudFront in front of ${mode}`, () => {
    it('serves the domain over HTTP/2 and HTTP/3, IPv4 and IPv6, TLS 1.2 or later, redirecting HTTP to HTTPS', () => {
      const config = distributionConfig(template);
      assert.deepEqual(config.Aliases, ['factorial.example.com']);
      assert.equal(config.HttpVersion, 'http2and3');
      assert.equal(config.IPV6Enabled, true);
      assert.equal(config.ViewerCertificate.MinimumProtocolVersion, 'TLSv1.2_2021');
      assert.equal(config.ViewerCertificate.SslSupportMethod, 'sni-only');
      assert.equal(config.DefaultCacheBehavior.ViewerProtocolPolicy, 'redirect-to-https');
    });

    it('shows the certificate for the domain made and validated in us-east-1, as CloudFront requires', () => {
      const certificate = readFromGlobalEdge(
        synthesized,
        distributionConfig(template).ViewerCertificate.AcmCertificateArn,
      ) as { Ref: string };
      const global = synthesized.globalEdgeTemplate;
      assert.ok(global);
      assert.equal((synthesized.app.node.findChild('FactorialEdge') as Stack).region, 'us-east-1');
      assertCertificateForTheExampleDomain(global);
      assert.equal(certificate.Ref, idOf(global, 'AWS::CertificateManager::Certificate'));
    });

    it('keys the cache on the path, number, leading and Accept, nothing else, with the TTLs the origin sends', () => {
      const { CachePolicyConfig } = only(template, 'AWS::CloudFront::CachePolicy');
      assert.deepEqual(CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin, {
        CookiesConfig: { CookieBehavior: 'none' },
        HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['accept'] },
        QueryStringsConfig: { QueryStringBehavior: 'whitelist', QueryStrings: ['number', 'leading'] },
        EnableAcceptEncodingGzip: true,
        EnableAcceptEncodingBrotli: true,
      });
      assert.deepEqual(
        [CachePolicyConfig.MinTTL, CachePolicyConfig.DefaultTTL, CachePolicyConfig.MaxTTL],
        [0, 0, 31536000],
      );
      const behavior = distributionConfig(template).DefaultCacheBehavior;
      assert.deepEqual(behavior.CachePolicyId, { Ref: idOf(template, 'AWS::CloudFront::CachePolicy') });
      // Nothing but the cache key reaches the origin.
      assert.equal(behavior.OriginRequestPolicyId, undefined);
      assert.equal(behavior.Compress, true);
      assert.deepEqual(behavior.CachedMethods, ['GET', 'HEAD']);
    });

    it('runs the viewer-request function, as it is in deploy/edge, on every method', () => {
      const fn = only(template, 'AWS::CloudFront::Function');
      assert.equal(fn.FunctionConfig.Runtime, 'cloudfront-js-2.0');
      assert.equal(fn.FunctionCode, readFileSync(VIEWER_REQUEST_FUNCTION, 'utf8'));
      const behavior = distributionConfig(template).DefaultCacheBehavior;
      assert.deepEqual(behavior.FunctionAssociations, [
        {
          EventType: 'viewer-request',
          FunctionARN: { 'Fn::GetAtt': [idOf(template, 'AWS::CloudFront::Function'), 'FunctionARN'] },
        },
      ]);
      assert.deepEqual(behavior.AllowedMethods, ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE']);
    });

    it('keeps no error answer: not 400, 404, 405 or a 503 with Retry-After', () => {
      const kept = distributionConfig(template).CustomErrorResponses.map(
        (response: { ErrorCode: number; ErrorCachingMinTTL: number }) => [
          response.ErrorCode,
          response.ErrorCachingMinTTL,
        ],
      );
      assert.deepEqual(
        kept,
        UNCACHED_ERROR_STATUSES.map((status) => [status, 0]),
      );
      for (const status of [400, 404, 405, 503]) {
        assert.ok(UNCACHED_ERROR_STATUSES.includes(status as (typeof UNCACHED_ERROR_STATUSES)[number]));
      }
    });

    it("fetches through Origin Shield in the stack's region", () => {
      const [origin] = distributionConfig(template).Origins;
      assert.deepEqual(origin.OriginShield, { Enabled: true, OriginShieldRegion: 'us-east-1' });
    });

    it('is named by the A and AAAA alias records of the domain', () => {
      assertAliasRecordsForTheExampleDomain(template, {
        DNSName: { 'Fn::GetAtt': [idOf(template, 'AWS::CloudFront::Distribution'), 'DomainName'] },
        HostedZoneId: Match.anyValue(),
      });
    });

    it('is guarded by the web ACL of CloudFront scope, counting the viewer address', () => {
      const global = synthesized.globalEdgeTemplate;
      assert.ok(global);
      const acl = only(global, 'AWS::WAFv2::WebACL');
      assert.equal(acl.Scope, 'CLOUDFRONT');
      const aggregated = acl.Rules.filter(
        (rule: { Statement: Record<string, unknown> }) => rule.Statement.RateBasedStatement,
      );
      assert.deepEqual(
        aggregated.map(
          (rule: { Statement: { RateBasedStatement: { AggregateKeyType: string } } }) =>
            rule.Statement.RateBasedStatement.AggregateKeyType,
        ),
        ['IP', 'IP'],
      );
      assert.deepEqual(readFromGlobalEdge(synthesized, distributionConfig(template).WebACLId), {
        'Fn::GetAtt': [idOf(global, 'AWS::WAFv2::WebACL'), 'Arn'],
      });
    });

    it("graphs CloudFront's requests, hit rate, error rates and origin latency from us-east-1, and the web ACL's", () => {
      const cloudFront = dashboardMetrics(template, 'AWS/CloudFront');
      assert.deepEqual(cloudFront.map((metric) => metric[1]).sort(), [
        '4xxErrorRate',
        '5xxErrorRate',
        'CacheHitRate',
        'OriginLatency',
        'Requests',
      ]);
      for (const metric of cloudFront) {
        assert.deepEqual(metric.slice(2, 6), [
          'DistributionId',
          idOf(template, 'AWS::CloudFront::Distribution'),
          'Region',
          'Global',
        ]);
        assert.equal((metric.at(-1) as { region?: string }).region, 'us-east-1');
      }
      assert.equal(
        only(template, 'AWS::CloudFront::MonitoringSubscription').MonitoringSubscription
          .RealtimeMetricsSubscriptionConfig.RealtimeMetricsSubscriptionStatus,
        'Enabled',
      );
      const firewall = dashboardMetrics(template, 'AWS/WAFV2');
      assert.ok(firewall.length > 0);
      for (const metric of firewall) {
        assert.ok(!metric.includes('Region'), `${metric.join(' ')} has a Region dimension`);
        assert.equal((metric.at(-1) as { region?: string }).region, 'us-east-1');
      }
    });
  });
}

describe('the origin, reachable through CloudFront alone', () => {
  it('on Fargate: an internal load balancer, reached by a VPC origin over HTTPS by the domain its certificate holds', () => {
    const { template } = MODES.Fargate;
    const loadBalancerId = idOf(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    assert.equal(only(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer').Scheme, 'internal');
    const endpoint = only(template, 'AWS::CloudFront::VpcOrigin').VpcOriginEndpointConfig;
    assert.deepEqual(endpoint.Arn, { Ref: loadBalancerId });
    assert.equal(endpoint.OriginProtocolPolicy, 'https-only');
    assert.deepEqual(endpoint.OriginSSLProtocols, ['TLSv1.2']);
    const [origin] = distributionConfig(template).Origins;
    assert.equal(origin.DomainName, 'factorial.example.com');
    assert.deepEqual(origin.VpcOriginConfig.VpcOriginId, {
      'Fn::GetAtt': [idOf(template, 'AWS::CloudFront::VpcOrigin'), 'Id'],
    });
    // No listener on port 80, no internet route in: the load balancer's only ingress is HTTPS from the VPC.
    template.resourcePropertiesCountIs('AWS::ElasticLoadBalancingV2::Listener', { Port: 80 }, 0);
    template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
  });

  it('on Lambda: a function URL that takes only requests CloudFront signs for this distribution, and no API', () => {
    const { template } = MODES.Lambda;
    assert.equal(only(template, 'AWS::Lambda::Url').AuthType, 'AWS_IAM');
    const control = only(template, 'AWS::CloudFront::OriginAccessControl').OriginAccessControlConfig;
    assert.deepEqual(
      [control.OriginAccessControlOriginType, control.SigningBehavior, control.SigningProtocol],
      ['lambda', 'always', 'sigv4'],
    );
    const distributionId = idOf(template, 'AWS::CloudFront::Distribution');
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')).map((p) => p.Properties);
    assert.deepEqual(permissions.map((p) => p.Action).sort(), ['lambda:InvokeFunction', 'lambda:InvokeFunctionUrl']);
    for (const permission of permissions) {
      assert.equal(permission.Principal, 'cloudfront.amazonaws.com');
      assert.ok(JSON.stringify(permission.SourceArn).includes(`{"Ref":"${distributionId}"}`));
    }
    const types = Object.values(template.toJSON().Resources).map((resource) => (resource as { Type: string }).Type);
    assert.deepEqual(
      types.filter((type) => type.startsWith('AWS::ApiGateway')),
      [],
    );
  });

  it("on Lambda: alarms on the function's own 5xx answers, as there is no API stage to count them", () => {
    const { template } = MODES.Lambda;
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'Factorial-Function5xx',
      MetricName: 'Requests5xx',
      Namespace: 'Factorial/Factorial',
    });
    const operations = readFileSync(path.join(__dirname, '..', '..', 'docs', 'operations.md'), 'utf8');
    const section = operations.slice(operations.indexOf('\n### Lambda alarms\n'));
    assert.ok(section.includes('| `Function5xx` |'), 'Function5xx is not in the alarms table');
    assert.ok(section.includes('- **`Function5xx`.**'), 'Function5xx has no runbook entry');
  });
});

describe('CloudFront from another region', () => {
  const elsewhere = synthesize({ region: 'eu-west-1' });

  it("keeps the certificate and web ACL in us-east-1 and Origin Shield in the stack's region", () => {
    assert.equal(elsewhere.stack.region, 'eu-west-1');
    const config = distributionConfig(elsewhere.template);
    assert.ok(readFromGlobalEdge(elsewhere, config.ViewerCertificate.AcmCertificateArn));
    assert.ok(readFromGlobalEdge(elsewhere, config.WebACLId));
    assert.equal(config.Origins[0].OriginShield.OriginShieldRegion, 'eu-west-1');
  });
});

describe('moving a stack between compute modes behind CloudFront', () => {
  it('keeps the distribution, its DNS records and its cache policy under the same logical ids', () => {
    const ids = (t: Template, type: string) => Object.keys(t.findResources(type)).sort();
    for (const type of [
      'AWS::CloudFront::Distribution',
      'AWS::CloudFront::CachePolicy',
      'AWS::CloudFront::Function',
      'AWS::Route53::RecordSet',
    ]) {
      assert.deepEqual(ids(MODES.Lambda.template, type), ids(MODES.Fargate.template, type), type);
    }
  });
});
