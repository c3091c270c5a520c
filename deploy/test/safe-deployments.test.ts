import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Template } from 'aws-cdk-lib/assertions';
import { synthesize } from './example';

const { template } = synthesize();

/** The one resource of `type`: its logical id and its template entry. */
function only(t: Template, type: string) {
  const found = Object.entries(t.findResources(type));
  assert.equal(found.length, 1, `one ${type}`);
  return found[0];
}

/** The alarms, by metric name: their logical ids and properties. */
function alarmsByMetric(t: Template) {
  return new Map(
    Object.entries(t.findResources('AWS::CloudWatch::Alarm')).map(([id, { Properties }]) => [
      Properties.MetricName as string,
      { id, properties: Properties },
    ]),
  );
}

/** What the grace period decides: the runner's setting, the stop timeout and the deregistration delay. */
function drain(t: Template) {
  const [, taskDefinition] = only(t, 'AWS::ECS::TaskDefinition');
  const [container] = taskDefinition.Properties.ContainerDefinitions;
  const [, targetGroup] = only(t, 'AWS::ElasticLoadBalancingV2::TargetGroup');
  const attribute = (key: string) =>
    targetGroup.Properties.TargetGroupAttributes.find((a: { Key: string }) => a.Key === key)?.Value;
  return {
    runnerGrace: container.Environment.find((e: { Name: string }) => e.Name === 'FACTORIAL_SHUTDOWN_GRACE')?.Value,
    stopTimeout: container.StopTimeout,
    deregistrationDelay: attribute('deregistration_delay.timeout_seconds'),
  };
}

describe('safe deployments', () => {
  it('rolls a deployment back when a 5xx or unhealthy-task alarm fires, beside the circuit breaker', () => {
    const [, service] = only(template, 'AWS::ECS::Service');
    const { Alarms, DeploymentCircuitBreaker } = service.Properties.DeploymentConfiguration;
    assert.deepEqual(DeploymentCircuitBreaker, { Enable: true, Rollback: true });
    assert.equal(Alarms.Enable, true);
    assert.equal(Alarms.Rollback, true);
    const alarms = alarmsByMetric(template);
    const expected = ['HTTPCode_ELB_5XX_Count', 'HTTPCode_Target_5XX_Count', 'UnHealthyHostCount'].map(
      (metric) => alarms.get(metric)?.properties.AlarmName,
    );
    assert.deepEqual(Alarms.AlarmNames, expected);
    assert.deepEqual(expected, ['Factorial-LoadBalancer5xx', 'Factorial-Target5xx', 'Factorial-UnhealthyTasks']);
    // Latency rises with load as much as with a bad release: it does not roll back.
    assert.ok(!Alarms.AlarmNames.includes(alarms.get('TargetResponseTime')?.properties.AlarmName));
  });

  it('names the alarms literally, so that the service depends on none of them (no cycle with alarms on its metrics)', () => {
    const [, service] = only(template, 'AWS::ECS::Service');
    for (const name of service.Properties.DeploymentConfiguration.Alarms.AlarmNames) {
      assert.equal(typeof name, 'string');
    }
    const serviceJson = JSON.stringify(service);
    for (const { id } of alarmsByMetric(template).values()) {
      assert.ok(!serviceJson.includes(`"${id}"`), `the service refers to the alarm ${id}`);
    }
  });

  it('drains a task for the grace period at the load balancer, then gives the runner that grace and 5 s more', () => {
    assert.deepEqual(drain(template), { runnerGrace: '30s', stopTimeout: 35, deregistrationDelay: '30' });
    assert.deepEqual(drain(synthesize({ shutdownGraceSeconds: '90' }).template), {
      runnerGrace: '90s',
      stopTimeout: 95,
      deregistrationDelay: '90',
    });
  });

  it("keeps the stop timeout within Fargate's 120 s at the longest grace period allowed", () => {
    assert.equal(drain(synthesize({ shutdownGraceSeconds: '115' }).template).stopTimeout, 120);
  });
});
