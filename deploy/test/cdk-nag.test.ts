import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Stack } from 'aws-cdk-lib/core';
import { LAMBDA_PARAMETERS, type Synthesized, synthesize } from './example';

interface NagMetadata {
  readonly cdk_nag?: { readonly rules_to_suppress: readonly { readonly id: string; readonly reason: string }[] };
}

/** The AwsSolutions rules acknowledged in the template's metadata: rule id to reason and resource types. */
function acknowledgements(resources: Record<string, { Type: string; Metadata?: NagMetadata }>) {
  const found = new Map<string, { reason: string; types: Set<string> }>();
  for (const { Type, Metadata } of Object.values(resources)) {
    for (const { id, reason } of Metadata?.cdk_nag?.rules_to_suppress ?? []) {
      if (!id.startsWith('AwsSolutions-')) continue;
      const entry = found.get(id) ?? { reason, types: new Set<string>() };
      assert.equal(entry.reason, reason, `${id} has one reason`);
      entry.types.add(Type);
      found.set(id, entry);
    }
  }
  return found;
}

/** What the distribution acknowledges in either compute mode: no geographic restriction, no standard logs. */
const DISTRIBUTION_ACKNOWLEDGEMENTS = {
  'AwsSolutions-CFR1': ['AWS::CloudFront::Distribution'],
  'AwsSolutions-CFR3': ['AWS::CloudFront::Distribution'],
};

/** `template` acknowledges exactly `expected` (rule id to resource types), each rule with a reason that says why. */
function assertAcknowledges(template: Template, expected: Record<string, string[]>): void {
  const found = acknowledgements(template.toJSON().Resources ?? {});
  const summary = Object.fromEntries([...found].map(([id, { types }]) => [id, [...types].sort()]));
  assert.deepEqual(summary, expected);
  for (const [id, { reason }] of found) {
    assert.ok(reason.length >= 60, `${id}'s reason says why: "${reason}"`);
  }
}

describe('cdk-nag AwsSolutions', () => {
  it('finds nothing unacknowledged in the example deployment', () => {
    assert.doesNotThrow(() => synthesize());
  });

  it('fails synthesis on a finding that is not acknowledged', () => {
    const addOpenSecurityGroup = (stack: Stack) => {
      const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Elsewhere', {
        vpcId: 'vpc-0123456789abcdef0',
        availabilityZones: ['a'],
      });
      new ec2.SecurityGroup(stack, 'WideOpen', { vpc }).addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(22));
    };
    assert.throws(
      () => synthesize({}, addOpenSecurityGroup),
      /Factorial\/WideOpen\/Resource .*\n\s*Acknowledge with 'AwsSolutions::AwsSolutions-EC23'/,
    );
  });

  it('acknowledges only the reviewed rules, each with its reason, on the resources it concerns', () => {
    const { template, globalEdgeTemplate } = synthesize();
    assertAcknowledges(template, {
      'AwsSolutions-S1': ['AWS::S3::Bucket', 'AWS::S3::BucketPolicy'],
      'AwsSolutions-EC23': ['AWS::EC2::SecurityGroup', 'AWS::EC2::SecurityGroupEgress'],
      'AwsSolutions-ECS2': ['AWS::ECS::TaskDefinition'],
      'AwsSolutions-IAM5[Resource::*]': ['AWS::IAM::Policy', 'AWS::IAM::Role'],
      ...DISTRIBUTION_ACKNOWLEDGEMENTS,
    });
    assert.ok(globalEdgeTemplate);
    assertAcknowledges(globalEdgeTemplate, {});
  });

  it('acknowledges the same rules without CloudFront but for the distribution, on the internet-facing load balancer', () => {
    assertAcknowledges(synthesize({ edge: 'false' }).template, {
      'AwsSolutions-S1': ['AWS::S3::Bucket', 'AWS::S3::BucketPolicy'],
      'AwsSolutions-EC23': ['AWS::EC2::SecurityGroup', 'AWS::EC2::SecurityGroupEgress'],
      'AwsSolutions-ECS2': ['AWS::ECS::TaskDefinition'],
      'AwsSolutions-IAM5[Resource::*]': ['AWS::IAM::Policy', 'AWS::IAM::Role'],
    });
  });

  describe('in lambda mode', () => {
    // Synthesized once, by the first test that needs it.
    let synthesized: Synthesized | undefined;
    const lambda = () => {
      synthesized ??= synthesize(LAMBDA_PARAMETERS);
      return synthesized.template;
    };

    it('finds nothing unacknowledged', () => {
      assert.doesNotThrow(lambda);
    });

    it("acknowledges only the distribution's rules behind CloudFront", () => {
      assertAcknowledges(lambda(), DISTRIBUTION_ACKNOWLEDGEMENTS);
    });

    it('acknowledges only that the public API has no authorization, on its one route, without CloudFront', () => {
      assertAcknowledges(synthesize({ ...LAMBDA_PARAMETERS, edge: 'false' }).template, {
        'AwsSolutions-APIG4': ['AWS::ApiGatewayV2::Route'],
      });
    });

    it("needs no AWS managed policy for the function's role (AwsSolutions-IAM4)", () => {
      for (const role of Object.values(lambda().findResources('AWS::IAM::Role'))) {
        assert.equal(role.Properties.ManagedPolicyArns, undefined);
      }
    });
  });
});
