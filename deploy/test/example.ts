/**
 * The documented example deployment, synthesized the way `cdk synth` does
 * it: with cdk.json's feature flags and the cdk-nag checks of `bin/app.ts`.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { App, type Stack } from 'aws-cdk-lib/core';
import { CDK_APP_MODE_CONTEXT } from 'aws-cdk-lib/cx-api';
import { type DeploymentConfig, readDeploymentConfig } from '../lib/config';
import { buildFactorialApp, GLOBAL_EDGE_STACK_ID } from '../lib/factorial-app';
import type { FactorialStack } from '../lib/factorial-stack';

const DEPLOY_DIRECTORY = path.join(__dirname, '..');

/** cdk.json's context: the feature flags `cdk synth` runs the app with. */
const CDK_JSON_CONTEXT: Record<string, unknown> = JSON.parse(
  readFileSync(path.join(DEPLOY_DIRECTORY, 'cdk.json'), 'utf8'),
).context;

/** The example parameters of `npm run synth` and docs/deploy.md. */
export const EXAMPLE_PARAMETERS: Readonly<Record<string, string>> = {
  account: '123456789012',
  region: 'us-east-1',
  domainName: 'factorial.example.com',
  hostedZoneId: 'Z0EXAMPLE0000000000000',
  hostedZoneName: 'example.com',
};

/**
 * The parameters (context keys) that make the example deployment a Lambda
 * one. Its code is the function's real package, never a stand-in: the
 * folder FACTORIAL_LAMBDA_PACKAGE names, or the default one, as
 * `scripts/lambda.sh package` builds it before these tests run.
 */
export const LAMBDA_PARAMETERS: Readonly<Record<string, string>> = {
  compute: 'lambda',
  ...(process.env.FACTORIAL_LAMBDA_PACKAGE ? { lambdaPackage: process.env.FACTORIAL_LAMBDA_PACKAGE } : {}),
};

/** The example configuration with some parameters (context keys) changed. */
export function exampleConfig(overrides: Readonly<Record<string, string>> = {}): DeploymentConfig {
  const parameters: Record<string, string> = { ...EXAMPLE_PARAMETERS, ...overrides };
  return readDeploymentConfig({ context: (key) => parameters[key], env: {} });
}

export interface Synthesized {
  readonly app: App;
  readonly stack: FactorialStack;
  readonly template: Template;
  /** The us-east-1 stack of the CloudFront certificate and web ACL, when there is a distribution. */
  readonly globalEdgeTemplate?: Template;
}

/**
 * Synthesizes the example deployment. `extend` may add constructs to the
 * stack first. Throws if cdk-nag finds anything not acknowledged.
 */
export function synthesize(
  overrides: Readonly<Record<string, string>> = {},
  extend: (stack: FactorialStack) => void = () => {},
): Synthesized {
  // In memory: a validation failure throws with its whole report instead of printing it.
  const app = new App({ context: { ...CDK_JSON_CONTEXT, [CDK_APP_MODE_CONTEXT]: 'inmemory' } });
  const stack = buildFactorialApp(app, { config: exampleConfig(overrides) });
  extend(stack);
  const globalEdge = app.node.tryFindChild(GLOBAL_EDGE_STACK_ID) as Stack | undefined;
  return {
    app,
    stack,
    template: Template.fromStack(stack),
    globalEdgeTemplate: globalEdge && Template.fromStack(globalEdge),
  };
}

/** package.json's `scripts`. */
export function npmScripts(): Record<string, string> {
  return JSON.parse(readFileSync(path.join(DEPLOY_DIRECTORY, 'package.json'), 'utf8')).scripts;
}

/** The template has a certificate for the example domain, validated by DNS in its zone. */
export function assertCertificateForTheExampleDomain(t: Template): void {
  t.hasResourceProperties('AWS::CertificateManager::Certificate', {
    DomainName: 'factorial.example.com',
    ValidationMethod: 'DNS',
    DomainValidationOptions: [{ DomainName: 'factorial.example.com', HostedZoneId: 'Z0EXAMPLE0000000000000' }],
  });
}

/** The template names the example domain with one A and one AAAA alias record to `target`, and no other record. */
export function assertAliasRecordsForTheExampleDomain(
  t: Template,
  target: { readonly DNSName: unknown; readonly HostedZoneId: unknown },
): void {
  for (const type of ['A', 'AAAA']) {
    t.hasResourceProperties('AWS::Route53::RecordSet', {
      Type: type,
      Name: 'factorial.example.com.',
      HostedZoneId: 'Z0EXAMPLE0000000000000',
      AliasTarget: target,
    });
  }
  t.resourceCountIs('AWS::Route53::RecordSet', 2);
}
