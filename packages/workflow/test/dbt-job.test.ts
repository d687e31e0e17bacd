import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Naming } from '@lakehouse-cdk/core';
import { asList, expectValidationError, formatFindings, nagFindings, policyStatements, synth } from '@lakehouse-cdk/testing';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { DbtJob, DbtJobProps } from '../src';
import { DATA_LAKE_BUCKET, DATABASE, DBT_PROJECT, RUNS_TABLE, WORKGROUP, dbtJob, requiredJobProps } from './helpers';

interface JobSynth {
  readonly stack: Stack;
  readonly template: Template;
  readonly job: DbtJob;
  readonly outdir: string;
}

function synthJob(extra: (stack: Stack) => Partial<DbtJobProps> = () => ({}), context: Record<string, unknown> = {}): JobSynth {
  let job: DbtJob | undefined;
  const { app, stack, template } = synth(stack => {
    job = dbtJob(stack, extra(stack));
  }, context);
  return { stack, template, job: job!, outdir: app.outdir };
}

/** An ARN as one string: Fn::Join concatenated, `<Ref>` and `<Id.Attr>` for references. */
function flat(node: any): string {
  if (typeof node === 'string') return node;
  if (node['Fn::Join']) return node['Fn::Join'][1].map(flat).join(node['Fn::Join'][0]);
  if (node.Ref) return node.Ref === 'AWS::Partition' ? 'aws' : `<${node.Ref}>`;
  if (node['Fn::GetAtt']) return `<${node['Fn::GetAtt'].join('.')}>`;
  throw new Error(`cannot flatten ${JSON.stringify(node)}`);
}

const jobStatements = (template: Template) => policyStatements(template).filter(s => /^DbtRoleDefaultPolicy/.test(s.policy)).map(s => s.statement);
const bySid = (template: Template, sid: string) => jobStatements(template).find(s => s.Sid === sid);
const resourcesOf = (statement: any) => asList(statement.Resource).map(flat);
const project = (template: Template) => (Object.values(template.findResources('AWS::CodeBuild::Project'))[0] as any).Properties;
const environmentOf = (template: Template) => Object.fromEntries(project(template).Environment.EnvironmentVariables.map((v: any) => {
  expect(v.Type).toBe('PLAINTEXT');
  return [v.Name, typeof v.Value === 'string' ? v.Value : flat(v.Value)];
}));

let defaults: JobSynth;
beforeAll(() => {
  defaults = synthJob();
});

