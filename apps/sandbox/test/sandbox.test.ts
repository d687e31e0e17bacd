import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { formatFindings, nagFindings, readValidationReport, synthFailure, withoutValidationOutput } from '@lakehouse-cdk/testing';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CONTEXT_KEYS, loadSandboxConfig, maintenanceDays, SANDBOX_DEFAULTS } from '../src/config';
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
    withoutValidationOutput(() => app.synth());
  } catch (error) {
    synthError = error;
  }
});

const templates = () => Object.entries(stacks).map(([key, stack]) => [key, Template.fromStack(stack)] as const);

/** Every warning annotation of the stacks, as `construct path: message`: what `cdk synth` prints as `[Warning at …]`. */
const warnings = (sandbox: SandboxStacks) => Object.values(sandbox).flatMap((stack: Stack) =>
  withoutValidationOutput(() => Annotations.fromStack(stack)).findWarning('*', Match.anyValue()).map(entry => `${entry.id}: ${String(entry.entry.data)}`));

test('the sandbox synthesizes three stacks named with the convention', () => {
  expect(Object.values(stacks).map(stack => stack.stackName)).toEqual([
    'lakehouse-sandbox-data', 'lakehouse-sandbox-pipeline', 'lakehouse-sandbox-orchestration',
  ]);
});

test('the cdk-nag AwsSolutions, NIST 800-53 R5 and HIPAA Security packs find nothing unacknowledged in the whole app', () => {
  const findings = readValidationReport(app.outdir);
  expect(formatFindings(findings)).toBe('');
  expect(synthError).toBeUndefined();
});

test('synthesis prints no warning: the sandbox acts on every one or acknowledges it with a reason', () => {
  expect(warnings(stacks)).toEqual([]);
});

test('the synthesis helpers keep the validation report, passed or failed, off the console and let other output through', () => {
  const printed = jest.spyOn(console, 'error').mockImplementation(() => {});
  try {
    // A bucket without TLS enforcement or access logs: the report fails, and says so.
    expect(nagFindings(stack => new s3.Bucket(stack, 'Plain')).length).toBeGreaterThan(0);
    withoutValidationOutput(() => console.error('something else'));
    expect(printed.mock.calls).toEqual([['something else']]);
  } finally {
    printed.mockRestore();
  }
});

