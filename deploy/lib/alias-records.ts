import * as route53 from 'aws-cdk-lib/aws-route53';
import type { Construct } from 'constructs';

/**
 * The A and AAAA alias records that name `target` as `domainName` in
 * `zone`, in `scope` with the same ids in either compute mode, so that a
 * stack moved from one mode to the other updates its records in place.
 */
export function addAliasRecords(
  scope: Construct,
  zone: route53.IHostedZone,
  domainName: string,
  target: route53.RecordTarget,
): void {
  new route53.ARecord(scope, 'Ipv4Alias', { zone, recordName: domainName, target });
  new route53.AaaaRecord(scope, 'Ipv6Alias', { zone, recordName: domainName, target });
}