describe('the build', () => {
  test('a CodeBuild project on the standard Linux image, small compute, whose source is the dbt project as an S3 asset', () => {
    const properties = project(defaults.template);
    expect(properties.Environment).toMatchObject({
      Type: 'LINUX_CONTAINER', Image: 'aws/codebuild/standard:7.0', ComputeType: 'BUILD_GENERAL1_SMALL', PrivilegedMode: false,
    });
    expect(properties.Source).toMatchObject({ Type: 'S3', Location: expect.stringMatching(/^cdk-[a-z0-9]+-assets-123456789012-eu-west-1\/[0-9a-f]{64}\.zip$/) });
    expect(properties).not.toHaveProperty('VpcConfig');
    expect(properties.Artifacts).toEqual({ Type: 'NO_ARTIFACTS' });
  });

  test('each build installs the pinned requirements, then runs the entrypoint with Python 3.11', () => {
    const buildSpec = JSON.parse(project(defaults.template).Source.BuildSpec);
    expect(buildSpec.phases.install).toEqual({
      'runtime-versions': { python: '3.11' },
      'commands': ['python -m pip install --quiet --no-cache-dir --disable-pip-version-check -r requirements-athena.txt'],
    });
    expect(buildSpec.phases.build).toEqual({ commands: ['python scripts/lakehouse_dbt.py'] });
  });

  test('entrypoint and requirementsFile are taken relative to the project folder', () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'dbt-project-'));
    fs.cpSync(DBT_PROJECT, folder, { recursive: true });
    fs.mkdirSync(path.join(folder, 'ci'));
    fs.writeFileSync(path.join(folder, 'ci', 'run.py'), '');
    fs.writeFileSync(path.join(folder, 'ci', 'requirements.txt'), 'dbt-core==1.11.16\n');
    const { template } = synthJob(() => ({ projectDirectory: folder, entrypoint: 'ci/run.py', requirementsFile: 'ci/requirements.txt' }));
    const buildSpec = JSON.parse(project(template).Source.BuildSpec);
    expect(buildSpec.phases.install.commands[0]).toMatch(/ -r ci\/requirements\.txt$/);
    expect(buildSpec.phases.build.commands).toEqual(['python ci/run.py']);
  });

  test('the asset leaves out build output, local data and caches', () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'dbt-project-'));
    fs.cpSync(DBT_PROJECT, folder, { recursive: true });
    const files = ['models/marts/fct_events.sql', 'target/manifest.json', 'logs/dbt.log', 'dbt_packages/dbt_utils/x.sql', '.local/lakehouse.duckdb',
      '.user.yml', 'scripts/__pycache__/lakehouse_dbt.cpython-311.pyc', 'tests_py/.pytest_cache/v/cache'];
    for (const file of files) {
      fs.mkdirSync(path.dirname(path.join(folder, file)), { recursive: true });
      fs.writeFileSync(path.join(folder, file), 'x');
    }
    const { outdir } = synthJob(() => ({ projectDirectory: folder }));
    const assets = fs.readdirSync(outdir).filter(name => name.startsWith('asset.'));
    expect(assets).toHaveLength(1);
    const staged = (fs.readdirSync(path.join(outdir, assets[0]), { recursive: true }) as string[]).map(f => f.split(path.sep).join('/'));
    expect(staged).toEqual(expect.arrayContaining(['dbt_project.yml', 'requirements-athena.txt', 'scripts/lakehouse_dbt.py', 'models/marts/fct_events.sql']));
    for (const excluded of ['target', 'logs', 'dbt_packages', '.local', '.user.yml', 'scripts/__pycache__', 'tests_py/.pytest_cache']) {
      expect(staged).not.toContain(excluded);
    }
  });

  test('the build\'s own environment: the Athena target, the workgroups, databases, S3 locations and the runs table', () => {
    expect(environmentOf(defaults.template)).toEqual({
      LAKEHOUSE_DBT_TARGET: 'athena',
      LAKEHOUSE_ATHENA_WORKGROUP: WORKGROUP,
      LAKEHOUSE_MAINTENANCE_WORKGROUP: WORKGROUP,
      LAKEHOUSE_GLUE_DATABASE: DATABASE,
      LAKEHOUSE_RAW_GLUE_DATABASE: DATABASE,
      LAKEHOUSE_ATHENA_S3_STAGING_DIR: `s3://${DATA_LAKE_BUCKET}/athena-results/`,
      LAKEHOUSE_ATHENA_S3_DATA_DIR: `s3://${DATA_LAKE_BUCKET}/curated/`,
      LAKEHOUSE_CURATED_S3_DIR: `s3://${DATA_LAKE_BUCKET}/curated/`,
      LAKEHOUSE_RUNS_TABLE: RUNS_TABLE,
    });
  });

  test('prefixes, the maintenance workgroup and the raw database change the environment', () => {
    const { template } = synthJob(() => ({
      rawPrefix: 'landing/', curatedPrefix: 'marts/', queryResultsPrefix: 'results/dbt/', maintenanceWorkGroupName: 'maintenance', rawDatabaseName: 'raw_db',
    }));
    expect(environmentOf(template)).toMatchObject({
      LAKEHOUSE_MAINTENANCE_WORKGROUP: 'maintenance',
      LAKEHOUSE_RAW_GLUE_DATABASE: 'raw_db',
      LAKEHOUSE_ATHENA_S3_STAGING_DIR: `s3://${DATA_LAKE_BUCKET}/results/dbt/`,
      LAKEHOUSE_ATHENA_S3_DATA_DIR: `s3://${DATA_LAKE_BUCKET}/marts/`,
      LAKEHOUSE_CURATED_S3_DIR: `s3://${DATA_LAKE_BUCKET}/marts/`,
    });
  });

  test('timeout 1 hour and a 15-minute queue by default; timeout and computeType are props', () => {
    expect(project(defaults.template)).toMatchObject({ TimeoutInMinutes: 60, QueuedTimeoutInMinutes: 15 });
    expect(defaults.job.timeout.toMinutes()).toBe(60);
    expect(defaults.job.queuedTimeout.toMinutes()).toBe(15);
    const { template, job } = synthJob(() => ({ timeout: Duration.hours(3), computeType: codebuild.ComputeType.MEDIUM }));
    expect(project(template)).toMatchObject({ TimeoutInMinutes: 180, Environment: { ComputeType: 'BUILD_GENERAL1_MEDIUM' } });
    expect(job.timeout.toMinutes()).toBe(180);
  });

  test('the build output is encrypted with the data-lake key when there is one, else with the log key', () => {
    expect(project(defaults.template).EncryptionKey).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^DbtLogKey/), 'Arn'] });
    const withBucketKey = synthJob(stack => ({
      dataLakeBucket: new s3.Bucket(stack, 'Lake', { encryptionKey: new kms.Key(stack, 'LakeKey', { enableKeyRotation: true }) }),
    }));
    expect(project(withBucketKey.template).EncryptionKey).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^LakeKey/), 'Arn'] });
    const withGivenKey = synthJob(stack => ({ dataLakeKey: kms.Key.fromKeyArn(stack, 'GivenKey', 'arn:aws:kms:eu-west-1:123456789012:key/abcd') }));
    expect(project(withGivenKey.template).EncryptionKey).toBe('arn:aws:kms:eu-west-1:123456789012:key/abcd');
  });

  test('tags its resources with Layer=workflow', () => {
    for (const type of ['AWS::CodeBuild::Project', 'AWS::IAM::Role', 'AWS::Logs::LogGroup', 'AWS::KMS::Key']) {
      defaults.template.hasResourceProperties(type, { Tags: Match.arrayWith([{ Key: 'Layer', Value: 'workflow' }]) });
    }
  });
});

