import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { ArnFormat, Duration, Fn, Stack } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';

/** The window over which the rate-based rules count each client's requests. */
const RATE_LIMIT_WINDOW = Duration.minutes(5);

/**
 * A query whose `number` has five or more significant digits, matched on the
 * URL-decoded query string: the requests that cost a task real CPU (about a
 * second at 0.25 vCPU for 900000!, the default maximum).
 *
 * It follows the runner (`src/http/query.rs`): the query splits on `&`, then
 * each name and value is form-decoded, and the first `number` key wins. So:
 * - The whole query is URL-decoded first, so that `%6Eumber=%33%30%30000`
 *   or `number=%20300000` are seen as the runner sees them. A `%26` or `%3D`
 *   decoded into `&` or `=` can only add false matches (the runner reads such
 *   a pair as another key, or as an invalid value): harmless.
 * - Before the digits: any run of white space, `+` (a form-encoded space,
 *   whether or not URL_DECODE turns it into one, or a literal sign from `%2B`)
 *   and leading zeros, so `number=+000300000` counts as the 300000 it is, and
 *   `number=0000000001` does not count: it is cheap.
 * - Digits are counted from the first non-zero one, and only the first five
 *   are needed: the value may go on with anything. A `number` that repeats
 *   counts if any occurrence is large (the runner takes the first): an
 *   abuser cannot hide a large first value behind a small later one, and a
 *   client that sends a small first value only loses some of its allowance.
 * - Anything else the regex accepts is a 400 from the runner at once (two
 *   signs, a negative number, a value above the maximum): cheap, and counted
 *   only against the client that sends it.
 * Not WAF's own query-argument matching (`SingleQueryArgument`): how it
 * treats repeated and percent-encoded keys need not be how the runner does.
 */
export const LARGE_NUMBER_QUERY = '(^|&)number=[\\t\\n\\x0b\\x0c\\r +]*0*[1-9][0-9]{4}';

/**
 * The summary's path, the one other path with a `number`: cheap at any n (a
 * few milliseconds), so its large numbers are not limited more strictly.
 * Matched as sent, as the runner matches paths: any other spelling is a 404
 * from the runner, or counted, never let through unlimited to a computation.
 */
const SUMMARY_PATH = '/api/v1/factorial/summary';

/** How long a client told to slow down is asked to wait, in seconds. */
const RETRY_AFTER_SECONDS = 60;

/**
 * The only region where a web ACL for CloudFront can be made, and where
 * its metrics are.
 */
export const CLOUDFRONT_REGION = 'us-east-1';

export interface WebFirewallProps {
  /**
   * The load balancer the web ACL guards, in the same region. Absent: the
   * web ACL has CloudFront's scope, for a distribution to name (`webAcl`),
   * and must be made in `CLOUDFRONT_REGION`.
   */
  readonly loadBalancer?: elbv2.IApplicationLoadBalancer;
  /** Requests one IP may make per `RATE_LIMIT_WINDOW` before it is blocked. */
  readonly rateLimit: number;
  /** The same for requests with a `number` of five or more digits (`LARGE_NUMBER_QUERY`). */
  readonly largeNumberRateLimit: number;
  /** How long the log of blocked and counted requests is kept. */
  readonly logRetention: logs.RetentionDays;
}

/** The web ACL's own metrics: requests it let through, blocked, or only counted. */
export type WebAclAction = 'Allowed' | 'Blocked' | 'Counted';

/**
 * An AWS WAF web ACL in front of the load balancer or the CloudFront
 * distribution: per-IP rate limits, a stricter one for the expensive
 * requests, and AWS's managed rules for common exploits and known bad
 * inputs. The address each rate limit counts is the client's as the
 * guarded entry point sees it, the viewer's at CloudFront. Over a rate
 * limit a client gets 429 with `Retry-After`. Requests that a rule blocks
 * or counts are logged.
 */
export class WebFirewall extends Construct {
  readonly webAcl: wafv2.CfnWebACL;
  readonly logGroup: logs.LogGroup;
  /** The name of each rule, which is also the `Rule` dimension of its metrics. */
  readonly ruleNames: readonly string[];
  private readonly webAclName: string;
  /** The metrics' `Region` dimension: regional web ACLs have one, CloudFront's do not. */
  private readonly metricsRegion?: string;

