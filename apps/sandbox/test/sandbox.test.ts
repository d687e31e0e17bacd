import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { formatFindings, readValidationReport, synthFailure } from '@lakehouse-cdk/testing';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { loadSandboxConfig, SANDBOX_DEFAULTS } from '../src/config';
import { buildSandbox, SANDBOX_APP_PROPS, SandboxStacks } from '../src/sandbox';
import { formatSummary, summarizeAssembly } from '../src/summary';

/** One synthesis of the whole sandbox for the file: it is the expensive part. */
let app: App;
let stacks: SandboxStacks;
let synthError: unknown;

beforeAll(() => {
  app = new App({ ...SANDBOX_APP_PROPS, outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-')) });
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
  let tagged = 0;
  for (const [, template] of templates()) {
    for (const [id, resource] of Object.entries<any>(template.toJSON().Resources ?? {})) {
      const tags = resource.Properties?.Tags;
      if (tags && !Array.isArray(tags)) {
        // MWAA takes its tags as a map.
        expect({ id, keys: Object.keys(tags) }).toEqual({ id, keys: expect.arrayContaining(['Project', 'Environment', 'Layer', 'ManagedBy']) });
        tagged++;
        continue;
      }
      if (!Array.isArray(tags)) continue;
      tagged++;
      const keys = tags.map((tag: any) => tag.Key);
      expect({ id, keys }).toEqual({ id, keys: expect.arrayContaining(['Project', 'Environment', 'Layer', 'ManagedBy', 'Owner']) });
    }
  }
  expect(tagged).toBeGreaterThan(30);
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

test('each stack outputs what an operator needs (R8.4)', () => {
  const outputs = (stack: keyof SandboxStacks) => Object.keys(Template.fromStack(stacks[stack]).toJSON().Outputs ?? {});
  expect(outputs('data')).toEqual(expect.arrayContaining([
    'DataLakeBucketName', 'AccessLogsBucketName', 'DagsBucketName', 'DataLakeKeyArn', 'GlueDatabaseName',
    'RawCrawlerName', 'ProcessedCrawlerName', 'CuratedCrawlerName', 'PipelineRunsTableName', 'AthenaWorkGroupName',
  ]));
  expect(outputs('pipeline')).toEqual(expect.arrayContaining(['StateMachineArn']));
  expect(outputs('orchestration')).toEqual(expect.arrayContaining(['MwaaEnvironmentName', 'MwaaWebserverUrl']));
});

test('named resources follow the {project}-{environment}-{component} convention (R9.6)', () => {
  const names: Array<[string, string, unknown]> = [];
  const nameProperties: Record<string, string> = {
    'AWS::S3::Bucket': 'BucketName',
    'AWS::DynamoDB::Table': 'TableName',
    'AWS::StepFunctions::StateMachine': 'StateMachineName',
    'AWS::MWAA::Environment': 'Name',
    'AWS::Athena::WorkGroup': 'Name',
    'AWS::Glue::Crawler': 'Name',
    'AWS::Glue::Database': 'DatabaseInput.Name',
  };
  for (const [, template] of templates()) {
    for (const [id, resource] of Object.entries<any>(template.toJSON().Resources ?? {})) {
      const property = nameProperties[resource.Type];
      if (!property) continue;
      const value = property.split('.').reduce((node: any, key) => node?.[key], resource.Properties);
      names.push([resource.Type, id, value]);
    }
  }
  expect(names.length).toBeGreaterThanOrEqual(9);
  for (const [type, id, name] of names) {
    const pattern = type === 'AWS::Glue::Database' ? /^lakehouse_sandbox_[a-z0-9_]+$/ : /^lakehouse-sandbox-[a-z0-9-]+$/;
    expect({ type, id, name }).toEqual({ type, id, name: expect.stringMatching(pattern) });
  }
});

test('MWAA gets the real dags/ folder and the sandbox state machine through Airflow configuration', () => {
  const mwaa = Template.fromStack(stacks.orchestration);
  mwaa.hasResourceProperties('AWS::MWAA::Environment', {
    EnvironmentClass: 'mw1.small',
    DagS3Path: 'dags',
    AirflowConfigurationOptions: Match.objectLike({
      'lakehouse.state_machine_arn': Match.anyValue(),
      'lakehouse.pipeline_name': 'lakehouse',
    }),
  });
  const upload = mwaa.findResources('Custom::CDKBucketDeployment');
  expect(Object.keys(upload).length).toBeGreaterThanOrEqual(1);
});

test('the AwsSolutions checks really run over the sandbox: an unsafe bucket fails the synth', () => {
  const probe = new App({ ...SANDBOX_APP_PROPS, outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-probe-')) });
  const probeStacks = buildSandbox(probe, loadSandboxConfig(probe, {}));
  new s3.Bucket(probeStacks.data, 'UnsafeBucket');
  expect(synthFailure(probe)).toBeDefined();
  expect(readValidationReport(probe.outdir).map(finding => `${finding.rule} ${finding.path}`))
    .toEqual(expect.arrayContaining(['AwsSolutions-S10 lakehouse-sandbox-data/UnsafeBucket/Resource']));
});
