/**
 * The deployment's parameters: read from CDK context (`-c key=value`) or,
 * failing that, from the environment, and validated all at once before any
 * construct exists, so a bad value fails `cdk synth` with every problem listed
 * instead of failing a CloudFormation deployment half-way.
 *
 * @module
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import * as path from 'node:path';

/** The fewest tasks the service runs: one per Availability Zone. */
export const MIN_TASK_COUNT = 2;

/**
 * How much longer than the runner's shutdown grace period ECS waits before it
 * kills the container, in seconds: time for the runner to give up on the
 * last requests, say so in its log and exit by itself.
 */
export const STOP_TIMEOUT_MARGIN_SECONDS = 5;

/** The longest grace period whose stop timeout Fargate accepts (120 s at most). */
const MAX_SHUTDOWN_GRACE_SECONDS = 120 - STOP_TIMEOUT_MARGIN_SECONDS;

/** The range AWS WAF accepts for a rate-based rule's limit. */
const WAF_RATE_LIMIT_RANGE = [10, 2_000_000_000] as const;

/** The CPU architectures Fargate runs Linux tasks on: Graviton (ARM64) costs about 20% less per vCPU hour. */
export const CPU_ARCHITECTURES = ['X86_64', 'ARM64'] as const;
export type CpuArchitecture = (typeof CPU_ARCHITECTURES)[number];

/**
 * Where the API runs: Fargate tasks behind an application load balancer, or
 * a Lambda function behind an API Gateway HTTP API.
 */
export const COMPUTE_MODES = ['fargate', 'lambda'] as const;
export type ComputeMode = (typeof COMPUTE_MODES)[number];

/**
 * The deploy folder: a relative `lambdaPackage` is resolved against it, not
 * against the shell's working directory, so that the default names the same
 * folder from wherever `cdk` runs.
 */
const DEPLOY_DIRECTORY = path.join(__dirname, '..');

/** What `scripts/lambda.sh package` writes, and the function cannot start without. */
const LAMBDA_PACKAGE_FILES = ['bootstrap', 'factorial.cwasm'] as const;

/** The ELF header's magic number, and its `e_machine` for AArch64 (`EM_AARCH64`), at byte 18, little-endian. */
const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);
const ELF_MACHINE_OFFSET = 18;
const ELF_MACHINE_AARCH64 = 183;

/** The memory sizes Lambda accepts, in MiB. */
const LAMBDA_MEMORY_MIB_RANGE = [128, 10240] as const;

