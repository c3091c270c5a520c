/**
 * The deployment's parameters: read from CDK context (`-c key=value`) or,
 * failing that, from the environment, and validated all at once before any
 * construct exists, so a bad value fails `cdk synth` with every problem listed
 * instead of failing a CloudFormation deployment half-way.
 *
 * @module
 */

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

/** Everything that differs between two deployments of the factorial API. */
export interface DeploymentConfig {
  /** The AWS account and region the stack is deployed to. */
  readonly account: string;
  readonly region: string;
  /** The public name of the API, inside `hostedZoneName`. */
  readonly domainName: string;
  readonly hostedZoneId: string;
  readonly hostedZoneName: string;
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
  /** Whether an AWS WAF web ACL guards the load balancer. */
  readonly waf: boolean;
  /** Requests one client IP may make in 5 minutes before the web ACL blocks it. */
  readonly wafRateLimit: number;
  /** The same for requests for the factorial of a number of five or more digits: the expensive ones. */
  readonly wafLargeNumberRateLimit: number;
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
  waf: { context: 'waf', env: 'FACTORIAL_WAF', default: 'true' },
  wafRateLimit: { context: 'wafRateLimit', env: 'FACTORIAL_WAF_RATE_LIMIT', default: '1000' },
  wafLargeNumberRateLimit: {
    context: 'wafLargeNumberRateLimit',
    env: 'FACTORIAL_WAF_LARGE_NUMBER_RATE_LIMIT',
    default: '60',
  },
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
  const waf = flag('waf');
  const wafRateLimit = integer('wafRateLimit', ...WAF_RATE_LIMIT_RANGE);
  const wafLargeNumberRateLimit = integer('wafLargeNumberRateLimit', ...WAF_RATE_LIMIT_RANGE);
  // Every large-number request counts against both limits, so a larger
  // limit for them would never be reached.
  if (wafLargeNumberRateLimit > wafRateLimit) {
    invalid('wafLargeNumberRateLimit', `${wafLargeNumberRateLimit} is above wafRateLimit (${wafRateLimit})`);
  }

  if (problems.length > 0) {
    throw new Error(`Invalid deployment parameters:\n  ${problems.join('\n  ')}`);
  }
  return {
    account,
    region,
    domainName,
    hostedZoneId,
    hostedZoneName,
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
    waf,
    wafRateLimit,
    wafLargeNumberRateLimit,
  };
}
