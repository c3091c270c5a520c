import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { AssetManifestArtifact } from 'aws-cdk-lib/cx-api';
import { ACCESS_LOG_FIELDS } from '../lib/public-http-api';
import { assertShowsEveryAlarm, graphed, widgets } from './dashboard';
import {
  assertAliasRecordsForTheExampleDomain,
  assertCertificateForTheExampleDomain,
  exampleConfig,
  LAMBDA_PARAMETERS,
  synthesize,
} from './example';

/**
 * Lambda mode with its own entry point, an HTTP API on the domain
 * (edge=false). What differs behind CloudFront is in edge.test.ts.
 */
const DIRECT_LAMBDA = { ...LAMBDA_PARAMETERS, edge: 'false' };

const { app, template } = synthesize(DIRECT_LAMBDA);
/** Every Lambda parameter away from its default, and the ones both modes share. */
const configured = synthesize({
  ...DIRECT_LAMBDA,
  lambdaMemoryMiB: '4096',
  lambdaReservedConcurrency: '50',
  apiThrottleRate: '100',
  apiThrottleBurst: '200',
  maxNumber: '20000',
  alarmEmail: 'ops@example.com',
}).template;

/** The logical id of the one resource of `type` that has `props`. */
function idOf(t: Template, type: string, props?: unknown): string {
  const found = Object.keys(t.findResources(type, props === undefined ? undefined : { Properties: props }));
  assert.equal(found.length, 1, `one ${type} matching ${JSON.stringify(props)}, found ${found.length}`);
  return found[0];
}

/** The properties of the one resource of `type`. */
function only(t: Template, type: string) {
  return t.findResources(type)[idOf(t, type)].Properties;
}

const functionId = idOf(template, 'AWS::Lambda::Function');
const apiId = idOf(template, 'AWS::ApiGatewayV2::Api');
const domainId = idOf(template, 'AWS::ApiGatewayV2::DomainName');
const stageId = idOf(template, 'AWS::ApiGatewayV2::Stage');
const topicId = idOf(template, 'AWS::SNS::Topic');

describe('lambda mode: what it leaves out', () => {
  it('has no network, load balancer, ECS, web ACL or log bucket', () => {
    const types = Object.values(template.toJSON().Resources).map((resource) => (resource as { Type: string }).Type);
    for (const absent of [
      'AWS::ECS::',
      'AWS::ElasticLoadBalancingV2::',
      'AWS::EC2::',
      'AWS::WAFv2::',
      'AWS::ApplicationAutoScaling::',
      'AWS::S3::',
    ]) {
      assert.deepEqual(
        types.filter((type) => type.startsWith(absent)),
        [],
        `${absent}* in the template`,
      );
    }
    for (const type of ['AWS::EC2::VPC', 'AWS::EC2::NatGateway']) {
      template.resourceCountIs(type, 0);
    }
  });

  it('builds no image', () => {
    const images = app
      .synth()
      .artifacts.filter(AssetManifestArtifact.isAssetManifestArtifact)
      .flatMap((manifest) => Object.values(manifest.contents.dockerImages ?? {}));
    assert.equal(images.length, 0);
  });
});

describe('lambda mode: moving a stack between modes', () => {
  it('keeps the certificate, the DNS records, the alarm topic with its key and the dashboard under the logical ids Fargate gives them', () => {
    const fargate = synthesize({ edge: 'false' }).template;
    const ids = (t: Template, type: string) => Object.keys(t.findResources(type)).sort();
    for (const type of [
      'AWS::CertificateManager::Certificate',
      'AWS::Route53::RecordSet',
      'AWS::SNS::Topic',
      'AWS::KMS::Key',
      'AWS::CloudWatch::Dashboard',
    ]) {
      assert.deepEqual(ids(template, type), ids(fargate, type), type);
    }
  });
});