/** Everything that differs between two deployments of the factorial API. */
export interface DeploymentConfig {
  /** The AWS account and region the stack is deployed to. */
  readonly account: string;
  readonly region: string;
  /** The public name of the API, inside `hostedZoneName`. */
  readonly domainName: string;
  readonly hostedZoneId: string;
  readonly hostedZoneName: string;
  /**
   * Fargate tasks behind a load balancer, or a Lambda function behind an
   * HTTP API. The parameters of the other mode are validated all the same
   * and left unused.
   */
  readonly compute: ComputeMode;
  /** Tasks at deploy time; auto scaling then moves between the minimum and `maxCount`. */
  readonly desiredCount: number;
  readonly maxCount: number;
  /** Fargate task size: CPU units and memory in MiB, a valid Fargate pair. */
  readonly cpu: number;
  readonly memoryMiB: number;
  /** The tasks' CPU architecture, and so the platform of the image built for them. */
  readonly cpuArchitecture: CpuArchitecture;
  /** NAT gateways for the private subnets: 2 keeps each zone's egress independent, 1 halves the cost. */
  readonly natGateways: number;
  /**
   * An image already in one of the account's ECR repositories in the stack's
   * region, by digest (`ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY@sha256:…`),
   * as `scripts/image.sh push` prints it: the image CD built, scanned and
   * pushed. Absent: cdk builds the image from the Dockerfile as an asset.
   */
  readonly image?: EcrImageReference;
  /** The largest n served, passed to the runner as `FACTORIAL_MAX_NUMBER`; absent: the runner's default. */
  readonly maxNumber?: number;
  /** Where alarm notifications are e-mailed; absent: the SNS topic has no subscription. */
  readonly alarmEmail?: string;
  /**
   * How long the runner lets in-flight requests finish once it is told to
   * stop, in seconds. Passed to the runner as `FACTORIAL_SHUTDOWN_GRACE`, and
   * the source of the container's stop timeout and the target group's
   * deregistration delay.
   */
  readonly shutdownGraceSeconds: number;
  /**
   * Whether a CloudFront distribution serves the API at `domainName`, with
   * the origin (the load balancer, or the function's URL) reachable only
   * through it.
   */
  readonly edge: boolean;
  /** Whether an AWS WAF web ACL guards the entry point: the distribution, or without it the load balancer. */
  readonly waf: boolean;
  /** Requests one client IP may make in 5 minutes before the web ACL blocks it. */
  readonly wafRateLimit: number;
  /** The same for requests for the factorial of a number of five or more digits: the expensive ones. */
  readonly wafLargeNumberRateLimit: number;
  /**
   * Lambda: the absolute path of the folder `scripts/lambda.sh package`
   * fills, the function's code: `bootstrap` (the aarch64 executable Lambda
   * starts) and `factorial.cwasm` (the component, precompiled for it).
   * Checked only in lambda mode.
   */
  readonly lambdaPackage: string;
  /** Lambda: the function's memory, which also sets its CPU share; the runner's memory budget. */
  readonly lambdaMemoryMiB: number;
  /** Lambda: the most execution environments, so requests, the function runs at once. */
  readonly lambdaReservedConcurrency: number;
  /** Lambda: the HTTP API stage's steady rate, in requests per second over all clients. */
  readonly apiThrottleRate: number;
  /** Lambda: the requests the stage lets through at once above that rate (its token bucket's size). */
  readonly apiThrottleBurst: number;
}

/** An image in ECR by digest: its repository's name and the digest. */
export interface EcrImageReference {
  readonly repositoryName: string;
  readonly digest: string;
}

