import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertShowsEveryAlarm, graphed, widgets } from './dashboard';
import { synthesize } from './example';

describe('dashboard', () => {
  const { template } = synthesize();

  it('graphs requests, errors, p50 and p99 response times, task health, CPU and memory', () => {
    const metrics = graphed(template);
    for (const expected of [
      'AWS/ApplicationELB RequestCount Sum',
      'AWS/ApplicationELB HTTPCode_Target_4XX_Count Sum',
      'AWS/ApplicationELB HTTPCode_Target_5XX_Count Sum',
      'AWS/ApplicationELB HTTPCode_ELB_4XX_Count Sum',
      'AWS/ApplicationELB HTTPCode_ELB_5XX_Count Sum',
      'AWS/ApplicationELB TargetResponseTime p50',
      'AWS/ApplicationELB TargetResponseTime p99',
      'AWS/ApplicationELB HealthyHostCount Minimum',
      'AWS/ApplicationELB UnHealthyHostCount Maximum',
      'AWS/ECS CPUUtilization Average',
      'AWS/ECS CPUUtilization Maximum',
      'AWS/ECS MemoryUtilization Average',
      'AWS/ECS MemoryUtilization Maximum',
    ]) {
      assert.ok(metrics.includes(expected), `${expected} is not graphed`);
    }
  });

  it("graphs the service's own CPU and memory, not another's", () => {
    const [serviceId] = Object.keys(template.findResources('AWS::ECS::Service'));
    const ecsMetrics = widgets(template)
      .flatMap(({ properties }) => properties.metrics ?? [])
      .filter((metric) => metric[0] === 'AWS/ECS');
    assert.equal(ecsMetrics.length, 4);
    for (const metric of ecsMetrics) {
      assert.equal(metric[metric.indexOf('ServiceName') + 1], serviceId);
    }
  });

  it("graphs the runner's own metrics from the stack's namespace", () => {
    const metrics = graphed(template);
    for (const expected of [
      'Requests2xx Sum',
      'Requests4xx Sum',
      'Requests5xx Sum',
      'Saturated Sum',
      'DeadlineExceeded Sum',
      'MemoryLimitExceeded Sum',
      'GuestErrors Sum',
      'RequestDurationP50 Maximum',
      'RequestDurationP90 Maximum',
      'RequestDurationP99 Maximum',
      'RequestsInFlight Maximum',
      'CacheHits Sum',
      'CacheCoalesced Sum',
      'CacheMisses Sum',
      'CacheEvictions Sum',
      'CacheBytes Maximum',
    ]) {
      assert.ok(metrics.includes(`Factorial/Factorial ${expected}`), `${expected} is not graphed`);
    }
    const runnerMetrics = widgets(template)
      .flatMap(({ properties }) => properties.metrics ?? [])
      .filter((metric) => metric[0] === 'Factorial/Factorial');
    for (const metric of runnerMetrics) {
      assert.equal(metric[metric.indexOf('Service') + 1], 'factorial');
    }
  });

  it("graphs the web ACL's allowed and blocked requests, overall and per rule", () => {
    const metrics = graphed(template);
    assert.ok(metrics.includes('AWS/WAFV2 AllowedRequests Sum'));
    const blocked = widgets(template)
      .flatMap(({ properties }) => properties.metrics ?? [])
      .filter((metric) => metric[1] === 'BlockedRequests')
      .map((metric) => metric[metric.indexOf('Rule') + 1]);
    assert.deepEqual(blocked, [
      'ALL',
      'LargeNumberRatePerIp',
      'RatePerIp',
      'AWSManagedRulesKnownBadInputsRuleSet',
      'AWSManagedRulesCommonRuleSet',
    ]);
  });

  it('has no web ACL graphs when there is no web ACL', () => {
    const metrics = graphed(synthesize({ waf: 'false' }).template);
    assert.ok(metrics.length > 0);
    assert.ok(!metrics.some((metric) => metric.startsWith('AWS/WAFV2')));
  });

  it('shows the state of every alarm', () => {
    assertShowsEveryAlarm(template);
  });

  it('is named after the stack and region, and linked from an output', () => {
    const [[dashboardId, dashboard]] = Object.entries(template.findResources('AWS::CloudWatch::Dashboard'));
    assert.equal(dashboard.Properties.DashboardName, 'Factorial-us-east-1');
    const url = template.toJSON().Outputs.DashboardUrl.Value['Fn::Join'][1];
    assert.deepEqual(url, [
      'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/',
      { Ref: dashboardId },
    ]);
  });
});