describe('lambda mode: the function', () => {
  it('runs the bootstrap executable on Graviton (arm64) with the provided.al2023 runtime', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Architectures: ['arm64'],
      Runtime: 'provided.al2023',
      Handler: 'bootstrap',
    });
  });

  it("packs the package folder as it was built: bootstrap and factorial.cwasm, bootstrap's bytes unchanged", () => {
    const assembly = app.synth();
    const files = assembly.artifacts
      .filter(AssetManifestArtifact.isAssetManifestArtifact)
      .flatMap((manifest) => Object.values(manifest.contents.files ?? {}))
      .filter((file) => file.source.packaging === 'zip');
    assert.equal(files.length, 1);
    const staged = path.join(assembly.directory, files[0].source.path ?? '');
    const { lambdaPackage } = exampleConfig(LAMBDA_PARAMETERS);
    for (const name of ['bootstrap', 'factorial.cwasm']) {
      assert.ok(
        readFileSync(path.join(staged, name)).equals(readFileSync(path.join(lambdaPackage, name))),
        `${name} is not the package's`,
      );
    }
  });

  it('times out at 29 s, under the 30 s the HTTP API waits for it', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 29 });
  });

  it('has 1769 MiB and a reserved concurrency of 100 by default, what is configured otherwise', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 1769, ReservedConcurrentExecutions: 100 });
    configured.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 4096, ReservedConcurrentExecutions: 50 });
  });

  it('tells the runner its deadline (under the timeout), memory budget (the memory size) and metrics namespace, and the maximum n only when one is configured', () => {
    const environment = (t: Template) => only(t, 'AWS::Lambda::Function').Environment.Variables;
    assert.deepEqual(environment(template), {
      FACTORIAL_REQUEST_TIMEOUT: '25s',
      FACTORIAL_MEMORY_BUDGET_MIB: '1769',
      FACTORIAL_EMF_NAMESPACE: 'Factorial/Factorial',
    });
    assert.deepEqual(environment(configured), {
      FACTORIAL_REQUEST_TIMEOUT: '25s',
      FACTORIAL_MEMORY_BUDGET_MIB: '4096',
      FACTORIAL_MAX_NUMBER: '20000',
      FACTORIAL_EMF_NAMESPACE: 'Factorial/Factorial',
    });
  });

  it('logs to its own log group, kept 30 days, in JSON, filtering none of its lines', () => {
    const { LoggingConfig } = only(template, 'AWS::Lambda::Function');
    assert.deepEqual(
      { ...LoggingConfig, LogGroup: undefined },
      { LogFormat: 'JSON', ApplicationLogLevel: 'TRACE', SystemLogLevel: 'INFO', LogGroup: undefined },
    );
    const logGroup = template.toJSON().Resources[LoggingConfig.LogGroup.Ref];
    assert.equal(logGroup.Type, 'AWS::Logs::LogGroup');
    assert.equal(logGroup.Properties.RetentionInDays, 30);
  });

  it('may write to its log group and do nothing else, without an AWS managed policy', () => {
    const roleId = only(template, 'AWS::Lambda::Function').Role['Fn::GetAtt'][0];
    const role = template.toJSON().Resources[roleId].Properties;
    assert.equal(role.ManagedPolicyArns, undefined);
    assert.equal(role.Policies, undefined);
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    assert.equal(policies.length, 1);
    const logGroupId = only(template, 'AWS::Lambda::Function').LoggingConfig.LogGroup.Ref;
    assert.deepEqual(policies[0].Properties.Roles, [{ Ref: roleId }]);
    assert.deepEqual(policies[0].Properties.PolicyDocument.Statement, [
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] },
      },
    ]);
  });
});