describe('the logs', () => {
  test('a log group of its own, /aws/codebuild/<unique id>, KMS-encrypted, kept a month and retained', () => {
    const groups = Object.values(defaults.template.findResources('AWS::Logs::LogGroup')) as any[];
    expect(groups).toHaveLength(1);
    expect(groups[0].Properties).toEqual(expect.objectContaining({
      LogGroupName: expect.stringMatching(/^\/aws\/codebuild\/TestDbt[0-9A-F]{8}$/),
      RetentionInDays: 30,
      KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^DbtLogKey/), 'Arn'] },
    }));
    expect(groups[0].DeletionPolicy).toBe('Retain');
    expect(project(defaults.template).LogsConfig).toEqual({ CloudWatchLogs: { GroupName: { Ref: expect.stringMatching(/^DbtLogGroup/) }, Status: 'ENABLED' } });
  });

  test('the log key rotates, is retained, and lets CloudWatch Logs use it for that log group only', () => {
    const logGroupName = (Object.values(defaults.template.findResources('AWS::Logs::LogGroup'))[0] as any).Properties.LogGroupName;
    const key = Object.values(defaults.template.findResources('AWS::KMS::Key'))[0] as any;
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.DeletionPolicy).toBe('Retain');
    const statement = key.Properties.KeyPolicy.Statement.find((s: any) => s.Sid === 'AllowCloudWatchLogsForDbtJobLogs');
    expect(statement).toMatchObject({ Effect: 'Allow', Principal: { Service: 'logs.eu-west-1.amazonaws.com' } });
    expect(flat(statement.Condition.ArnEquals['kms:EncryptionContext:aws:logs:arn'])).toBe(`arn:aws:logs:eu-west-1:123456789012:log-group:${logGroupName}`);
  });

  test('naming names the project and its log group', () => {
    const { template, job } = synthJob(() => ({ naming: new Naming({ project: 'lakehouse', environment: 'sandbox' }) }));
    expect(project(template).Name).toBe('lakehouse-sandbox-dbt');
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/aws/codebuild/lakehouse-sandbox-dbt' });
    expect(job.logGroup).toBeDefined();
  });

  test('logRetention, logEncryptionKey and removalPolicy', () => {
    let key: kms.Key | undefined;
    const { template } = synthJob(stack => {
      key = new kms.Key(stack, 'OwnKey', { enableKeyRotation: true });
      return { logRetention: logs.RetentionDays.ONE_WEEK, logEncryptionKey: key };
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7, KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OwnKey'), 'Arn'] } });
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'AllowCloudWatchLogsForDbtJobLogs' })]) },
    });
    const destroyed = synthJob(() => ({ removalPolicy: RemovalPolicy.DESTROY }), { '@lakehouse-cdk/core:removeDataOnDestroy': true }).template;
    destroyed.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Delete' });
    destroyed.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
    const kept = synthJob(() => ({ removalPolicy: RemovalPolicy.DESTROY })).template;
    kept.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain' });
  });
});

