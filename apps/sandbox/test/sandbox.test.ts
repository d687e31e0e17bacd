import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { formatFindings, readValidationReport } from '@lakehouse-cdk/testing';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadSandboxConfig, SANDBOX_DEFAULTS } from '../src/config';
import { buildSandbox, SandboxStacks } from '../src/sandbox';
import { formatSummary, summarizeAssembly } from '../src/summary';

/** One synthesis of the whole sandbox for the file: it is the expensive part. */
let app: App;
let stacks: SandboxStacks;
let synthError: unknown;

beforeAll(() => {
  app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-')) });
  stacks = buildSandbox(app, loadSandboxConfig(app, {}));
  try {
    app.synth();
  } catch (error) {
    synthError = error;
  }
});

const templates = () => Object.entries(stacks).map(([key, stack]) => [key, Template.fromStack(stack)] as const);

test('the sandbox synthesizes three stacks named with the convention', () => {
  expect(Object.values(stacks).map(stack => stack.stackName)).toEqual([
    'lakehouse-sandbox-data', 'lakehouse-sandbox-pipeline', 'lakehouse-sandbox-orchestration',
  ]);
});

test('cdk-nag AwsSolutions finds nothing unacknowledged in the whole app', () => {
  const findings = readValidationReport(app.outdir);
  expect(formatFindings(findings)).toBe('');
  expect(synthError).toBeUndefined();
});

test('MWAA lives in its own stack, after the pipeline and the data stacks', () => {
  expect(stacks.orchestration.dependencies).toContain(stacks.pipeline);
  expect(stacks.pipeline.dependencies).toContain(stacks.data);
  expect(stacks.data.dependencies).toEqual([]);
});

test('every taggable resource carries the cost-allocation tags', () => {
  for (const [, template] of templates()) {
    for (const [id, resource] of Object.entries<any>(template.toJSON().Resources ?? {})) {
      const tags = resource.Properties?.Tags;
      if (!Array.isArray(tags)) continue;
      const keys = tags.map((tag: any) => tag.Key);
      expect({ id, keys }).toEqual({ id, keys: expect.arrayContaining(['Project', 'Environment', 'ManagedBy', 'Owner']) });
    }
  }
});

describe('configuration', () => {
  test('defaults describe the sandbox and take the account and region from the CDK environment', () => {
    const config = loadSandboxConfig(new App(), { CDK_DEFAULT_ACCOUNT: '111122223333', CDK_DEFAULT_REGION: 'eu-central-1' });
    expect(config).toMatchObject({ project: 'lakehouse', environment: 'sandbox', account: '111122223333', region: 'eu-central-1', mwaaEnvironmentClass: 'mw1.small' });
  });

  test('falls back to the default region when the environment has none', () => {
    expect(loadSandboxConfig(new App(), {}).region).toBe(SANDBOX_DEFAULTS.region);
  });

  test('context overrides the defaults', () => {
    const overridden = new App({ context: { 'lakehouse:environment': 'dev', 'lakehouse:mwaaEnvironmentClass': 'mw1.medium', 'lakehouse:tags': '{"Team":"data"}' } });
    expect(loadSandboxConfig(overridden, {})).toMatchObject({ environment: 'dev', mwaaEnvironmentClass: 'mw1.medium', tags: { Team: 'data' } });
  });

  test('bad overrides are named errors', () => {
    expect(() => loadSandboxConfig(new App({ context: { 'lakehouse:region': 'mars' } }), {})).toThrow(/lakehouse:region must be an AWS region/);
    expect(() => loadSandboxConfig(new App({ context: { 'lakehouse:processedCrawlerSchedule': 'daily' } }), {})).toThrow(/lakehouse:processedCrawlerSchedule must be a six-field cron/);
    expect(() => buildSandbox(new App(), { ...SANDBOX_DEFAULTS, environment: 'Sandbox' })).toThrow(/environment must be lowercase/);
  });
});

test('the summary lists every stack with its resources', () => {
  const summary = summarizeAssembly(app.outdir);
  expect(summary.map(stack => stack.name).sort()).toEqual(['lakehouse-sandbox-data', 'lakehouse-sandbox-orchestration', 'lakehouse-sandbox-pipeline']);
  expect(formatSummary(summary)).toMatch(/^lakehouse-sandbox-data: \d+ resources/m);
  expect(() => summarizeAssembly(path.join(app.outdir, 'missing'))).toThrow(/no cloud assembly/);
});