describe('lambda mode: the HTTP API', () => {
  it('is an HTTP API reachable only through its custom domain, on IPv4 and IPv6', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      DisableExecuteApiEndpoint: true,
      IpAddressType: 'dualstack',
    });
  });

  it('sends every request, whatever its path and method, to the function with payload format 2.0', () => {
    const integrationId = idOf(template, 'AWS::ApiGatewayV2::Integration', {
      ApiId: { Ref: apiId },
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: { 'Fn::GetAtt': [functionId, 'Arn'] },
      PayloadFormatVersion: '2.0',
    });
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      ApiId: { Ref: apiId },
      RouteKey: '$default',
      Target: { 'Fn::Join': ['', ['integrations/', { Ref: integrationId }]] },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [functionId, 'Arn'] },
      Principal: 'apigateway.amazonaws.com',
    });
  });

  it('serves the domain with the certificate, TLS 1.2 at least, on IPv4 and IPv6', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'factorial.example.com',
      DomainNameConfigurations: [
        {
          CertificateArn: { Ref: idOf(template, 'AWS::CertificateManager::Certificate') },
          EndpointType: 'REGIONAL',
          SecurityPolicy: 'TLS_1_2',
          IpAddressType: 'dualstack',
        },
      ],
    });
  });

  it('has a certificate for the domain, validated by DNS in the hosted zone', () => {
    assertCertificateForTheExampleDomain(template);
  });

  it("maps the domain's root to the stage, once the stage exists", () => {
    const [mapping] = Object.values(template.findResources('AWS::ApiGatewayV2::ApiMapping'));
    template.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 1);
    assert.deepEqual(mapping.Properties, { ApiId: { Ref: apiId }, DomainName: { Ref: domainId }, Stage: '$default' });
    assert.deepEqual(mapping.DependsOn, [stageId]);
  });

  it('names the domain with A and AAAA alias records', () => {
    assertAliasRecordsForTheExampleDomain(template, {
      DNSName: { 'Fn::GetAtt': [domainId, 'RegionalDomainName'] },
      HostedZoneId: { 'Fn::GetAtt': [domainId, 'RegionalHostedZoneId'] },
    });
  });

  it('throttles the default stage to 500 requests a second with bursts of 1000 by default, what is configured otherwise', () => {
    const throttling = (t: Template) => {
      const { StageName, AutoDeploy, DefaultRouteSettings } = only(t, 'AWS::ApiGatewayV2::Stage');
      return { StageName, AutoDeploy, ...DefaultRouteSettings };
    };
    assert.deepEqual(throttling(template), {
      StageName: '$default',
      AutoDeploy: true,
      ThrottlingRateLimit: 500,
      ThrottlingBurstLimit: 1000,
    });
    assert.deepEqual(throttling(configured), {
      StageName: '$default',
      AutoDeploy: true,
      ThrottlingRateLimit: 100,
      ThrottlingBurstLimit: 200,
    });
  });

  it('logs each request as one JSON object to a log group kept 30 days', () => {
    const { AccessLogSettings } = only(template, 'AWS::ApiGatewayV2::Stage');
    const logGroupId = AccessLogSettings.DestinationArn['Fn::GetAtt'][0];
    assert.equal(template.toJSON().Resources[logGroupId].Properties.RetentionInDays, 30);
    const format: Record<string, string> = JSON.parse(AccessLogSettings.Format);
    for (const field of [
      'requestId',
      'ip',
      'method',
      'path',
      'status',
      'responseLength',
      'integrationLatency',
      'integrationError',
    ]) {
      assert.match(format[field] ?? '', /^\$context\.[A-Za-z.]+$/, `${field} is not logged`);
    }
    assert.deepEqual(format, ACCESS_LOG_FIELDS);
  });

  it('keeps every log group 30 days', () => {
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    assert.equal(groups.length, 2);
    for (const group of groups) {
      assert.equal(group.Properties.RetentionInDays, 30);
    }
  });
});

