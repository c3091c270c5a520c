import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib/core';
import type { Construct } from 'constructs';
import type { DeploymentConfig } from './config';
import { CLOUDFRONT_REGION, WebFirewall } from './web-firewall';

export interface GlobalEdgeStackProps extends Omit<StackProps, 'env' | 'crossRegionReferences'> {
  /** The validated parameters: the account, the domain and the web ACL's. */
  readonly config: DeploymentConfig;
  /** How long the web ACL's log of blocked and counted requests is kept. */
  readonly logRetention: logs.RetentionDays;
}

/**
 * What a CloudFront distribution takes only from `us-east-1`, whatever the
 * region of the stack that holds it: the certificate it shows viewers and
 * the web ACL that guards it (with its log). The factorial stack reads both
 * from here (a cross-region reference when it is in another region).
 */
export class GlobalEdgeStack extends Stack {
  readonly certificate: acm.ICertificate;
  readonly firewall?: WebFirewall;

  constructor(scope: Construct, id: string, props: GlobalEdgeStackProps) {
    const { config, logRetention, ...stackProps } = props;
    super(scope, id, {
      ...stackProps,
      env: { account: config.account, region: CLOUDFRONT_REGION },
      crossRegionReferences: true,
    });
    // Imported by id and name, as in the factorial stack: no lookup at synth time.
    const hostedZone = route53.HostedZone.fromHostedZoneAttributes(this, 'HostedZone', {
      hostedZoneId: config.hostedZoneId,
      zoneName: config.hostedZoneName,
    });
    this.certificate = new acm.Certificate(this, 'Certificate', {
      domainName: config.domainName,
      validation: acm.CertificateValidation.fromDns(hostedZone),
    });
    if (config.waf) {
      this.firewall = new WebFirewall(this, 'Firewall', {
        rateLimit: config.wafRateLimit,
        largeNumberRateLimit: config.wafLargeNumberRateLimit,
        logRetention,
      });
      new CfnOutput(this, 'WebAclLogGroup', {
        description: 'Requests the web ACL blocked or counted',
        value: this.firewall.logGroup.logGroupName,
      });
    }
  }
}
