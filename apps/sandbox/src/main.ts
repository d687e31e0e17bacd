import { App } from 'aws-cdk-lib';
import { loadSandboxConfig } from './config';
import { buildSandbox, SANDBOX_APP_PROPS } from './sandbox';

const app = new App(SANDBOX_APP_PROPS);
buildSandbox(app, loadSandboxConfig(app));
app.synth();
