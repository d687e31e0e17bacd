import { Validate } from '@lakehouse-cdk/core';
import { App } from 'aws-cdk-lib';
import { loadSandboxConfig } from './config';
import { buildSandbox, SANDBOX_APP_PROPS } from './sandbox';

try {
  const app = new App(SANDBOX_APP_PROPS);
  buildSandbox(app, loadSandboxConfig(app));
  app.synth();
} catch (error) {
  // A bad setting or prop is the user's to fix: one line that names it, without a stack.
  if (!Validate.isValidationError(error)) throw error;
  process.stderr.write(`sandbox: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