test('every acknowledgement of the app carries a reason of its own', () => {
  const reasons: Array<[string, string, unknown]> = [];
  for (const construct of app.node.findAll()) {
    for (const entry of construct.node.metadata.filter(m => m.type === 'aws:cdk:acknowledged-rules')) {
      for (const [id, reason] of Object.entries(entry.data as Record<string, unknown>)) reasons.push([construct.node.path, id, reason]);
    }
  }
  expect(reasons.length).toBeGreaterThan(40);
  for (const [where, id, reason] of reasons) {
    expect({ where, id, reason }).toEqual({ where, id, reason: expect.stringMatching(/^.{60,}$/s) });
    expect({ where, id, reason }).not.toEqual({ where, id, reason: expect.stringMatching(/\bthe (lakehouse )?plan\b|\bR\d+\.\d+\b/) });
  }
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
    expect(config).toMatchObject({ project: 'lakehouse', environment: 'sandbox', account: '111122223333', region: 'eu-central-1', orchestration: 'mwaa', mwaaEnvironmentClass: 'mw1.small' });
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
    expect(() => loadSandboxConfig(new App({ context: { 'lakehouse:icebergMaintenanceDays': 'SUNDAY' } }), {})).toThrow(/lakehouse:icebergMaintenanceDays/);
    expect(() => loadSandboxConfig(new App({ context: { 'lakehouse:dbtBytesScannedCutoff': '10GB' } }), {})).toThrow(/lakehouse:dbtBytesScannedCutoff/);
    expect(() => loadSandboxConfig(new App({ context: { 'lakehouse:maintenanceBytesScannedCutoff': -1 } }), {})).toThrow(/lakehouse:maintenanceBytesScannedCutoff must be a whole number/);
  });

  test('a misspelled lakehouse: key is an error that lists every valid key', () => {
    const misspelled = () => loadSandboxConfig(new App({ context: { 'lakehouse:mwaaEnviromentClass': 'mw1.medium' } }), {});
    expect(misspelled).toThrow(/^lakehouse:mwaaEnviromentClass is not a sandbox setting; the settings are /);
    for (const key of Object.keys(CONTEXT_KEYS)) expect(misspelled).toThrow(`lakehouse:${key}`);
    // Other tools' context (feature flags, cdk-nag, the retention guard) is not the sandbox's to check.
    expect(() => loadSandboxConfig(new App({ context: { '@aws-cdk/core:newStyleStackSynthesis': true, '@lakehouse-cdk/core:removeDataOnDestroy': 'false' } }), {})).not.toThrow();
  });

  test('a setting spelled with another separator or case is an error, not silently ignored', () => {
    for (const [name, meant] of [['lakehouse_orchestration', 'lakehouse:orchestration'], ['Lakehouse:tags', 'lakehouse:tags'], ['lakehouse.region', 'lakehouse:region']]) {
      expect(() => loadSandboxConfig(new App({ context: { [name]: 'x' } }), {}))
        .toThrow(new RegExp(`^${name.replace('.', '\\.')} is not a sandbox setting: the settings start with "lakehouse:".*for example ${meant}; got "x"$`));
    }
  });

  test('an MWAA environment class given with the scheduler tier is an error: it would be ignored', () => {
    const app = new App({ context: { 'lakehouse:orchestration': 'scheduler', 'lakehouse:mwaaEnvironmentClass': 'mw1.micro' } });
    expect(() => loadSandboxConfig(app, {}))
      .toThrow(/^lakehouse:mwaaEnvironmentClass applies only to lakehouse:orchestration=mwaa; the scheduler tier runs no Airflow environment; got "mw1.micro"$/);
    const mwaa = new App({ context: { 'lakehouse:orchestration': 'mwaa', 'lakehouse:mwaaEnvironmentClass': 'mw1.micro' } });
    expect(loadSandboxConfig(mwaa, {}).mwaaEnvironmentClass).toBe('mw1.micro');
  });

  test('tags that are not a JSON object of strings are a named error, not a SyntaxError', () => {
    expect(() => loadSandboxConfig(new App({ context: { 'lakehouse:tags': '{Team:data}' } }), {})).toThrow(/^lakehouse:tags must be a JSON object of string values.*not valid JSON.*; got \{Team:data\}$/);
    expect(() => loadSandboxConfig(new App({ context: { 'lakehouse:tags': '["data"]' } }), {})).toThrow(/^lakehouse:tags must be a JSON object/);
    expect(() => loadSandboxConfig(new App({ context: { 'lakehouse:tags': { Cost: 12 } } }), {})).toThrow(/^lakehouse:tags must be a JSON object/);
    expect(loadSandboxConfig(new App({ context: { 'lakehouse:tags': { Team: 'data' } } }), {}).tags).toEqual({ Team: 'data' });
  });

  test('the app prints a bad setting as one line naming the key, without a stack, and fails', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-cli-'));
    const run = spawnSync(process.execPath, [path.join(__dirname, '..', 'lib', 'main.js')], {
      encoding: 'utf8',
      env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify({ 'lakehouse:tags': 'Team=data' }) },
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^sandbox: lakehouse:tags must be a JSON object of string values.*; got Team=data$/)]);
  });

  test('the README\'s configuration table lists exactly the context keys the app reads', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    const section = readme.split('## Configuration')[1].split('\n## ')[0];
    const listed = [...section.matchAll(/^\| `([A-Za-z]+)` \|/gm)].map(match => match[1]);
    expect(listed.sort()).toEqual(Object.keys(CONTEXT_KEYS).sort());
  });

  test('maintenance days and the job workgroups\' bounds come from context', () => {
    const overridden = new App({ context: {
      'lakehouse:icebergMaintenanceDays': 'mon, thu', 'lakehouse:dbtBytesScannedCutoff': '21474836480', 'lakehouse:maintenanceBytesScannedCutoff': 10485760,
    } });
    expect(loadSandboxConfig(overridden, {})).toMatchObject({
      icebergMaintenanceDays: 'mon, thu', dbtBytesScannedCutoff: 21474836480, maintenanceBytesScannedCutoff: 10485760,
    });
    expect(maintenanceDays('mon, thu')).toEqual(['MON', 'THU']);
    expect(maintenanceDays('never')).toEqual([]);
  });
});

