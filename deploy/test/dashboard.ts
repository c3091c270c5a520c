/**
 * Reads the one dashboard of a synthesized template, for the dashboard
 * tests of either compute mode.
 *
 * @module
 */
import * as assert from 'node:assert/strict';
import type { Template } from 'aws-cdk-lib/assertions';

export interface Widget {
  readonly type: string;
  readonly properties: {
    readonly title: string;
    readonly metrics?: unknown[][];
    readonly alarms?: string[];
    readonly annotations?: { readonly horizontal?: { readonly value: number; readonly label?: string }[] };
  };
}

/**
 * The dashboard's widgets. Its body is JSON joined with references; each
 * reference is replaced by the logical id it names, so that the body parses.
 */
export function widgets(t: Template): Widget[] {
  const dashboards = Object.values(t.findResources('AWS::CloudWatch::Dashboard'));
  assert.equal(dashboards.length, 1);
  const [, parts] = dashboards[0].Properties.DashboardBody['Fn::Join'];
  const body = parts
    .map((part: string | { Ref?: string; 'Fn::GetAtt'?: string[] }) =>
      typeof part === 'string' ? part : (part.Ref ?? part['Fn::GetAtt']?.[0] ?? 'reference'),
    )
    .join('');
  return JSON.parse(body).widgets;
}

/** Each graphed metric as `namespace metric statistic`. */
export function graphed(t: Template): string[] {
  return widgets(t).flatMap(({ properties }) =>
    (properties.metrics ?? []).map((metric) => {
      const options = metric.at(-1) as { stat?: string };
      return `${metric[0]} ${metric[1]} ${options.stat ?? 'Average'}`;
    }),
  );
}

/** The dashboard has one alarm widget, showing every alarm of the stack. */
export function assertShowsEveryAlarm(t: Template): void {
  const alarmWidgets = widgets(t).filter(({ type }) => type === 'alarm');
  assert.equal(alarmWidgets.length, 1);
  assert.deepEqual(
    [...(alarmWidgets[0].properties.alarms ?? [])].sort(),
    Object.keys(t.findResources('AWS::CloudWatch::Alarm')).sort(),
  );
}