  constructor(scope: Construct, id: string, props: WebFirewallProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.webAclName = `${stack.stackName}-WebAcl`;
    const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      metricName,
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
    });
    const tooManyRequests: wafv2.CfnWebACL.RuleActionProperty = {
      block: {
        customResponse: {
          responseCode: 429,
          customResponseBodyKey: 'TooManyRequests',
          responseHeaders: [{ name: 'Retry-After', value: String(RETRY_AFTER_SECONDS) }],
        },
      },
    };
    const perIpRate = (
      name: string,
      limit: number,
      scopeDownStatement?: wafv2.CfnWebACL.StatementProperty,
    ): Omit<wafv2.CfnWebACL.RuleProperty, 'priority'> => ({
      name,
      statement: {
        rateBasedStatement: {
          // The load balancer or CloudFront faces the internet: the source
          // address is the client's.
          aggregateKeyType: 'IP',
          limit,
          evaluationWindowSec: RATE_LIMIT_WINDOW.toSeconds(),
          scopeDownStatement,
        },
      },
      action: tooManyRequests,
      visibilityConfig: visibility(name),
    });
    const awsManaged = (
      name: string,
      ruleActionOverrides?: wafv2.CfnWebACL.RuleActionOverrideProperty[],
    ): Omit<wafv2.CfnWebACL.RuleProperty, 'priority'> => ({
      name,
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name, ruleActionOverrides } },
      overrideAction: { none: {} },
      visibilityConfig: visibility(name),
    });

    // Rate limits first, so that every request counts against them, even one
    // a managed rule would block.
    const rules = [
      perIpRate('LargeNumberRatePerIp', props.largeNumberRateLimit, {
        andStatement: {
          statements: [
            {
              regexMatchStatement: {
                fieldToMatch: { queryString: {} },
                regexString: LARGE_NUMBER_QUERY,
                textTransformations: [{ priority: 0, type: 'URL_DECODE' }],
              },
            },
            {
              notStatement: {
                statement: {
                  byteMatchStatement: {
                    fieldToMatch: { uriPath: {} },
                    positionalConstraint: 'EXACTLY',
                    searchString: SUMMARY_PATH,
                    textTransformations: [{ priority: 0, type: 'NONE' }],
                  },
                },
              },
            },
          ],
        },
      }),
      perIpRate('RatePerIp', props.rateLimit),
      awsManaged('AWSManagedRulesKnownBadInputsRuleSet'),
      // The API does not need a User-Agent (scripts often send none), and an
      // abuser can send any: count its absence, do not block on it.
      awsManaged('AWSManagedRulesCommonRuleSet', [{ name: 'NoUserAgent_HEADER', actionToUse: { count: {} } }]),
    ].map((rule, priority) => ({ ...rule, priority }));
    this.ruleNames = rules.map((rule) => rule.name);

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: this.webAclName,
      description: 'Factorial API: per-IP rate limits, AWS managed rules for common exploits and known bad inputs',
      scope: props.loadBalancer ? 'REGIONAL' : 'CLOUDFRONT',
      defaultAction: { allow: {} },
      rules,
      customResponseBodies: {
        TooManyRequests: {
          contentType: 'TEXT_PLAIN',
          content: `Too Many Requests: retry in ${RETRY_AFTER_SECONDS} seconds`,
        },
      },
      visibilityConfig: visibility(this.webAclName),
    });
    if (props.loadBalancer) {
      new wafv2.CfnWebACLAssociation(this, 'Association', {
        resourceArn: props.loadBalancer.loadBalancerArn,
        webAclArn: this.webAcl.attrArn,
      });
      this.metricsRegion = stack.region;
    }

    // WAF logs only to a log group whose name starts with `aws-waf-logs-`.
    // The stack id's unique part keeps a retained group from an earlier
    // stack of the same name from blocking this one.
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `aws-waf-logs-${stack.stackName}-${Fn.select(2, Fn.split('/', stack.stackId))}`,
      retention: props.logRetention,
    });
    new wafv2.CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      // WAF takes the log group's ARN without the `:*` that its `Arn` attribute has.
      logDestinationConfigs: [
        stack.formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: this.logGroup.logGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      // Allowed requests are in the load balancer's or the runner's access logs already.
      loggingFilter: {
        DefaultBehavior: 'DROP',
        Filters: [
          {
            Behavior: 'KEEP',
            Requirement: 'MEETS_ANY',
            Conditions: ['BLOCK', 'COUNT', 'EXCLUDED_AS_COUNT'].map((action) => ({
              ActionCondition: { Action: action },
            })),
          },
        ],
      },
    });
  }

  /** Two graphs for a dashboard: requests allowed and blocked; blocked by rule. */
  dashboardWidgets(width: number): cloudwatch.GraphWidget[] {
    const graph = (title: string, left: cloudwatch.IMetric[]) =>
      new cloudwatch.GraphWidget({ title, left, width, height: 6 });
    return [
      graph('Web ACL: requests per minute', [
        this.metricRequests('Allowed').with({ label: 'Allowed' }),
        this.metricRequests('Blocked').with({ label: 'Blocked' }),
      ]),
      graph(
        'Web ACL: blocked per minute, by rule',
        this.ruleNames.map((rule) => this.metricRequests('Blocked', rule).with({ label: rule })),
      ),
    ];
  }

  /** Requests the web ACL handled with `action`, all of them or those of one rule (`ruleNames`). */
  metricRequests(action: WebAclAction, rule = 'ALL'): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/WAFV2',
      metricName: `${action}Requests`,
      dimensionsMap: {
        WebACL: this.webAclName,
        Rule: rule,
        ...(this.metricsRegion ? { Region: this.metricsRegion } : {}),
      },
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(1),
      region: Stack.of(this).region,
    });
  }
}
