import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { AssetManifestArtifact } from 'aws-cdk-lib/cx-api';
import {
  assertAliasRecordsForTheExampleDomain,
  assertCertificateForTheExampleDomain,
  type Synthesized,
  synthesize,
} from './example';

const { app, template } = synthesize();

/** The resource with this logical id, as in the template. */
function resource(logicalId: string) {
  return template.toJSON().Resources[logicalId];
}

/** The logical id of the one resource of `type` that has `props`. */
function idOf(type: string, props?: unknown): string {
  const found = Object.keys(template.findResources(type, props === undefined ? undefined : { Properties: props }));
  assert.equal(found.length, 1, `one ${type} matching ${JSON.stringify(props)}, found ${found.length}`);
  return found[0];
}

/** The runner's container definition. */
const container = (t: Template) =>
  Object.values(t.findResources('AWS::ECS::TaskDefinition'))[0].Properties.ContainerDefinitions[0];

const groupIdOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'GroupId'] });
const securityGroup = (logicalId: string) => template.findResources('AWS::EC2::SecurityGroup')[logicalId].Properties;
const loadBalancerId = idOf('AWS::ElasticLoadBalancingV2::LoadBalancer');
const loadBalancerGroupId: string = resource(loadBalancerId).Properties.SecurityGroups[0]['Fn::GetAtt'][0];
const serviceId = idOf('AWS::ECS::Service');
const serviceGroupId: string =
  resource(serviceId).Properties.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups[0]['Fn::GetAtt'][0];
const targetGroupId = idOf('AWS::ElasticLoadBalancingV2::TargetGroup');
const topicId = idOf('AWS::SNS::Topic');

describe('network', () => {
  it("is one VPC over the region's first two zones, with a public and a private subnet in each", () => {
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EC2::Subnet', 4);
    for (const index of [0, 1]) {
      const zone = { 'Fn::Select': [index, { 'Fn::GetAZs': '' }] };
      template.resourcePropertiesCountIs('AWS::EC2::Subnet', { AvailabilityZone: zone }, 2);
    }
    template.resourcePropertiesCountIs('AWS::EC2::Subnet', { MapPublicIpOnLaunch: false }, 4);
  });

  it('is dual stack, so the load balancer can answer on IPv6', () => {
    template.resourceCountIs('AWS::EC2::VPCCidrBlock', 1);
    template.hasResourceProperties('AWS::EC2::VPCCidrBlock', { AmazonProvidedIpv6CidrBlock: true });
  });

  it('gives the private subnets a NAT gateway per zone by default, one when configured so', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 2);
    synthesize({ natGateways: '1' }).template.resourceCountIs('AWS::EC2::NatGateway', 1);
  });

  it('writes flow logs of all traffic to the log bucket', () => {
    template.hasResourceProperties('AWS::EC2::FlowLog', {
      ResourceType: 'VPC',
      TrafficType: 'ALL',
      LogDestinationType: 's3',
      LogDestination: Match.objectLike({
        'Fn::Join': ['', Match.arrayWith([{ 'Fn::GetAtt': [Match.stringLikeRegexp('^LogBucket'), 'Arn'] }])],
      }),
    });
  });
});

