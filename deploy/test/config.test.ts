import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { PARAMETERS, readDeploymentConfig } from '../lib/config';
import { EXAMPLE_PARAMETERS, exampleConfig, npmScripts } from './example';

const read = (context: Record<string, string>, env: Record<string, string> = {}) =>
  readDeploymentConfig({ context: (key) => context[key], env });

describe('deployment parameters', () => {
  it('has documented defaults for everything but the account, region, domain and zone', () => {
    assert.deepEqual(exampleConfig(), {
      account: '123456789012',
      region: 'us-east-1',
      domainName: 'factorial.example.com',
      hostedZoneId: 'Z0EXAMPLE0000000000000',
      hostedZoneName: 'example.com',
      desiredCount: 2,
      maxCount: 6,
      cpu: 512,
      memoryMiB: 1024,
      cpuArchitecture: 'X86_64',
      natGateways: 2,
      image: undefined,
      maxNumber: undefined,
      alarmEmail: undefined,
      shutdownGraceSeconds: 30,
      waf: true,
      wafRateLimit: 1000,
      wafLargeNumberRateLimit: 60,
    });
  });

  it('reads each parameter from its environment variable when the context has none', () => {
    const env = Object.fromEntries(
      Object.entries(EXAMPLE_PARAMETERS).map(([name, value]) => [
        PARAMETERS[name as keyof typeof PARAMETERS].env,
        value,
      ]),
    );
    const config = read(
      {},
      {
        ...env,
        FACTORIAL_MAX_NUMBER: '5000',
        FACTORIAL_ALARM_EMAIL: 'ops@example.com',
        FACTORIAL_SHUTDOWN_GRACE_SECONDS: '60',
        FACTORIAL_CPU_ARCHITECTURE: 'ARM64',
        FACTORIAL_IMAGE: `123456789012.dkr.ecr.us-east-1.amazonaws.com/team/factorial@sha256:${'ab'.repeat(32)}`,
        FACTORIAL_WAF: 'false',
        FACTORIAL_WAF_RATE_LIMIT: '3000',
        FACTORIAL_WAF_LARGE_NUMBER_RATE_LIMIT: '100',
      },
    );
    assert.equal(config.domainName, 'factorial.example.com');
    assert.equal(config.maxNumber, 5000);
    assert.equal(config.alarmEmail, 'ops@example.com');
    assert.equal(config.shutdownGraceSeconds, 60);
    assert.equal(config.cpuArchitecture, 'ARM64');
    assert.deepEqual(config.image, { repositoryName: 'team/factorial', digest: `sha256:${'ab'.repeat(32)}` });
    assert.equal(config.waf, false);
    assert.equal(config.wafRateLimit, 3000);
    assert.equal(config.wafLargeNumberRateLimit, 100);
  });

  it('prefers the context to the environment', () => {
    const config = read({ ...EXAMPLE_PARAMETERS, cpu: '1024', memoryMiB: '2048' }, { FACTORIAL_CPU: '256' });
    assert.equal(config.cpu, 1024);
  });

  it('lists every missing required parameter with its context key and variable', () => {
    assert.throws(
      () => read({}),
      (error: Error) => {
        for (const name of ['account', 'region', 'domainName', 'hostedZoneId', 'hostedZoneName'] as const) {
          assert.match(
            error.message,
            new RegExp(
              `${name} \\(context "${PARAMETERS[name].context}" or env ${PARAMETERS[name].env}\\): is required`,
            ),
          );
        }
        return true;
      },
    );
  });

  const rejects: [string, Record<string, string>, RegExp][] = [
    ['a domain outside the hosted zone', { domainName: 'factorial.example.org' }, /not inside the hosted zone/],
    ['a desired count above the maximum', { desiredCount: '7', maxCount: '6' }, /desiredCount.*7 is outside 2\.\.6/],
    ['a desired count below two', { desiredCount: '1' }, /desiredCount.*1 is outside 2\.\.6/],
    ['a CPU size Fargate does not have', { cpu: '300' }, /300 is not a Fargate CPU size/],
    [
      'memory that does not go with the CPU',
      { cpu: '256', memoryMiB: '4096' },
      /4096 MiB does not go with 256 CPU units/,
    ],
    ['a maximum n that is not a number', { maxNumber: '1e5' }, /maxNumber.*"1e5" is not a whole number/],
    ['an account id of the wrong length', { account: '1234' }, /12-digit AWS account id/],
    [
      'a CPU architecture Fargate does not have',
      { cpuArchitecture: 'arm64' },
      /cpuArchitecture.*"arm64" is not X86_64 or ARM64/,
    ],
    [
      'an image by tag, not by digest',
      { image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/factorial:latest' },
      /image.*is not an ECR image by digest/,
    ],
    [
      "an image in another account's registry",
      { image: `210987654321.dkr.ecr.us-east-1.amazonaws.com/factorial@sha256:${'0'.repeat(64)}` },
      /image.*is in 210987654321 us-east-1, not the stack's 123456789012 us-east-1/,
    ],
    ['three NAT gateways for two zones', { natGateways: '3' }, /natGateways.*3 is outside 1\.\.2/],
    ['an alarm e-mail that is no address', { alarmEmail: 'ops' }, /"ops" is not an e-mail address/],
    [
      'a grace period whose stop timeout Fargate would refuse',
      { shutdownGraceSeconds: '116' },
      /shutdownGraceSeconds.*116 is outside 1\.\.115/,
    ],
    ['no grace period at all', { shutdownGraceSeconds: '0' }, /shutdownGraceSeconds.*0 is outside 1\.\.115/],
    [
      'a WAF switch that is neither true nor false',
      { waf: 'yes' },
      /waf \(context "waf" or env FACTORIAL_WAF\): "yes" is not true or false/,
    ],
    ['a rate limit below what WAF accepts', { wafRateLimit: '9' }, /wafRateLimit.*9 is outside 10\.\.2000000000/],
    [
      'a large-number limit above the overall limit, which could never be reached',
      { wafRateLimit: '100', wafLargeNumberRateLimit: '200' },
      /wafLargeNumberRateLimit.*200 is above wafRateLimit \(100\)/,
    ],
  ];
  for (const [what, overrides, message] of rejects) {
    it(`rejects ${what}`, () => {
      assert.throws(() => exampleConfig(overrides), message);
    });
  }

  it('can be set by the CD workflow: it passes every variable but the account and region, given as context, and the image it pushed', () => {
    const workflow = readFileSync(path.join(__dirname, '..', '..', '.github', 'workflows', 'cd.yml'), 'utf8');
    assert.match(workflow, /^ {10}echo "FACTORIAL_IMAGE=\$repository@\$digest" >>"\$GITHUB_ENV"$/m);
    for (const [name, { env }] of Object.entries(PARAMETERS)) {
      if (name === 'account' || name === 'region' || name === 'image') continue;
      assert.match(
        workflow,
        new RegExp(`^ {6}${env}: \\$\\{\\{ vars\\.${env} \\}\\}$`, 'm'),
        `cd.yml does not pass ${env}`,
      );
    }
  });

  it('is what `npm run synth` passes, so the example there is the one tested here', () => {
    const passed = Object.fromEntries(
      [...npmScripts().synth.matchAll(/-c (\w+)=(\S+)/g)].map(([, key, value]) => [key, value]),
    );
    assert.deepEqual(passed, EXAMPLE_PARAMETERS);
  });
});