/** `ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY@sha256:HEX`. */
const ECR_IMAGE_BY_DIGEST =
  /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/((?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*)@(sha256:[0-9a-f]{64})$/;

/** One parameter: its context key, its environment variable and its default, if it has one. */
interface Parameter {
  readonly context: string;
  readonly env: string;
  readonly default?: string;
}

/** Every parameter, in the order the documentation lists them. */
export const PARAMETERS = {
  account: { context: 'account', env: 'CDK_DEFAULT_ACCOUNT' },
  region: { context: 'region', env: 'CDK_DEFAULT_REGION' },
  domainName: { context: 'domainName', env: 'FACTORIAL_DOMAIN_NAME' },
  hostedZoneId: { context: 'hostedZoneId', env: 'FACTORIAL_HOSTED_ZONE_ID' },
  hostedZoneName: { context: 'hostedZoneName', env: 'FACTORIAL_HOSTED_ZONE_NAME' },
  compute: { context: 'compute', env: 'FACTORIAL_COMPUTE', default: 'fargate' },
  desiredCount: { context: 'desiredCount', env: 'FACTORIAL_DESIRED_COUNT', default: '2' },
  maxCount: { context: 'maxCount', env: 'FACTORIAL_MAX_COUNT', default: '6' },
  cpu: { context: 'cpu', env: 'FACTORIAL_CPU', default: '512' },
  memoryMiB: { context: 'memoryMiB', env: 'FACTORIAL_MEMORY_MIB', default: '1024' },
  cpuArchitecture: { context: 'cpuArchitecture', env: 'FACTORIAL_CPU_ARCHITECTURE', default: 'X86_64' },
  natGateways: { context: 'natGateways', env: 'FACTORIAL_NAT_GATEWAYS', default: '2' },
  image: { context: 'image', env: 'FACTORIAL_IMAGE' },
  maxNumber: { context: 'maxNumber', env: 'FACTORIAL_MAX_NUMBER' },
  alarmEmail: { context: 'alarmEmail', env: 'FACTORIAL_ALARM_EMAIL' },
  shutdownGraceSeconds: {
    context: 'shutdownGraceSeconds',
    env: 'FACTORIAL_SHUTDOWN_GRACE_SECONDS',
    default: '30',
  },
  edge: { context: 'edge', env: 'FACTORIAL_EDGE', default: 'true' },
  waf: { context: 'waf', env: 'FACTORIAL_WAF', default: 'true' },
  wafRateLimit: { context: 'wafRateLimit', env: 'FACTORIAL_WAF_RATE_LIMIT', default: '1000' },
  wafLargeNumberRateLimit: {
    context: 'wafLargeNumberRateLimit',
    env: 'FACTORIAL_WAF_LARGE_NUMBER_RATE_LIMIT',
    default: '60',
  },
  lambdaPackage: { context: 'lambdaPackage', env: 'FACTORIAL_LAMBDA_PACKAGE', default: '../target/lambda/arm64' },
  lambdaMemoryMiB: { context: 'lambdaMemoryMiB', env: 'FACTORIAL_LAMBDA_MEMORY_MIB', default: '1769' },
  lambdaReservedConcurrency: {
    context: 'lambdaReservedConcurrency',
    env: 'FACTORIAL_LAMBDA_RESERVED_CONCURRENCY',
    default: '100',
  },
  apiThrottleRate: { context: 'apiThrottleRate', env: 'FACTORIAL_API_THROTTLE_RATE', default: '500' },
  apiThrottleBurst: { context: 'apiThrottleBurst', env: 'FACTORIAL_API_THROTTLE_BURST', default: '1000' },
} as const satisfies Record<string, Parameter>;

type ParameterName = keyof typeof PARAMETERS;

/** Where raw values come from: CDK context first, then environment variables. */
export interface ParameterSources {
  readonly context: (key: string) => unknown;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Memory sizes Fargate accepts for each CPU size (Linux tasks). */
const FARGATE_MEMORY_MIB: Readonly<Record<number, readonly number[]>> = {
  256: [512, 1024, 2048],
  512: steps(1024, 4096, 1024),
  1024: steps(2048, 8192, 1024),
  2048: steps(4096, 16384, 1024),
  4096: steps(8192, 30720, 1024),
  8192: steps(16384, 61440, 4096),
  16384: steps(32768, 122880, 8192),
};

function steps(from: number, to: number, step: number): number[] {
  return Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);
}

/**
 * What is wrong with `directory` as the function's code, if anything: it
 * must hold `LAMBDA_PACKAGE_FILES`, and `bootstrap` must be an executable
 * ELF file for AArch64, the function's architecture. Checked here because
 * Lambda checks none of it at deployment: a missing file or an x86-64 build
 * deploys, and fails only at the first request.
 */
function lambdaPackageProblem(directory: string): string | undefined {
  if (!statSync(directory, { throwIfNoEntry: false })?.isDirectory()) {
    return `"${directory}" is not a folder`;
  }
  const files = LAMBDA_PACKAGE_FILES.map(
    (name) => [name, statSync(path.join(directory, name), { throwIfNoEntry: false })] as const,
  );
  const missing = files.filter(([, stat]) => !stat?.isFile()).map(([name]) => name);
  if (missing.length > 0) {
    return `"${directory}" has no ${missing.join(' and no ')}`;
  }
  const bootstrap = path.join(directory, 'bootstrap');
  if ((statSync(bootstrap).mode & 0o111) === 0) {
    return `"${bootstrap}" is not executable`;
  }
  const header = Buffer.alloc(ELF_MACHINE_OFFSET + 2);
  const fd = openSync(bootstrap, 'r');
  try {
    readSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
  if (!header.subarray(0, ELF_MAGIC.length).equals(ELF_MAGIC)) {
    return `"${bootstrap}" is not an ELF executable`;
  }
  const machine = header.readUInt16LE(ELF_MACHINE_OFFSET);
  if (machine !== ELF_MACHINE_AARCH64) {
    return `"${bootstrap}" is an ELF file for machine ${machine}, not for aarch64 (${ELF_MACHINE_AARCH64})`;
  }
  return undefined;
}

/**
 * Reads and validates every parameter.
 *
 * @throws Error naming each missing or invalid parameter, with its context key and variable.
 */
export function readDeploymentConfig(sources: ParameterSources): DeploymentConfig {
  const problems: string[] = [];
  const raw = (name: ParameterName): string | undefined => {
    const parameter: Parameter = PARAMETERS[name];
    const value = sources.context(parameter.context) ?? sources.env[parameter.env];
    const text = value === undefined ? parameter.default : String(value).trim();
    return text === '' ? undefined : text;
  };
  // Only what the context or the environment says, without the default.
  const given = (name: ParameterName): string | undefined => {
    const { context, env } = PARAMETERS[name];
    const text = String(sources.context(context) ?? sources.env[env] ?? '').trim();
    return text === '' ? undefined : text;
  };
  const invalid = (name: ParameterName, why: string) => {
    const { context, env } = PARAMETERS[name];
    problems.push(`${name} (context "${context}" or env ${env}): ${why}`);
  };
  // The readers below return '' or NaN for a value they found invalid: the
  // problem is recorded, and any problem throws before the config is returned.
  const text = (name: ParameterName, pattern: RegExp, shape: string): string => {
    const value = raw(name);
    if (value === undefined) {
      invalid(name, 'is required');
    } else if (!pattern.test(value)) {
      invalid(name, `"${value}" is not ${shape}`);
    } else {
      return value;
    }
    return '';
  };
  const integer = (name: ParameterName, min: number, max: number): number => {
    const value = text(name, /^\d+$/, 'a whole number');
    const n = value === '' ? Number.NaN : Number(value);
    if (n < min || n > max) {
      invalid(name, `${n} is outside ${min}..${max}`);
      return Number.NaN;
    }
    return n;
  };
  const flag = (name: ParameterName): boolean => text(name, /^(true|false)$/, 'true or false') === 'true';
  const optional = <T>(name: ParameterName, read: () => T): T | undefined =>
    raw(name) === undefined ? undefined : read();

  const account = text('account', /^\d{12}$/, 'a 12-digit AWS account id');
  const region = text('region', /^[a-z]{2}(-[a-z]+)+-\d+$/, 'an AWS region such as us-east-1');
  const hostname = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
  const domainName = text('domainName', hostname, 'a lower-case DNS name');
  const hostedZoneName = text('hostedZoneName', hostname, 'a lower-case DNS name (no trailing dot)');
  if (domainName && hostedZoneName && domainName !== hostedZoneName && !domainName.endsWith(`.${hostedZoneName}`)) {
    invalid('domainName', `"${domainName}" is not inside the hosted zone "${hostedZoneName}"`);
  }
  const hostedZoneId = text(
    'hostedZoneId',
    /^Z[A-Z0-9]{1,31}$/,
    'a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ',
  );
  const maxCount = integer('maxCount', MIN_TASK_COUNT, 100);
  const desiredCount = integer('desiredCount', MIN_TASK_COUNT, Number.isNaN(maxCount) ? 100 : maxCount);
  const cpu = integer('cpu', 256, 16384);
  const memoryChoices = FARGATE_MEMORY_MIB[cpu];
  if (!Number.isNaN(cpu) && memoryChoices === undefined) {
    invalid('cpu', `${cpu} is not a Fargate CPU size (${Object.keys(FARGATE_MEMORY_MIB).join(', ')})`);
  }
  const memoryMiB = integer('memoryMiB', 512, 122880);
  if (memoryChoices && !Number.isNaN(memoryMiB) && !memoryChoices.includes(memoryMiB)) {
    invalid('memoryMiB', `${memoryMiB} MiB does not go with ${cpu} CPU units (${memoryChoices.join(', ')})`);
  }
  const cpuArchitecture = text(
    'cpuArchitecture',
    new RegExp(`^(${CPU_ARCHITECTURES.join('|')})$`),
    CPU_ARCHITECTURES.join(' or '),
  ) as CpuArchitecture;
  const natGateways = integer('natGateways', 1, 2);
  const image = optional('image', (): EcrImageReference | undefined => {
    const match = ECR_IMAGE_BY_DIGEST.exec(text('image', ECR_IMAGE_BY_DIGEST, 'an ECR image by digest'));
    if (!match) {
      return undefined;
    }
    const [, imageAccount, imageRegion, repositoryName, digest] = match;
    if (imageAccount !== account || imageRegion !== region) {
      invalid('image', `is in ${imageAccount} ${imageRegion}, not the stack's ${account} ${region}`);
    }
    return { repositoryName, digest };
  });
  const maxNumber = optional('maxNumber', () => integer('maxNumber', 1, Number.MAX_SAFE_INTEGER));
  const alarmEmail = optional('alarmEmail', () =>
    text('alarmEmail', /^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'an e-mail address'),
  );
  const shutdownGraceSeconds = integer('shutdownGraceSeconds', 1, MAX_SHUTDOWN_GRACE_SECONDS);
  const edge = flag('edge');
  const waf = flag('waf');
  const wafRateLimit = integer('wafRateLimit', ...WAF_RATE_LIMIT_RANGE);
  const wafLargeNumberRateLimit = integer('wafLargeNumberRateLimit', ...WAF_RATE_LIMIT_RANGE);
  // Every large-number request counts against both limits, so a larger
  // limit for them would never be reached.
  if (wafLargeNumberRateLimit > wafRateLimit) {
    invalid('wafLargeNumberRateLimit', `${wafLargeNumberRateLimit} is above wafRateLimit (${wafRateLimit})`);
  }
  const compute = text(
    'compute',
    new RegExp(`^(${COMPUTE_MODES.join('|')})$`),
    COMPUTE_MODES.join(' or '),
  ) as ComputeMode;
  // WAF cannot guard an HTTP API, and `waf` is on by default: only a web
  // ACL asked for by name is refused, rather than silently left out.
  if (compute === 'lambda' && !edge && given('waf') === 'true') {
    invalid(
      'waf',
      'AWS WAF cannot guard an API Gateway HTTP API: with compute=lambda and edge=false, leave waf unset or false',
    );
  }
  const lambdaPackage = path.resolve(DEPLOY_DIRECTORY, text('lambdaPackage', /^.+$/, 'a folder'));
  const packageProblem = compute === 'lambda' ? lambdaPackageProblem(lambdaPackage) : undefined;
  if (packageProblem) {
    invalid('lambdaPackage', `${packageProblem}: build the function's package with scripts/lambda.sh package`);
  }
  const lambdaMemoryMiB = integer('lambdaMemoryMiB', ...LAMBDA_MEMORY_MIB_RANGE);
  // No upper bounds here: the ceilings are the account's quotas (Lambda's
  // concurrency less the 100 it keeps unreserved; API Gateway's requests per
  // second and burst in the region), which synthesis cannot know. Zero
  // would refuse every request.
  const lambdaReservedConcurrency = integer('lambdaReservedConcurrency', 1, Number.MAX_SAFE_INTEGER);
  const apiThrottleRate = integer('apiThrottleRate', 1, Number.MAX_SAFE_INTEGER);
  const apiThrottleBurst = integer('apiThrottleBurst', 1, Number.MAX_SAFE_INTEGER);

  if (problems.length > 0) {
    throw new Error(`Invalid deployment parameters:\n  ${problems.join('\n  ')}`);
  }
  return {
    account,
    region,
    domainName,
    hostedZoneId,
    hostedZoneName,
    compute,
    desiredCount,
    maxCount,
    cpu,
    memoryMiB,
    cpuArchitecture,
    natGateways,
    image,
    maxNumber,
    alarmEmail,
    shutdownGraceSeconds,
    edge,
    waf,
    wafRateLimit,
    wafLargeNumberRateLimit,
    lambdaPackage,
    lambdaMemoryMiB,
    lambdaReservedConcurrency,
    apiThrottleRate,
    apiThrottleBurst,
  };
}