describe('the dbt job', () => {
  test('the pipeline runs the repository\'s dbt_project in CodeBuild and waits for it', () => {
    const pipeline = Template.fromStack(stacks.pipeline);
    const [machine] = Object.values(pipeline.findResources('AWS::StepFunctions::StateMachine', {
      Properties: { StateMachineName: 'lakehouse-sandbox-pipeline' },
    })) as any[];
    const definition = JSON.stringify(machine.Properties.DefinitionString);
    expect(definition).toContain(':states:::codebuild:startBuild.sync');
    expect(definition).toContain('RunDbtTransformations');
    expect(definition).toMatch(/LAKEHOUSE_ICEBERG_MAINTENANCE[^}]*SUN/);
    pipeline.hasResourceProperties('AWS::CodeBuild::Project', {
      Name: 'lakehouse-sandbox-dbt',
      Source: Match.objectLike({ Type: 'S3' }),
      Environment: Match.objectLike({
        EnvironmentVariables: Match.arrayWith([
          { Name: 'LAKEHOUSE_DBT_TARGET', Type: 'PLAINTEXT', Value: 'athena' },
          { Name: 'LAKEHOUSE_ATHENA_WORKGROUP', Type: 'PLAINTEXT', Value: 'lakehouse-sandbox-dbt' },
          { Name: 'LAKEHOUSE_MAINTENANCE_WORKGROUP', Type: 'PLAINTEXT', Value: 'lakehouse-sandbox-maintenance' },
        ]),
      }),
    });
    const asset = JSON.parse(fs.readFileSync(path.join(app.outdir, `${stacks.pipeline.artifactId}.assets.json`), 'utf8'));
    const sources = Object.values<any>(asset.files).map(file => file.source.path);
    const projectAsset = sources.map(source => path.join(app.outdir, source)).find(folder => fs.existsSync(path.join(folder, 'dbt_project.yml')));
    expect(projectAsset).toBeDefined();
    expect(fs.existsSync(path.join(projectAsset!, 'scripts', 'lakehouse_dbt.py'))).toBe(true);
    expect(fs.readFileSync(path.join(projectAsset!, 'requirements-athena.txt'), 'utf8')).toMatch(/^dbt-athena==/m);
    expect(fs.existsSync(path.join(projectAsset!, 'target'))).toBe(false);
  });

  test('the dbt and maintenance workgroups have their own bytes-scanned bounds and no named queries', () => {
    const pipeline = Template.fromStack(stacks.pipeline);
    for (const name of ['lakehouse-sandbox-dbt', 'lakehouse-sandbox-maintenance']) {
      pipeline.hasResourceProperties('AWS::Athena::WorkGroup', {
        Name: name,
        WorkGroupConfiguration: Match.objectLike({ BytesScannedCutoffPerQuery: SANDBOX_DEFAULTS.dbtBytesScannedCutoff, EnforceWorkGroupConfiguration: true }),
      });
    }
    pipeline.resourceCountIs('AWS::Athena::NamedQuery', 0);
  });
});

test('the summary lists every stack with its resources', () => {
  const summary = summarizeAssembly(app.outdir);
  expect(summary.map(stack => stack.name).sort()).toEqual(['lakehouse-sandbox-data', 'lakehouse-sandbox-orchestration', 'lakehouse-sandbox-pipeline']);
  expect(formatSummary(summary)).toMatch(/^lakehouse-sandbox-data: \d+ resources/m);
  expect(() => summarizeAssembly(path.join(app.outdir, 'missing'))).toThrow(/no cloud assembly/);
});

test('each stack outputs what an operator needs', () => {
  const outputs = (stack: keyof SandboxStacks) => Object.keys(Template.fromStack(stacks[stack]).toJSON().Outputs ?? {});
  expect(outputs('data')).toEqual(expect.arrayContaining([
    'DataLakeBucketName', 'AccessLogsBucketName', 'DagsBucketName', 'DataLakeKeyArn', 'GlueDatabaseName',
    'RawCrawlerName', 'ProcessedCrawlerName', 'CuratedCrawlerName', 'PipelineRunsTableName', 'AthenaWorkGroupName',
  ]));
  expect(outputs('pipeline')).toEqual(expect.arrayContaining(['StateMachineArn', 'AlarmTopicArn']));
  expect(outputs('orchestration')).toEqual(expect.arrayContaining(['MwaaEnvironmentName', 'MwaaWebserverUrl']));
});