describe('the role', () => {
  const lake = (rest: string) => `arn:aws:s3:::${DATA_LAKE_BUCKET}${rest}`;
  const glue = (rest: string) => `arn:aws:glue:eu-west-1:123456789012:${rest}`;

  test('assumed by CodeBuild only', () => {
    defaults.template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'codebuild.amazonaws.com' } }] },
    });
    expect(project(defaults.template).ServiceRole).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^DbtRole/), 'Arn'] });
  });

  test('Athena: query actions on its workgroups only', () => {
    const statement = bySid(defaults.template, 'RunQueries');
    expect(statement.Action).toEqual(['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StopQueryExecution', 'athena:GetWorkGroup']);
    expect(resourcesOf(statement)).toEqual([`arn:aws:athena:eu-west-1:123456789012:workgroup/${WORKGROUP}`]);
    const both = synthJob(() => ({ maintenanceWorkGroupName: 'maintenance' })).template;
    expect(resourcesOf(bySid(both, 'RunQueries'))).toEqual([
      `arn:aws:athena:eu-west-1:123456789012:workgroup/${WORKGROUP}`, 'arn:aws:athena:eu-west-1:123456789012:workgroup/maintenance',
    ]);
  });

  test('Glue: read the raw tables; build the models in its database and its tables only', () => {
    const { template } = synthJob(() => ({ rawDatabaseName: 'raw_db' }));
    const read = bySid(template, 'ReadRawTables');
    expect(asList<string>(read.Action).every(a => /^glue:(Get|BatchGet)/.test(a))).toBe(true);
    expect(resourcesOf(read)).toEqual([glue('catalog'), glue('database/raw_db'), glue('table/raw_db/*')]);
    const build = bySid(template, 'BuildModels');
    expect(build.Action).toEqual(expect.arrayContaining(['glue:CreateTable', 'glue:UpdateTable', 'glue:DeleteTable', 'glue:BatchCreatePartition']));
    expect(resourcesOf(build)).toEqual([glue('catalog'), glue(`database/${DATABASE}`), glue(`table/${DATABASE}/*`)]);
  });

  test('S3: list the bucket, read the raw prefix, write the curated and results prefixes', () => {
    expect(bySid(defaults.template, 'ListLayers')).toMatchObject({ Action: ['s3:ListBucket', 's3:GetBucketLocation'] });
    expect(resourcesOf(bySid(defaults.template, 'ListLayers'))).toEqual([lake('')]);
    expect(bySid(defaults.template, 'ReadRawLayer').Action).toBe('s3:GetObject');
    expect(resourcesOf(bySid(defaults.template, 'ReadRawLayer'))).toEqual([lake('/raw/*')]);
    expect(resourcesOf(bySid(defaults.template, 'WriteCuratedLayerAndResults'))).toEqual([lake('/curated/*'), lake('/athena-results/*')]);
    const lakeObjects = jobStatements(defaults.template).flatMap(resourcesOf).filter(r => r.startsWith(lake('/')));
    expect(new Set(lakeObjects)).toEqual(new Set([lake('/raw/*'), lake('/curated/*'), lake('/athena-results/*')]));
  });

  test('DynamoDB: UpdateItem of the summary on the runs table only, and no other attribute', () => {
    const statement = bySid(defaults.template, 'WriteRunSummary');
    expect(statement).toMatchObject({
      Action: 'dynamodb:UpdateItem',
      Condition: { 'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['pipeline_name', 'execution_date', 'summary', 'execution_arn'] } },
    });
    expect(resourcesOf(statement)).toEqual([`arn:aws:dynamodb:eu-west-1:123456789012:table/${RUNS_TABLE}`]);
    const dynamo = jobStatements(defaults.template).flatMap(s => asList<string>(s.Action)).filter(a => a.startsWith('dynamodb:'));
    expect(dynamo).toEqual(['dynamodb:UpdateItem']);
  });

  test('KMS: the data-lake key and the runs table\'s key, when they exist', () => {
    const { template } = synthJob(stack => ({
      dataLakeKey: kms.Key.fromKeyArn(stack, 'LakeKey', 'arn:aws:kms:eu-west-1:123456789012:key/lake'),
      runsTable: new dynamodb.Table(stack, 'EncryptedRuns', {
        partitionKey: { name: 'pipeline_name', type: dynamodb.AttributeType.STRING },
        sortKey: { name: 'execution_date', type: dynamodb.AttributeType.STRING },
        encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      }),
    }));
    const kmsResources = jobStatements(template).filter(s => asList<string>(s.Action).some(a => a.startsWith('kms:'))).flatMap(resourcesOf);
    expect([...new Set(kmsResources)].sort()).toEqual([expect.stringMatching(/^<EncryptedRunsKey[0-9A-F]+\.Arn>$/), 'arn:aws:kms:eu-west-1:123456789012:key/lake']);
  });

  test('no Resource "*", no Lake Formation, and no wildcard beyond the acknowledged ones', () => {
    const statements = jobStatements(defaults.template);
    expect(statements.filter(s => asList(s.Resource).includes('*'))).toEqual([]);
    expect(statements.flatMap(s => asList<string>(s.Action)).filter(a => a.startsWith('lakeformation:'))).toEqual([]);
    const wildcards = new Set(statements.flatMap(resourcesOf).filter(r => r.includes('*')));
    const projectRef = `<${Object.keys(defaults.template.findResources('AWS::CodeBuild::Project'))[0]}>`;
    expect(wildcards).toEqual(new Set([
      lake('/raw/*'), lake('/curated/*'), lake('/athena-results/*'), glue(`table/${DATABASE}/*`),
      `arn:aws:logs:eu-west-1:123456789012:log-group:/aws/codebuild/${projectRef}:*`,
      `arn:aws:codebuild:eu-west-1:123456789012:report-group/${projectRef}-*`,
    ]));
  });

  test('a Resource "*" added to the role fails synthesis, naming its actions', () => {
    expect(() => synth(stack => {
      const job = dbtJob(stack);
      job.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['athena:ListWorkGroups', 's3:ListAllMyBuckets'], resources: ['*'] }));
    })).toThrow(/\[Test\/Dbt\/Role\] the dbt job role allows athena:ListWorkGroups, s3:ListAllMyBuckets on Resource "\*"; scope it to the resources it uses/);
  });

  test('a grant that uses "*" (lakeformation:GetDataAccess, as Athena tasks derive) fails synthesis too', () => {
    expect(() => synth(stack => {
      iam.Grant.addToPrincipal({ grantee: dbtJob(stack).role, actions: ['lakeformation:GetDataAccess'], resourceArns: ['*'] });
    })).toThrow(/allows lakeformation:GetDataAccess on Resource "\*"/);
  });
});

