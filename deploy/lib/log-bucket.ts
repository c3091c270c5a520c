import * as s3 from 'aws-cdk-lib/aws-s3';
import { type Duration, Validations } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';

export interface LogBucketProps {
  /** How long a log object is kept before S3 deletes it. */
  readonly expiration: Duration;
}

/** The bucket that receives the load balancer's access logs and the VPC's flow logs. */
export class LogBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: LogBucketProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      // ALB access logs can only be written to a bucket encrypted with S3-managed keys.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      lifecycleRules: [{ expiration: props.expiration }],
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This bucket holds access and flow logs only; logging access to it would need another log bucket with the same finding, without end.',
    });
  }
}
