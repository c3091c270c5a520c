import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Validations } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import { addAliasRecords } from './alias-records';

/** The port the load balancer answers HTTPS on. */
const HTTPS_PORT = 443;

export interface LoadBalancerProps {
  readonly vpc: ec2.IVpc;
  /**
   * The name clients use: the certificate's, and the one CloudFront asks
   * for at an internal load balancer.
   */
  readonly domainName: string;
  /** The zone that holds `domainName`, for the certificate's DNS validation and the public records. */
  readonly hostedZone: route53.IHostedZone;
  /** Where the load balancer writes its access logs. */
  readonly accessLogBucket: s3.IBucket;
  /**
   * Facing the internet, named by `domainName`'s A and AAAA records; or
   * internal, in the private subnets, for a CloudFront VPC origin, with no
   * public address and no record.
   */
  readonly internetFacing: boolean;
}

/**
 * The application load balancer in front of the tasks: HTTPS on 443 with a
 * DNS-validated certificate, TLS 1.2 at least. Internet-facing on IPv4 and
 * IPv6, it also redirects HTTP on 80 to HTTPS. Internal, it admits HTTPS
 * from inside the VPC only, where CloudFront's VPC origin reaches it.
 * Targets are added to `httpsListener` by whoever serves the traffic.
 */
export class LoadBalancer extends Construct {
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly httpsListener: elbv2.ApplicationListener;

  constructor(scope: Construct, id: string, props: LoadBalancerProps) {
    super(scope, id);
    // The listeners open an internet-facing one on their ports; egress is added per target.
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: props.internetFacing
        ? 'Factorial load balancer: HTTP and HTTPS from anywhere, egress to its targets only'
        : 'Factorial load balancer: HTTPS from the VPC (the CloudFront VPC origin), egress to its targets only',
      allowAllOutbound: false,
    });
    Validations.of(securityGroup).acknowledge({
      id: 'AwsSolutions-EC23',
      reason: props.internetFacing
        ? 'A public API: the load balancer admits any IPv4 and IPv6 address, on ports 80 (which only redirects) and 443 only.'
        : "Internal: the load balancer admits the VPC's own CIDR block on 443 only, a reference the check cannot read.",
    });
    if (!props.internetFacing) {
      securityGroup.addIngressRule(
        ec2.Peer.ipv4(props.vpc.vpcCidrBlock),
        ec2.Port.tcp(HTTPS_PORT),
        "HTTPS from the VPC, where CloudFront's VPC origin connects",
      );
    }
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      securityGroup,
      internetFacing: props.internetFacing,
      ...(props.internetFacing
        ? { ipAddressType: elbv2.IpAddressType.DUAL_STACK }
        : { vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } }),
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
      port: HTTPS_PORT,
      certificates: [certificate],
      // TLS 1.3 (with post-quantum key exchange) preferred, TLS 1.2 the minimum,
      // and only forward-secret AEAD ciphers.
      sslPolicy: elbv2.SslPolicy.TLS13_12_RES_PQ,
      open: props.internetFacing,
    });
    if (props.internetFacing) {
      this.loadBalancer.addRedirect({ sourcePort: 80, targetPort: HTTPS_PORT });
      const aliasTarget = route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(this.loadBalancer));
      addAliasRecords(this, props.hostedZone, props.domainName, aliasTarget);
    }
  }
}
