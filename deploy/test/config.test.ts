import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { PARAMETERS, readDeploymentConfig } from '../lib/config';
import { EXAMPLE_PARAMETERS, exampleConfig, LAMBDA_PARAMETERS, npmScripts } from './example';

const REPOSITORY_ROOT = path.join(__dirname, '..', '..');

/** Where the Lambda tests find the function's real package: read in Fargate mode, which does not check it. */
const LAMBDA_PACKAGE = exampleConfig({ ...LAMBDA_PARAMETERS, compute: 'fargate' }).lambdaPackage;

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
      compute: 'fargate',
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
      edge: true,
      waf: true,
      wafRateLimit: 1000,
      wafLargeNumberRateLimit: 60,
      lambdaPackage: path.join(REPOSITORY_ROOT, 'target', 'lambda', 'arm64'),
      lambdaMemoryMiB: 1769,
      lambdaReservedConcurrency: 100,
      apiThrottleRate: 500,
      apiThrottleBurst: 1000,
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
        FACTORIAL_COMPUTE: 'lambda',
        FACTORIAL_LAMBDA_PACKAGE: LAMBDA_PACKAGE,
        FACTORIAL_LAMBDA_MEMORY_MIB: '3008',
        FACTORIAL_LAMBDA_RESERVED_CONCURRENCY: '20',
        FACTORIAL_API_THROTTLE_RATE: '50',
        FACTORIAL_API_THROTTLE_BURST: '80',
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
    assert.equal(config.compute, 'lambda');
    assert.equal(config.lambdaPackage, LAMBDA_PACKAGE);
    assert.equal(config.lambdaMemoryMiB, 3008);
    assert.equal(config.lambdaReservedConcurrency, 20);
    assert.equal(config.apiThrottleRate, 50);
    assert.equal(config.apiThrottleBurst, 80);
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
    [
      'a compute mode there is none of',
      { compute: 'ecs' },
      /compute \(context "compute" or env FACTORIAL_COMPUTE\): "ecs" is not fargate or lambda/,
    ],
    ['less memory than Lambda gives', { lambdaMemoryMiB: '127' }, /lambdaMemoryMiB.*127 is outside 128\.\.10240/],
    ['more memory than Lambda gives', { lambdaMemoryMiB: '10241' }, /lambdaMemoryMiB.*10241 is outside 128\.\.10240/],
    [
      'a reserved concurrency of zero, which refuses every request',
      { lambdaReservedConcurrency: '0' },
      /lambdaReservedConcurrency.*0 is outside 1\.\./,
    ],
    ['a throttle rate of zero', { apiThrottleRate: '0' }, /apiThrottleRate.*0 is outside 1\.\./],
    ['a fractional burst', { apiThrottleBurst: '1.5' }, /apiThrottleBurst.*"1\.5" is not a whole number/],
    [
      'a web ACL asked for on Lambda without the edge, where WAF cannot guard the HTTP API',
      { ...LAMBDA_PARAMETERS, edge: 'false', waf: 'true' },
      /waf \(context "waf" or env FACTORIAL_WAF\): AWS WAF cannot guard an API Gateway HTTP API/,
    ],
  ];
  for (const [what, overrides, message] of rejects) {
    it(`rejects ${what}`, () => {
      assert.throws(() => exampleConfig(overrides), message);
    });
  }

  it('can be set by the CD workflow: it passes every variable but the account and region, given as context, the image it pushed, and the Lambda ones', () => {
    const workflow = readFileSync(path.join(__dirname, '..', '..', '.github', 'workflows', 'cd.yml'), 'utf8');
    assert.match(workflow, /^ {10}echo "FACTORIAL_IMAGE=\$repository@\$digest" >>"\$GITHUB_ENV"$/m);
    // CD builds, scans and deploys an image: a Fargate deployment. Lambda mode
    // needs the function's package, which it does not build.
    const notPassed = [
      'account',
      'region',
      'image',
      'compute',
      'lambdaPackage',
      'lambdaMemoryMiB',
      'lambdaReservedConcurrency',
      'apiThrottleRate',
      'apiThrottleBurst',
    ];
    for (const [name, { env }] of Object.entries(PARAMETERS)) {
      if (notPassed.includes(name)) continue;
      assert.match(
        workflow,
        new RegExp(`^ {6}${env}: \\$\\{\\{ vars\\.${env} \\}\\}$`, 'm'),
        `cd.yml does not pass ${env}`,
      );
    }
  });

  it('takes a web ACL on Lambda at the edge, and the default one or waf=false without it', () => {
    assert.equal(exampleConfig({ ...LAMBDA_PARAMETERS, waf: 'true' }).waf, true);
    assert.equal(exampleConfig({ ...LAMBDA_PARAMETERS, edge: 'false' }).compute, 'lambda');
    assert.equal(exampleConfig({ ...LAMBDA_PARAMETERS, edge: 'false', waf: 'false' }).waf, false);
  });

  it('resolves a relative Lambda package against the deploy folder, not the working directory', () => {
    assert.equal(exampleConfig({ lambdaPackage: 'package' }).lambdaPackage, path.join(__dirname, '..', 'package'));
  });

  // The packages made below, removed at the end.
  const scratch = mkdtempSync(path.join(tmpdir(), 'factorial-packages-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('looks for the Lambda package only in lambda mode', () => {
    const missing = path.join(scratch, 'missing');
    assert.equal(exampleConfig({ lambdaPackage: missing }).lambdaPackage, missing);
    assert.throws(() => exampleConfig({ compute: 'lambda', lambdaPackage: missing }), /lambdaPackage/);
  });

  describe('rejects a Lambda package the function could not start from', () => {
    /** A package folder with `files`, by name: contents and mode. */
    const packageWith = (files: Record<string, [Buffer | string, number]>) => {
      const directory = mkdtempSync(path.join(scratch, 'package-'));
      for (const [name, [contents, mode]] of Object.entries(files)) {
        writeFileSync(path.join(directory, name), contents, { mode });
      }
      return directory;
    };
    /** The first bytes of an ELF file, up to `e_machine`, for the machine `machine`. */
    const elfHeader = (machine: number) => {
      const header = Buffer.alloc(64);
      Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]).copy(header);
      header.writeUInt16LE(2, 16);
      header.writeUInt16LE(machine, 18);
      return header;
    };
    const cwasm: [string, number] = ['component', 0o644];
    const cases: [string, () => string, RegExp][] = [
      ['no folder at all', () => path.join(scratch, 'no-such-package'), /"[^"]*no-such-package" is not a folder/],
      ['no bootstrap', () => packageWith({ 'factorial.cwasm': cwasm }), /has no bootstrap/],
      ['no component', () => packageWith({ bootstrap: [elfHeader(183), 0o755] }), /has no factorial\.cwasm/],
      [
        'a bootstrap that is not executable',
        () => packageWith({ bootstrap: [elfHeader(183), 0o644], 'factorial.cwasm': cwasm }),
        /bootstrap" is not executable/,
      ],
      [
        'a bootstrap that is a script, not an ELF executable',
        () => packageWith({ bootstrap: ['#!/bin/sh\nexec true\n', 0o755], 'factorial.cwasm': cwasm }),
        /bootstrap" is not an ELF executable/,
      ],
      [
        'a bootstrap built for x86-64',
        () => packageWith({ bootstrap: [elfHeader(62), 0o755], 'factorial.cwasm': cwasm }),
        /bootstrap" is an ELF file for machine 62, not for aarch64 \(183\)/,
      ],
    ];
    for (const [what, directory, message] of cases) {
      it(`with ${what}, saying how to build one`, () => {
        assert.throws(
          () => exampleConfig({ compute: 'lambda', lambdaPackage: directory() }),
          (error: Error) => {
            assert.match(error.message, /lambdaPackage \(context "lambdaPackage" or env FACTORIAL_LAMBDA_PACKAGE\): /);
            assert.match(error.message, message);
            assert.match(error.message, /build the function's package with scripts\/lambda\.sh package/);
            return true;
          },
        );
      });
    }
  });

  it('is what `npm run synth` passes, so the example there is the one tested here', () => {
    const passed = Object.fromEntries(
      [...npmScripts().synth.matchAll(/-c (\w+)=(\S+)/g)].map(([, key, value]) => [key, value]),
    );
    assert.deepEqual(passed, EXAMPLE_PARAMETERS);
  });
});
