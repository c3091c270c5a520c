import { type App, Validations } from 'aws-cdk-lib/core';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { ComputeMode, DeploymentConfig } from './config';
import { FactorialStack, LOG_RETENTION } from './factorial-stack';
import { GlobalEdgeStack } from './global-edge-stack';

/** The stack's description in CloudFormation, by compute mode. */
const DESCRIPTIONS: Readonly<Record<ComputeMode, string>> = {
  fargate: 'Exact factorials over HTTPS: the factorial runner on Fargate behind an ALB',
  lambda: 'Exact factorials over HTTPS: the factorial component on Lambda behind an API Gateway HTTP API',
};

/** The us-east-1 stack's id, and so its name. */
export const GLOBAL_EDGE_STACK_ID = 'FactorialEdge';

export interface FactorialAppProps {
  readonly config: DeploymentConfig;
  /** The image's build context. @default the repository root */
  readonly imageDirectory?: string;
}

/**
 * Adds the factorial stack to `app`, with the us-east-1 stack its
 * CloudFront distribution needs when `config.edge`, and the cdk-nag
 * AwsSolutions checks, so that synthesis fails on any finding not
 * acknowledged with a reason. Used by `bin/app.ts` and by the tests alike.
 */
export function buildFactorialApp(app: App, props: FactorialAppProps): FactorialStack {
  const globalEdge = props.config.edge
    ? new GlobalEdgeStack(app, GLOBAL_EDGE_STACK_ID, {
        description: "Exact factorials over HTTPS: the CloudFront distribution's certificate and web ACL",
        config: props.config,
        logRetention: LOG_RETENTION,
      })
    : undefined;
  const stack = new FactorialStack(app, 'Factorial', {
    description: `${DESCRIPTIONS[props.config.compute]}${props.config.edge ? ', behind CloudFront' : ''}`,
    globalEdge,
    ...props,
  });
  // The acknowledgements are written into the template as well, for audit.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }));
  return stack;
}
