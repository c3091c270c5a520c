import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Validations } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import { addAliasRecords } from './alias-records';

export interface PublicLoadBalancerProps {
  readonly vpc: ec2.IVpc;
  /** The name clients use; it gets the certificate and the A and AAAA records. */
  readonly domainName: string;
  /** The zone that holds `domainName`, for the records and the certificate's DNS validation. */
  readonly hostedZone: route53.IHostedZone;
  /** Where the load balancer writes its access logs. */
  readonly accessLogBucket: s3.IBucket;
}

/**
 * The internet-facing entry point: an application load balancer on IPv4 and
 * IPv6 that answers HTTPS on 443 with a DNS-validated certificate, redirects
 * HTTP on 80 to it, and is named in DNS by alias records. Targets are added
 * to `httpsListener` by whoever serves the traffic.
 */
export class PublicLoadBalancer extends Construct {
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly httpsListener: elbv2.ApplicationListener;

  constructor(scope: Construct, id: string, props: PublicLoadBalancerProps) {
    super(scope, id);
    // The listeners open it to the internet on their ports; egress is added per target.
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Factorial load balancer: HTTP and HTTPS from anywhere, egress to its targets only',
      allowAllOutbound: false,
    });
    Validations.of(securityGroup).acknowledge({
      id: 'AwsSolutions-EC23',
      reason:
        'A public API: the load balancer admits any IPv4 and IPv6 address, on ports 80 (which only redirects) and 443 only.',
    });
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      securityGroup,
      internetFacing: true,
      ipAddressType: elbv2.IpAddressType.DUAL_STACK,
      // Malformed header names are dropped rather than passed on to the runner.
      dropInvalidHeaderFields: true,
    });
    this.loadBalancer.logAccessLogs(props.accessLogBucket, 'alb-access-logs');

    const certificate = new acm.Certificate(this, 'Certificate', {
      domainName: props.domainName,
      validation: acm.CertificateValidation.fromDns(props.hostedZone),
    });
    this.httpsListener = this.loadBalancer.addListener('Https', {
      protocol: elbv2.ApplicationProtocol.HTTPS,
      port: 443,
      certificates: [certificate],
      // TLS 1.3 (with post-quantum key exchange) preferred, TLS 1.2 the minimum,
      // and only forward-secret AEAD ciphers.
      sslPolicy: elbv2.SslPolicy.TLS13_12_RES_PQ,
    });
    this.loadBalancer.addRedirect({ sourcePort: 80, targetPort: 443 });

    const aliasTarget = route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(this.loadBalancer));
    addAliasRecords(this, props.hostedZone, props.domainName, aliasTarget);
  }
}
