import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { LARGE_NUMBER_QUERY } from '../lib/web-firewall';
import { synthesize } from './example';

/** The template that holds the web ACL: the us-east-1 stack's, as it guards the distribution by default. */
function firewallTemplate(overrides: Readonly<Record<string, string>> = {}): Template {
  const { globalEdgeTemplate } = synthesize(overrides);
  assert.ok(globalEdgeTemplate);
  return globalEdgeTemplate;
}

const { template: mainTemplate, globalEdgeTemplate } = synthesize();
assert.ok(globalEdgeTemplate);
const template = globalEdgeTemplate;

/** The web ACL's rules, in the template's order. */
function rules(t: Template) {
  const acls = Object.values(t.findResources('AWS::WAFv2::WebACL'));
  assert.equal(acls.length, 1);
  return acls[0].Properties.Rules;
}

/** The web ACL's rule named `name`. */
function rule(t: Template, name: string) {
  const found = rules(t).find((candidate: { Name: string }) => candidate.Name === name);
  assert.ok(found, `no rule ${name}`);
  return found;
}

/**
 * WAF's URL_DECODE: each `%XX` becomes its byte. Whether it also turns `+`
 * into a space is not documented, so the regex is tried both ways.
 */
const urlDecodings: [string, (query: string) => string][] = [
  ['%XX only', (query) => query.replace(/%([0-9a-f]{2})/gi, (_, hex) => String.fromCharCode(Number.parseInt(hex, 16)))],
  [
    '%XX and + as space',
    (query) =>
      query.replace(/\+/g, ' ').replace(/%([0-9a-f]{2})/gi, (_, hex) => String.fromCharCode(Number.parseInt(hex, 16))),
  ],
];

