import { App } from 'aws-cdk-lib';
import { loadSandboxConfig } from './config';
import { buildSandbox } from './sandbox';

const app = new App();
buildSandbox(app, loadSandboxConfig(app));
app.synth();
