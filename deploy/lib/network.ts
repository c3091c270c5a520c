import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface NetworkProps {
  /** NAT gateways for the private subnets' IPv4 egress: one per zone, or one shared. */
  readonly natGateways: number;
  /** Where the VPC's flow logs are written. */
  readonly flowLogBucket: s3.IBucket;
}

/**
 * A dual-stack VPC: public subnets for the load balancer and NAT gateways,
 * private subnets with egress for the tasks. Dual stack so that the load
 * balancer can answer on IPv6 too.
 */
export class Network extends Construct {
  readonly vpc: ec2.Vpc;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      // Two zones, so that the service survives the loss of one.
      maxAzs: 2,
      ipProtocol: ec2.IpProtocol.DUAL_STACK,
      natGateways: props.natGateways,
      subnetConfiguration: [
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
      ],
      flowLogs: {
        AllTraffic: { destination: ec2.FlowLogDestination.toS3(props.flowLogBucket, 'vpc-flow-logs/') },
      },
    });
  }
}