describe('compute', () => {
  it('has an ECS cluster with Container Insights', () => {
    template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
  });

  it('runs two Fargate tasks in the private subnets, without public IPs', () => {
    template.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      DesiredCount: 2,
      NetworkConfiguration: {
        AwsvpcConfiguration: {
          AssignPublicIp: 'DISABLED',
          Subnets: [
            { Ref: Match.stringLikeRegexp('PrivateSubnet1') },
            { Ref: Match.stringLikeRegexp('PrivateSubnet2') },
          ],
        },
      },
    });
  });

  it('rolls a failed deployment back, and keeps full capacity while deploying', () => {
    template.hasResourceProperties('AWS::ECS::Service', {
      DeploymentConfiguration: {
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
        MinimumHealthyPercent: 100,
        MaximumPercent: 200,
      },
    });
  });

  it('sizes the task as configured', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', { Cpu: '512', Memory: '1024' });
    synthesize({ cpu: '1024', memoryMiB: '3072' }).template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '1024',
      Memory: '3072',
    });
  });

  it('runs the tasks and builds the image on x86_64 by default, on ARM64 (Graviton) when configured so', () => {
    const platforms = (synthesized: Synthesized) => {
      const images = synthesized.app
        .synth()
        .artifacts.filter(AssetManifestArtifact.isAssetManifestArtifact)
        .flatMap((manifest) => Object.values(manifest.contents.dockerImages ?? {}));
      const runtime = Object.values(synthesized.template.findResources('AWS::ECS::TaskDefinition'))[0].Properties
        .RuntimePlatform;
      return [runtime.CpuArchitecture, runtime.OperatingSystemFamily, ...images.map((i) => i.source.platform)];
    };
    assert.deepEqual(platforms(synthesize()), ['X86_64', 'LINUX', 'linux/amd64']);
    assert.deepEqual(platforms(synthesize({ cpuArchitecture: 'ARM64' })), ['ARM64', 'LINUX', 'linux/arm64']);
  });

  it('runs the container as non-root on a read-only root filesystem', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ User: '65532:65532', ReadonlyRootFilesystem: true })],
    });
  });

  it("checks the container's health with the runner's healthcheck subcommand", () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          HealthCheck: Match.objectLike({ Command: ['CMD', '/app/factorial-runner', 'healthcheck'] }),
        }),
      ],
    });
  });

  it('tells the runner its port, grace period, memory budget (the task size) and metrics namespace, and the maximum n only when one is configured', () => {
    const environment = (t: Template) => container(t).Environment;
    const metrics = [
      { Name: 'FACTORIAL_EMF_INTERVAL', Value: '60s' },
      { Name: 'FACTORIAL_EMF_NAMESPACE', Value: 'Factorial/Factorial' },
    ];
    assert.deepEqual(environment(template), [
      { Name: 'FACTORIAL_LISTEN', Value: '0.0.0.0:5000' },
      { Name: 'FACTORIAL_SHUTDOWN_GRACE', Value: '30s' },
      { Name: 'FACTORIAL_MEMORY_BUDGET_MIB', Value: '1024' },
      ...metrics,
    ]);
    assert.deepEqual(environment(synthesize({ maxNumber: '20000', cpu: '1024', memoryMiB: '2048' }).template), [
      { Name: 'FACTORIAL_LISTEN', Value: '0.0.0.0:5000' },
      { Name: 'FACTORIAL_SHUTDOWN_GRACE', Value: '30s' },
      { Name: 'FACTORIAL_MEMORY_BUDGET_MIB', Value: '2048' },
      { Name: 'FACTORIAL_MAX_NUMBER', Value: '20000' },
      ...metrics,
    ]);
  });

  it('sends the logs to a log group that expires them', () => {
    const { LogConfiguration } = container(template);
    assert.equal(LogConfiguration.LogDriver, 'awslogs');
    assert.equal(resource(LogConfiguration.Options['awslogs-group'].Ref).Properties.RetentionInDays, 30);
  });

  it("builds the image from the repository's Dockerfile, without build output or this app in its context", () => {
    const assembly = app.synth();
    const images = assembly.artifacts
      .filter(AssetManifestArtifact.isAssetManifestArtifact)
      .flatMap((manifest) => Object.values(manifest.contents.dockerImages ?? {}));
    assert.equal(images.length, 1);
    assert.equal(images[0].source.platform, 'linux/amd64');
    const buildContext = path.join(assembly.directory, images[0].source.directory ?? '');
    for (const included of ['Dockerfile', 'Cargo.toml']) {
      assert.ok(existsSync(path.join(buildContext, included)), `${included} is not in the build context`);
    }
    for (const excluded of ['deploy', 'target', '.git']) {
      assert.ok(!existsSync(path.join(buildContext, excluded)), `${excluded} is in the build context`);
    }
  });

  it('runs an image already in ECR by its digest when one is given, and builds none', () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    const given = synthesize({ image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/factorial@${digest}` });
    const images = given.app
      .synth()
      .artifacts.filter(AssetManifestArtifact.isAssetManifestArtifact)
      .flatMap((manifest) => Object.values(manifest.contents.dockerImages ?? {}));
    assert.equal(images.length, 0);
    const image = JSON.stringify(container(given.template).Image);
    assert.ok(image.includes(`.dkr.ecr.us-east-1.`) && image.includes(`/factorial@${digest}`), image);
    given.template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['ecr:BatchGetImage']),
            Resource: 'arn:aws:ecr:us-east-1:123456789012:repository/factorial',
          }),
        ]),
      },
    });
  });

  it('scales from two tasks to the configured maximum', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 2,
      MaxCapacity: 6,
      ScalableDimension: 'ecs:service:DesiredCount',
    });
    synthesize({ maxCount: '10' }).template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 2,
      MaxCapacity: 10,
    });
  });

  it('scales on CPU and on load balancer requests per task', () => {
    for (const metric of ['ECSServiceAverageCPUUtilization', 'ALBRequestCountPerTarget']) {
      template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingScalingPolicyConfiguration: Match.objectLike({
          PredefinedMetricSpecification: Match.objectLike({ PredefinedMetricType: metric }),
        }),
      });
    }
  });
});

describe('load balancer', () => {
  it('is internal, in the private subnets, behind CloudFront by default', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Type: 'application',
      Scheme: 'internal',
      Subnets: [{ Ref: Match.stringLikeRegexp('PrivateSubnet1') }, { Ref: Match.stringLikeRegexp('PrivateSubnet2') }],
    });
    assert.equal(resource(loadBalancerId).Properties.IpAddressType, undefined);
  });

  it("admits only HTTPS from the VPC, where CloudFront's VPC origin connects, and has no HTTP listener", () => {
    assert.deepEqual(securityGroup(loadBalancerGroupId).SecurityGroupIngress, [
      {
        CidrIp: { 'Fn::GetAtt': [idOf('AWS::EC2::VPC'), 'CidrBlock'] },
        Description: "HTTPS from the VPC, where CloudFront's VPC origin connects",
        FromPort: 443,
        IpProtocol: 'tcp',
        ToPort: 443,
      },
    ]);
    template.resourcePropertiesCountIs('AWS::ElasticLoadBalancingV2::Listener', { Port: 80 }, 0);
  });

  it('is named by no DNS record: the domain names the distribution', () => {
    for (const record of Object.values(template.findResources('AWS::Route53::RecordSet'))) {
      assert.deepEqual(record.Properties.AliasTarget.DNSName, {
        'Fn::GetAtt': [idOf('AWS::CloudFront::Distribution'), 'DomainName'],
      });
    }
  });

  it('logs access to the log bucket and drops invalid headers', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' },
        { Key: 'access_logs.s3.enabled', Value: 'true' },
        { Key: 'access_logs.s3.bucket', Value: { Ref: Match.stringLikeRegexp('^LogBucket') } },
      ]),
    });
  });

  it('serves HTTPS on 443 with the certificate, TLS 1.2 at least and 1.3 preferred, forwarding to the tasks', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      LoadBalancerArn: { Ref: loadBalancerId },
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: { Ref: idOf('AWS::CertificateManager::Certificate') } }],
      SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09',
      DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: targetGroupId } }],
    });
  });

  it('has a certificate for the domain, validated by DNS in the hosted zone', () => {
    assertCertificateForTheExampleDomain(template);
  });

  it('health-checks the tasks on port 5000 the way the runner answers: GET /healthz, 200', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 5000,
      Protocol: 'HTTP',
      TargetType: 'ip',
      HealthCheckPath: '/healthz',
      Matcher: { HttpCode: '200' },
    });
    template.hasResourceProperties('AWS::ECS::Service', {
      LoadBalancers: [{ ContainerName: 'Runner', ContainerPort: 5000, TargetGroupArn: { Ref: targetGroupId } }],
    });
  });

  it("admits only the load balancer to the tasks, on the runner's port", () => {
    assert.equal(securityGroup(serviceGroupId).SecurityGroupIngress, undefined);
    assert.deepEqual(
      Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).map((resource) => resource.Properties),
      [
        {
          GroupId: groupIdOf(serviceGroupId),
          SourceSecurityGroupId: groupIdOf(loadBalancerGroupId),
          IpProtocol: 'tcp',
          FromPort: 5000,
          ToPort: 5000,
          Description: 'Load balancer to target',
        },
      ],
    );
  });
  it('lets the tasks out on HTTPS only, for ECR and CloudWatch Logs', () => {
    assert.deepEqual(
      securityGroup(serviceGroupId).SecurityGroupEgress.map(
        (rule: Record<string, unknown>) => `${rule.CidrIp} ${rule.IpProtocol} ${rule.FromPort}-${rule.ToPort}`,
      ),
      ['0.0.0.0/0 tcp 443-443'],
    );
  });
});

describe('load balancer without CloudFront (edge=false)', () => {
  const direct = synthesize({ edge: 'false' }).template;
  const directLoadBalancerId = Object.keys(direct.findResources('AWS::ElasticLoadBalancingV2::LoadBalancer'))[0];
  const directGroupId: string =
    direct.toJSON().Resources[directLoadBalancerId].Properties.SecurityGroups[0]['Fn::GetAtt'][0];

  it('is an internet-facing application load balancer on IPv4 and IPv6', () => {
    direct.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Type: 'application',
      Scheme: 'internet-facing',
      IpAddressType: 'dualstack',
      Subnets: [{ Ref: Match.stringLikeRegexp('PublicSubnet1') }, { Ref: Match.stringLikeRegexp('PublicSubnet2') }],
    });
  });

  it('redirects HTTP on port 80 to HTTPS on 443 with a 301', () => {
    direct.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      LoadBalancerArn: { Ref: directLoadBalancerId },
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [
        { Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } },
      ],
    });
  });

  it('names the load balancer with A and AAAA alias records for the domain, and has no distribution', () => {
    assertAliasRecordsForTheExampleDomain(direct, {
      DNSName: Match.anyValue(),
      HostedZoneId: { 'Fn::GetAtt': [directLoadBalancerId, 'CanonicalHostedZoneID'] },
    });
    direct.resourceCountIs('AWS::CloudFront::Distribution', 0);
  });

  it('admits the internet to the load balancer on ports 80 and 443 only', () => {
    const openings = direct
      .toJSON()
      .Resources[directGroupId].Properties.SecurityGroupIngress.map(
        (rule: Record<string, unknown>) => `${rule.CidrIp ?? rule.CidrIpv6} ${rule.FromPort}-${rule.ToPort}`,
      );
    assert.deepEqual(openings.sort(), ['0.0.0.0/0 443-443', '0.0.0.0/0 80-80', '::/0 443-443', '::/0 80-80']);
  });
});

describe('alarms', () => {
  const alarms = [
    ['load balancer 5xx', 'HTTPCode_ELB_5XX_Count', 'Sum'],
    ['target 5xx', 'HTTPCode_Target_5XX_Count', 'Sum'],
    ['unhealthy hosts', 'UnHealthyHostCount', 'Maximum'],
  ] as const;
  for (const [what, metric, statistic] of alarms) {
    it(`alarms on ${what} to the SNS topic, and again when it clears`, () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/ApplicationELB',
        MetricName: metric,
        Statistic: statistic,
        AlarmActions: [{ Ref: topicId }],
        OKActions: [{ Ref: topicId }],
      });
    });
  }

  it('alarms on the p99 target response time to the SNS topic', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'TargetResponseTime',
      ExtendedStatistic: 'p99',
      Threshold: 2,
      AlarmActions: [{ Ref: topicId }],
    });
  });

  const runnerAlarms = [
    ['Saturated', 'Saturated', 10],
    ['DeadlineExceeded', 'DeadlineExceeded', 1],
    ['MemoryLimitExceeded', 'MemoryLimitExceeded', 1],
  ] as const;
  for (const [name, metric, threshold] of runnerAlarms) {
    it(`alarms on the runner's ${metric} count from its own metrics, in the stack's namespace`, () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `Factorial-${name}`,
        Namespace: 'Factorial/Factorial',
        MetricName: metric,
        Dimensions: [{ Name: 'Service', Value: 'factorial' }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: threshold,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: topicId }],
        OKActions: [{ Ref: topicId }],
      });
    });
  }

  it('has exactly these seven alarms', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 7);
  });

  it('lists every alarm in the runbook of docs/operations.md', () => {
    const runbook = readFileSync(path.join(__dirname, '..', '..', 'docs', 'operations.md'), 'utf8');
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      const name = String(alarm.Properties.AlarmName).replace(/^Factorial-/, '');
      assert.ok(runbook.includes(`| \`${name}\` |`), `${name} is not in the alarms table`);
      assert.ok(runbook.includes(`- **\`${name}\`.**`), `${name} has no runbook entry`);
    }
  });

  it('encrypts the topic with a rotating key that CloudWatch may use, and refuses plain HTTP', () => {
    const keyId = idOf('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('e-mails the alarms only when an address is configured', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    synthesize({ alarmEmail: 'ops@example.com' }).template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });
});

describe('environment', () => {
  it('takes the account and region from the parameters, nothing fixed in code', () => {
    const other = synthesize({ account: '210987654321', region: 'eu-west-1' });
    assert.equal(other.stack.account, '210987654321');
    assert.equal(other.stack.region, 'eu-west-1');
    other.template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({ Image: { 'Fn::Sub': Match.stringLikeRegexp('^210987654321\\.dkr\\.ecr\\.eu-west-1\\.') } }),
      ],
    });
  });
});