describe('cdk-nag', () => {
  test('AwsSolutions is clean with defaults', () => {
    expect(formatFindings(nagFindings(stack => dbtJob(stack)))).toBe('');
  });

  test('AwsSolutions is clean with every optional prop', () => {
    const findings = nagFindings(stack => {
      const key = new kms.Key(stack, 'LakeKey', { enableKeyRotation: true });
      dbtJob(stack, {
        dataLakeBucket: new s3.Bucket(stack, 'Lake', { encryptionKey: key, enforceSSL: true, serverAccessLogsPrefix: 'logs/' }),
        dataLakeKey: key,
        rawPrefix: 'landing/',
        curatedPrefix: 'marts/',
        queryResultsPrefix: 'results/',
        maintenanceWorkGroupName: 'maintenance',
        rawDatabaseName: 'raw_db',
        runsTable: new dynamodb.Table(stack, 'Runs2', {
          partitionKey: { name: 'pipeline_name', type: dynamodb.AttributeType.STRING },
          sortKey: { name: 'execution_date', type: dynamodb.AttributeType.STRING },
          encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
          pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        }),
        timeout: Duration.hours(2),
        computeType: codebuild.ComputeType.MEDIUM,
        logRetention: logs.RetentionDays.THREE_MONTHS,
        logEncryptionKey: new kms.Key(stack, 'LogKey', { enableKeyRotation: true }),
        naming: new Naming({ project: 'lakehouse', environment: 'sandbox' }),
      });
    });
    expect(formatFindings(findings)).toBe('');
  });
});