test('named resources follow the {project}-{environment}-{component} convention', () => {
  const names: Array<[string, string, unknown]> = [];
  const nameProperties: Record<string, string> = {
    'AWS::S3::Bucket': 'BucketName',
    'AWS::DynamoDB::Table': 'TableName',
    'AWS::StepFunctions::StateMachine': 'StateMachineName',
    'AWS::MWAA::Environment': 'Name',
    'AWS::Athena::WorkGroup': 'Name',
    'AWS::Glue::Crawler': 'Name',
    'AWS::Glue::Database': 'DatabaseInput.Name',
    'AWS::SNS::Topic': 'TopicName',
  };
  for (const [, template] of templates()) {
    for (const [id, resource] of Object.entries<any>(template.toJSON().Resources ?? {})) {
      const property = nameProperties[resource.Type];
      if (!property) continue;
      const value = property.split('.').reduce((node: any, key) => node?.[key], resource.Properties);
      names.push([resource.Type, id, value]);
    }
  }
  expect(names.length).toBeGreaterThanOrEqual(10);
  for (const [type, id, name] of names) {
    if (type === 'AWS::S3::Bucket') continue;
    const pattern = type === 'AWS::Glue::Database' ? /^lakehouse_sandbox_[a-z0-9_]+$/ : /^lakehouse-sandbox-[a-z0-9-]+$/;
    expect({ type, id, name }).toEqual({ type, id, name: expect.stringMatching(pattern) });
  }
});