describe('web ACL', () => {
  it("guards the distribution at CloudFront's scope, from us-east-1, letting through what no rule blocks", () => {
    template.hasResourceProperties('AWS::WAFv2::WebACL', { Scope: 'CLOUDFRONT', DefaultAction: { Allow: {} } });
    template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
    mainTemplate.resourceCountIs('AWS::WAFv2::WebACL', 0);
    const [aclId] = Object.keys(template.findResources('AWS::WAFv2::WebACL'));
    const [distribution] = Object.values(mainTemplate.findResources('AWS::CloudFront::Distribution'));
    const { StackName, Region, OutputName } = distribution.Properties.DistributionConfig.WebACLId['Fn::GetStackOutput'];
    assert.deepEqual([StackName, Region], ['FactorialEdge', 'us-east-1']);
    assert.deepEqual(template.toJSON().Outputs[OutputName].Value, { 'Fn::GetAtt': [aclId, 'Arn'] });
  });

  it('guards the load balancer, regionally, without CloudFront', () => {
    const direct = synthesize({ edge: 'false' });
    assert.equal(direct.globalEdgeTemplate, undefined);
    const [aclId] = Object.keys(direct.template.findResources('AWS::WAFv2::WebACL'));
    direct.template.hasResourceProperties('AWS::WAFv2::WebACL', { Scope: 'REGIONAL', DefaultAction: { Allow: {} } });
    const [loadBalancerId] = Object.keys(direct.template.findResources('AWS::ElasticLoadBalancingV2::LoadBalancer'));
    direct.template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
    direct.template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: { Ref: loadBalancerId },
      WebACLArn: { 'Fn::GetAtt': [aclId, 'Arn'] },
    });
  });

  it('applies the rate limits first, then the managed rules for known bad inputs and common exploits', () => {
    const ordered = [...rules(template)].sort((a, b) => a.Priority - b.Priority).map((r: { Name: string }) => r.Name);
    assert.deepEqual(ordered, [
      'LargeNumberRatePerIp',
      'RatePerIp',
      'AWSManagedRulesKnownBadInputsRuleSet',
      'AWSManagedRulesCommonRuleSet',
    ]);
  });

  it('limits each IP over 5 minutes, with the configured limits, answering 429 with Retry-After', () => {
    const limits = (t: Template) =>
      ['RatePerIp', 'LargeNumberRatePerIp'].map((name) => {
        const rateRule = rule(t, name);
        const { AggregateKeyType, EvaluationWindowSec, Limit } = rateRule.Statement.RateBasedStatement;
        assert.equal(AggregateKeyType, 'IP');
        assert.equal(EvaluationWindowSec, 300);
        assert.deepEqual(rateRule.Action.Block.CustomResponse, {
          ResponseCode: 429,
          CustomResponseBodyKey: 'TooManyRequests',
          ResponseHeaders: [{ Name: 'Retry-After', Value: '60' }],
        });
        return Limit;
      });
    assert.deepEqual(limits(template), [1000, 60]);
    assert.deepEqual(limits(firewallTemplate({ wafRateLimit: '500', wafLargeNumberRateLimit: '20' })), [500, 20]);
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      CustomResponseBodies: {
        TooManyRequests: { ContentType: 'TEXT_PLAIN', Content: Match.stringLikeRegexp('^Too Many') },
      },
    });
  });

  it('scopes the stricter limit to a large number in the URL-decoded query, anywhere but the cheap summary', () => {
    const scope = rule(template, 'LargeNumberRatePerIp').Statement.RateBasedStatement.ScopeDownStatement;
    assert.deepEqual(scope.AndStatement.Statements, [
      {
        RegexMatchStatement: {
          FieldToMatch: { QueryString: {} },
          RegexString: LARGE_NUMBER_QUERY,
          TextTransformations: [{ Priority: 0, Type: 'URL_DECODE' }],
        },
      },
      {
        NotStatement: {
          Statement: {
            ByteMatchStatement: {
              FieldToMatch: { UriPath: {} },
              PositionalConstraint: 'EXACTLY',
              SearchString: '/api/v1/factorial/summary',
              TextTransformations: [{ Priority: 0, Type: 'NONE' }],
            },
          },
        },
      },
    ]);
    assert.ok(LARGE_NUMBER_QUERY.length <= 512, 'WAF takes regexes of up to 512 characters');
  });

  it('uses the AWS managed rule groups with their own actions, only counting requests without a User-Agent', () => {
    const managed = (name: string) => rule(template, name);
    for (const name of ['AWSManagedRulesKnownBadInputsRuleSet', 'AWSManagedRulesCommonRuleSet']) {
      assert.equal(managed(name).Statement.ManagedRuleGroupStatement.VendorName, 'AWS');
      assert.deepEqual(managed(name).OverrideAction, { None: {} });
    }
    assert.deepEqual(managed('AWSManagedRulesCommonRuleSet').Statement.ManagedRuleGroupStatement.RuleActionOverrides, [
      { Name: 'NoUserAgent_HEADER', ActionToUse: { Count: {} } },
    ]);
  });

  it('publishes metrics and samples for the web ACL and each rule', () => {
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      VisibilityConfig: {
        MetricName: 'FactorialEdge-WebAcl',
        CloudWatchMetricsEnabled: true,
        SampledRequestsEnabled: true,
      },
    });
    for (const { Name, VisibilityConfig } of rules(template)) {
      assert.deepEqual(VisibilityConfig, {
        MetricName: Name,
        CloudWatchMetricsEnabled: true,
        SampledRequestsEnabled: true,
      });
    }
  });

  it('logs blocked and counted requests to an aws-waf-logs- log group, by an ARN without ":*"', () => {
    const [aclId] = Object.keys(template.findResources('AWS::WAFv2::WebACL'));
    const groups = template.findResources('AWS::Logs::LogGroup', {
      Properties: { LogGroupName: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('^aws-waf-logs-')])] } },
    });
    const [[groupId, group]] = Object.entries(groups);
    assert.equal(group.Properties.RetentionInDays, 30);
    template.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
      ResourceArn: { 'Fn::GetAtt': [aclId, 'Arn'] },
      LogDestinationConfigs: [
        { 'Fn::Join': ['', ['arn:aws:logs:us-east-1:123456789012:log-group:', { Ref: groupId }]] },
      ],
      LoggingFilter: {
        DefaultBehavior: 'DROP',
        Filters: [
          {
            Behavior: 'KEEP',
            Requirement: 'MEETS_ANY',
            Conditions: ['BLOCK', 'COUNT', 'EXCLUDED_AS_COUNT'].map((Action) => ({ ActionCondition: { Action } })),
          },
        ],
      },
    });
  });

  it('can be turned off, leaving no WAF resources and no WAF log group', () => {
    const off = synthesize({ waf: 'false' });
    assert.ok(off.globalEdgeTemplate);
    for (const template of [off.template, off.globalEdgeTemplate]) {
      for (const type of ['WebACL', 'WebACLAssociation', 'LoggingConfiguration']) {
        template.resourceCountIs(`AWS::WAFv2::${type}`, 0);
      }
      assert.equal(template.toJSON().Outputs?.WebAclLogGroup, undefined);
    }
    off.template.resourceCountIs('AWS::Logs::LogGroup', 1);
    off.globalEdgeTemplate.resourceCountIs('AWS::Logs::LogGroup', 0);
  });
});

describe('the large-number regex, on URL-decoded queries as the runner reads them', () => {
  const large = [
    'number=300000',
    'number=10000',
    'number=+000300000',
    'number=%2B000300000',
    'number=%20300000',
    'number=++300000',
    'number=%09%0A%0B%0C%0D300000',
    'number=300000%20',
    '%6Eumber=300000',
    'number=%33%30%30%30%30%30',
    'a=1&number=300000',
    'number=300000&number=5',
    'number=99999999999999999999',
  ];
  const small = [
    'number=9999',
    'number=0000009999',
    'number=+0009999',
    'number=-000000',
    'number=%2D300000',
    'xnumber=300000',
    'numbers=300000',
    'NUMBER=300000',
    'number=5&x=300000',
    'number=5&leading=100000',
    '',
  ];
  const regex = new RegExp(LARGE_NUMBER_QUERY);
  for (const [decoding, decode] of urlDecodings) {
    it(`counts the values with five or more significant digits (${decoding})`, () => {
      for (const query of large) assert.ok(regex.test(decode(query)), `${query} is not counted`);
    });
    it(`lets smaller values, other keys and look-alikes through (${decoding})`, () => {
      for (const query of small) assert.ok(!regex.test(decode(query)), `${query} is counted`);
    });
  }
});