describe('validation', () => {
  const build = (props: Partial<DbtJobProps>) => () => synth(stack => new DbtJob(stack, 'Dbt', { ...requiredJobProps(stack), ...props }));

  test.each([
    ['projectDirectory', { projectDirectory: path.join(DBT_PROJECT, 'scripts') }],
    ['projectDirectory', { projectDirectory: path.join(os.tmpdir(), 'no-such-dbt-project') }],
    ['entrypoint', { entrypoint: 'scripts/missing.py' }],
    ['entrypoint', { entrypoint: '../dbt-project/scripts/lakehouse_dbt.py' }],
    ['entrypoint', { entrypoint: path.join(DBT_PROJECT, 'scripts', 'lakehouse_dbt.py') }],
    ['requirementsFile', { requirementsFile: 'requirements.txt' }],
    ['rawPrefix', { rawPrefix: 'raw' }],
    ['curatedPrefix', { curatedPrefix: '/curated/' }],
    ['queryResultsPrefix', { queryResultsPrefix: 'a*/' }],
    ['athenaWorkGroupName', { athenaWorkGroupName: 'a b' }],
    ['maintenanceWorkGroupName', { maintenanceWorkGroupName: '' }],
    ['databaseName', { databaseName: 'Lakehouse-DB' }],
    ['rawDatabaseName', { rawDatabaseName: 'raw db' }],
    ['timeout (minutes)', { timeout: Duration.minutes(4) }],
    ['timeout (minutes)', { timeout: Duration.minutes(2161) }],
    ['timeout (minutes)', { timeout: Duration.seconds(330) }],
  ])('rejects a bad %s', (prop, props) => {
    expectValidationError(build(props as Partial<DbtJobProps>), prop);
  });

  test('accepts the bounds of CodeBuild\'s timeout range', () => {
    expect(build({ timeout: Duration.minutes(5) })).not.toThrow();
    expect(build({ timeout: Duration.minutes(2160) })).not.toThrow();
  });
});