test('bucket names hold the account and region, so a second account deploying the defaults gets names of its own', () => {
  const bucketNames = Object.values(Template.fromStack(stacks.data).findResources('AWS::S3::Bucket')).map((bucket: any) => bucket.Properties.BucketName);
  expect(bucketNames).toHaveLength(3);
  for (const component of ['data-lake', 'access-logs', 'dags']) {
    expect(bucketNames).toContainEqual({ 'Fn::Join': ['', [`lakehouse-sandbox-${component}-`, { Ref: 'AWS::AccountId' }, '-us-east-1']] });
  }
  const named = (account: string) => {
    const other = new App({ ...SANDBOX_APP_PROPS, outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-names-')) });
    const otherStacks = buildSandbox(other, loadSandboxConfig(other, { CDK_DEFAULT_ACCOUNT: account, CDK_DEFAULT_REGION: 'eu-west-1' }));
    return Object.values(withoutValidationOutput(() => Template.fromStack(otherStacks.data)).findResources('AWS::S3::Bucket')).map((bucket: any) => bucket.Properties.BucketName as string).sort();
  };
  const first = named('111122223333');
  expect(first).toEqual(['lakehouse-sandbox-access-logs-111122223333-eu-west-1', 'lakehouse-sandbox-dags-111122223333-eu-west-1',
    'lakehouse-sandbox-data-lake-111122223333-eu-west-1']);
  expect(named('444455556666').filter(name => first.includes(name))).toEqual([]);
});

describe('the pipeline alarms', () => {
  test('notify an SNS topic encrypted with a customer key that CloudWatch may use, whose ARN is an output', () => {
    const pipeline = Template.fromStack(stacks.pipeline);
    const [topicId, topic] = Object.entries(pipeline.findResources('AWS::SNS::Topic'))[0] as [string, any];
    expect(topic.Properties.TopicName).toBe('lakehouse-sandbox-pipeline-alarms');
    const keyId = topic.Properties.KmsMasterKeyId['Fn::GetAtt'][0];
    const key = pipeline.findResources('AWS::KMS::Key')[keyId] as any;
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.Properties.KeyPolicy.Statement).toContainEqual(expect.objectContaining({
      Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Effect: 'Allow',
    }));
    const alarms = Object.values(pipeline.findResources('AWS::CloudWatch::Alarm')) as any[];
    expect(alarms).toHaveLength(3);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
    expect(pipeline.toJSON().Outputs.AlarmTopicArn.Value).toEqual({ Ref: topicId });
    pipeline.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });
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

test('the three packs really run over the sandbox: an unsafe bucket fails the synth in each', () => {
  const probe = new App({ ...SANDBOX_APP_PROPS, outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-probe-')) });
  const probeStacks = buildSandbox(probe, loadSandboxConfig(probe, {}));
  new s3.Bucket(probeStacks.data, 'UnsafeBucket');
  expect(synthFailure(probe)).toBeDefined();
  expect(readValidationReport(probe.outdir).map(finding => `${finding.rule} ${finding.path}`)).toEqual(expect.arrayContaining([
    'AwsSolutions-S10 lakehouse-sandbox-data/UnsafeBucket/Resource',
    'NIST.800.53.R5-S3BucketSSLRequestsOnly lakehouse-sandbox-data/UnsafeBucket/Resource',
    'HIPAA.Security-S3DefaultEncryptionKMS lakehouse-sandbox-data/UnsafeBucket/Resource',
  ]));
});

describe('raw tables the dbt staging models read', () => {
  const expected: Record<string, { folder: string; columns: string[] }> = {
    raw_events: { folder: 'events/', columns: ['event_id', 'user_id', 'event_type', 'event_ts', 'properties'] },
    raw_users: { folder: 'users/', columns: ['user_id', 'email', 'country', 'signup_ts', 'updated_at'] },
  };

  test('are defined with the OpenX SerDe that skips malformed lines, string columns, a raw/ location and the ingest_date partition', () => {
    const data = Template.fromStack(stacks.data);
    const [bucketId] = Object.keys(data.findResources('AWS::S3::Bucket', {
      Properties: { BucketName: { 'Fn::Join': ['', ['lakehouse-sandbox-data-lake-', { Ref: 'AWS::AccountId' }, '-us-east-1']] } },
    }));
    expect(bucketId).toBeDefined();
    const tables = Object.values(data.findResources('AWS::Glue::Table')) as any[];
    expect(tables.map(t => t.Properties.TableInput.Name).sort()).toEqual(Object.keys(expected));
    for (const table of tables) {
      const input = table.Properties.TableInput;
      const { folder, columns } = expected[input.Name];
      expect(table).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      expect(input.TableType).toBe('EXTERNAL_TABLE');
      expect(input.StorageDescriptor.SerdeInfo).toEqual({ SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe', Parameters: { 'ignore.malformed.json': 'true' } });
      expect(input.StorageDescriptor.Location).toEqual({ 'Fn::Join': ['', ['s3://', { Ref: bucketId }, `/raw/${folder}`]] });
      expect(input.StorageDescriptor.Columns).toEqual(columns.map(name => ({ Name: name, Type: 'string' })));
      expect(input.PartitionKeys).toEqual([{ Name: 'ingest_date', Type: 'string' }]);
    }
  });

  test('are what the raw crawler crawls: catalog targets with the schema-change policy Glue requires', () => {
    const data = Template.fromStack(stacks.data);
    const raw = data.findResources('AWS::Glue::Crawler', { Properties: { Name: 'lakehouse-sandbox-raw-crawler' } });
    const [crawler] = Object.values(raw) as any[];
    expect(crawler.Properties.Targets).toEqual({
      CatalogTargets: [{ DatabaseName: { Ref: expect.stringMatching(/Database/) }, Tables: ['raw_events', 'raw_users'] }],
    });
    expect(crawler.Properties.SchemaChangePolicy).toEqual({ UpdateBehavior: 'LOG', DeleteBehavior: 'LOG' });
    expect(JSON.parse(crawler.Properties.Configuration).CrawlerOutput).toEqual({ Partitions: { AddOrUpdateBehavior: 'InheritFromTable' } });
  });
});

describe('the scheduler tier (lakehouse:orchestration=scheduler)', () => {
  let schedulerApp: App;
  let schedulerStacks: SandboxStacks;
  beforeAll(() => {
    schedulerApp = new App({ ...SANDBOX_APP_PROPS, outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-scheduler-')), context: { 'lakehouse:orchestration': 'scheduler' } });
    schedulerStacks = buildSandbox(schedulerApp, loadSandboxConfig(schedulerApp, {}));
  });

  test('the three packs find nothing unacknowledged', () => {
    let error: unknown;
    try {
      withoutValidationOutput(() => schedulerApp.synth());
    } catch (caught) {
      error = caught;
    }
    expect(error === undefined ? '' : formatFindings(readValidationReport(schedulerApp.outdir))).toBe('');
  });

  test('synthesis prints no warning', () => {
    expect(warnings(schedulerStacks)).toEqual([]);
  });

  test('a daily schedule starts the sandbox pipeline, with no MWAA, VPC or NAT gateway', () => {
    const orchestration = Template.fromStack(schedulerStacks.orchestration);
    orchestration.resourceCountIs('AWS::MWAA::Environment', 0);
    orchestration.resourceCountIs('AWS::EC2::VPC', 0);
    orchestration.resourceCountIs('AWS::EC2::NatGateway', 0);
    orchestration.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'lakehouse-sandbox-pipeline-daily',
      ScheduleExpression: 'cron(0 0 * * ? *)',
      Target: Match.objectLike({ Input: JSON.stringify({ pipeline_name: 'lakehouse', scheduled_time: '<aws.scheduler.scheduled-time>' }) }),
    });
  });

  test('serverless and unknown tiers are named errors', () => {
    for (const tier of ['serverless', 'airflow']) {
      expect(() => loadSandboxConfig(new App({ context: { 'lakehouse:orchestration': tier } }), {}))
        .toThrow(/lakehouse:orchestration must be one of mwaa, scheduler/);
    }
  });
});