describe('lambda mode: alarms', () => {
  const alarm = (t: Template, name: string) => {
    const found = Object.values(t.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: name } }));
    assert.equal(found.length, 1, `one alarm ${name}`);
    return found[0].Properties;
  };
  const expected: [string, Record<string, unknown>][] = [
    [
      'Api5xx',
      {
        Namespace: 'AWS/ApiGateway',
        MetricName: '5xx',
        Dimensions: [
          { Name: 'ApiId', Value: { Ref: apiId } },
          { Name: 'Stage', Value: '$default' },
        ],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      },
    ],
    [
      'FunctionErrors',
      {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      },
    ],
    [
      'FunctionThrottles',
      {
        Namespace: 'AWS/Lambda',
        MetricName: 'Throttles',
        Statistic: 'Sum',
        Period: 300,
        Threshold: 10,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      },
    ],
    [
      'FunctionConcurrency',
      {
        Namespace: 'AWS/Lambda',
        MetricName: 'ConcurrentExecutions',
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 5,
        Threshold: 80,
        ComparisonOperator: 'GreaterThanThreshold',
      },
    ],
    [
      'FunctionP99Duration',
      {
        Namespace: 'AWS/Lambda',
        MetricName: 'Duration',
        ExtendedStatistic: 'p99',
        Period: 300,
        EvaluationPeriods: 3,
        Threshold: 23200,
        ComparisonOperator: 'GreaterThanThreshold',
      },
    ],
  ];
  for (const [name, properties] of expected) {
    it(`alarms on ${name} to the SNS topic, and again when it clears`, () => {
      const found = alarm(template, `Factorial-${name}`);
      assert.deepEqual(
        Object.fromEntries(Object.keys(properties).map((key) => [key, found[key]])),
        properties,
        `${name}'s metric and threshold`,
      );
      if (found.Namespace === 'AWS/Lambda') {
        assert.deepEqual(found.Dimensions, [{ Name: 'FunctionName', Value: { Ref: functionId } }]);
      }
      assert.equal(found.TreatMissingData, 'notBreaching');
      assert.deepEqual(found.AlarmActions, [{ Ref: topicId }]);
      assert.deepEqual(found.OKActions, [{ Ref: topicId }]);
      assert.match(found.AlarmDescription, new RegExp(`Runbook: docs/operations\\.md#lambda-alarms, ${name}\\.$`));
    });
  }

  it('has exactly these five alarms', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', expected.length);
  });

  it('warns at 80% of the reserved concurrency, whatever it is', () => {
    assert.equal(alarm(configured, 'Factorial-FunctionConcurrency').Threshold, 40);
  });

  it('lists every alarm in the runbook of docs/operations.md, under its heading', () => {
    const operations = readFileSync(path.join(__dirname, '..', '..', 'docs', 'operations.md'), 'utf8');
    const section = operations.slice(operations.indexOf('\n### Lambda alarms\n'));
    assert.ok(section.length > 1, 'docs/operations.md has no "Lambda alarms" section');
    for (const [name] of expected) {
      assert.ok(section.includes(`| \`${name}\` |`), `${name} is not in the alarms table`);
      assert.ok(section.includes(`- **\`${name}\`.**`), `${name} has no runbook entry`);
    }
  });

  it('notifies the same kind of topic as Fargate: KMS-encrypted with rotation, HTTPS only, e-mailed when configured', () => {
    const keyId = idOf(template, 'AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    configured.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });
});

describe('lambda mode: dashboard', () => {
  it("graphs the API's requests, 4xx, 5xx and latencies, and the function's invocations, errors, throttles, duration and concurrency", () => {
    const metrics = graphed(template);
    for (const expected of [
      'AWS/ApiGateway Count Sum',
      'AWS/ApiGateway 4xx Sum',
      'AWS/ApiGateway 5xx Sum',
      'AWS/ApiGateway Latency p50',
      'AWS/ApiGateway Latency p99',
      'AWS/ApiGateway IntegrationLatency p50',
      'AWS/ApiGateway IntegrationLatency p99',
      'AWS/Lambda Invocations Sum',
      'AWS/Lambda Errors Sum',
      'AWS/Lambda Throttles Sum',
      'AWS/Lambda Duration p50',
      'AWS/Lambda Duration p99',
      'AWS/Lambda ConcurrentExecutions Maximum',
    ]) {
      assert.ok(metrics.includes(expected), `${expected} is not graphed`);
    }
  });

  it("graphs this function's and this API's metrics, not another's", () => {
    for (const metric of widgets(template).flatMap(({ properties }) => properties.metrics ?? [])) {
      if (metric[0] === 'AWS/Lambda') {
        assert.equal(metric[metric.indexOf('FunctionName') + 1], functionId);
      }
      if (metric[0] === 'AWS/ApiGateway') {
        assert.equal(metric[metric.indexOf('ApiId') + 1], apiId);
        assert.equal(metric[metric.indexOf('Stage') + 1], '$default');
      }
    }
  });

  it('draws the timeout on the duration graph and the reserved concurrency on the concurrency graph', () => {
    const lines = widgets(configured).flatMap(({ properties }) =>
      (properties.annotations?.horizontal ?? []).map(({ value, label }) => `${label} ${value}`),
    );
    assert.deepEqual(lines.sort(), ['Reserved concurrency 50', 'Timeout 29000']);
  });

  it("graphs the runner's metrics that mean something for one request per environment, from the stack's namespace", () => {
    const runner = graphed(template)
      .filter((metric) => metric.startsWith('Factorial/Factorial '))
      .map((metric) => metric.replace('Factorial/Factorial ', ''));
    assert.deepEqual(runner.sort(), [
      'CacheBytes Maximum',
      'CacheEvictions Sum',
      'CacheHits Sum',
      'CacheMisses Sum',
      'DeadlineExceeded Sum',
      'GuestErrors Sum',
      'MemoryLimitExceeded Sum',
      'Requests2xx Sum',
      'Requests4xx Sum',
      'Requests5xx Sum',
    ]);
    for (const metric of widgets(template).flatMap(({ properties }) => properties.metrics ?? [])) {
      if (metric[0] === 'Factorial/Factorial') {
        assert.equal(metric[metric.indexOf('Service') + 1], 'factorial');
      }
    }
  });

  it('shows the state of every alarm', () => {
    assertShowsEveryAlarm(template);
  });

  it('is named after the stack and region, and linked from an output, beside the log groups', () => {
    const [[dashboardId, dashboard]] = Object.entries(template.findResources('AWS::CloudWatch::Dashboard'));
    assert.equal(dashboard.Properties.DashboardName, 'Factorial-us-east-1');
    const { Outputs } = template.toJSON();
    assert.deepEqual(Outputs.DashboardUrl.Value['Fn::Join'][1], [
      'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/',
      { Ref: dashboardId },
    ]);
    assert.deepEqual(Object.keys(Outputs).sort(), [
      'AlarmTopicArn',
      'ApiAccessLogGroup',
      'DashboardUrl',
      'ExampleUrl',
      'FunctionLogGroup',
    ]);
  });
});
