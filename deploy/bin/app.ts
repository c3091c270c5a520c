#!/usr/bin/env node
import { App } from 'aws-cdk-lib/core';
import { readDeploymentConfig } from '../lib/config';
import { buildFactorialApp } from '../lib/factorial-app';

const app = new App();
buildFactorialApp(app, {
  config: readDeploymentConfig({ context: (key) => app.node.tryGetContext(key), env: process.env }),
});
