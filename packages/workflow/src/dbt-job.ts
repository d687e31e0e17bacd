import * as fs from 'fs';
import * as path from 'path';
import {
  CostAllocationTags, DataLayer, DataLayers, DataRetention, LogEncryption, NagAcknowledgements, Naming, PropType, ResourceKind, RunRecord, Validate,
} from '@lakehouse-cdk/core';
import { ArnFormat, Duration, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';

/** Properties of a {@link DbtJob}. */
export interface DbtJobProps {
  /**
   * The folder of the dbt project. It is packaged as an asset, without
   * `target/`, `logs/`, `dbt_packages/`, `.local/` and Python caches.
   */
  readonly projectDirectory: string;
  /**
   * The entrypoint script, relative to `projectDirectory`. It runs
   * `dbt build` and writes the run's summary (see the README's contract).
   * @default 'scripts/lakehouse_dbt.py'
   */
  readonly entrypoint?: string;
  /**
   * The pip requirements of the job, relative to `projectDirectory`: the
   * pinned dbt-core and dbt-athena.
   * @default 'requirements-athena.txt'
   */
  readonly requirementsFile?: string;
  /** The data-lake bucket: the job reads the raw layer and writes the curated layer and query results. */
  readonly dataLakeBucket: s3.IBucket;
  /**
   * The KMS key of the data-lake bucket.
   * @default - the bucket's own key, if it has one
   */
  readonly dataLakeKey?: kms.IKey;
  /**
   * The raw layer prefix the job reads.
   * @default 'raw/'
   */
  readonly rawPrefix?: string;
  /**
   * The curated layer prefix, where the job writes the Iceberg marts.
   * @default 'curated/'
   */
  readonly curatedPrefix?: string;
  /**
   * The prefix of the Athena query results, in the data-lake bucket. It must
   * hold the result location of both workgroups.
   * @default 'athena-results/'
   */
  readonly queryResultsPrefix?: string;
  /** The Athena workgroup that runs the dbt build. */
  readonly athenaWorkGroupName: string;
  /**
   * The Athena workgroup that runs the Iceberg maintenance (OPTIMIZE and
   * VACUUM), so that it can have a bytes-scanned bound of its own.
   * @default - the `athenaWorkGroupName`
   */
  readonly maintenanceWorkGroupName?: string;
  /** The Glue database the models are built in. */
  readonly databaseName: string;
  /**
   * The Glue database of the raw tables.
   * @default - the `databaseName`
   */
  readonly rawDatabaseName?: string;
  /** The pipeline-runs table: the job writes its summary into the record of the run that started it. */
  readonly runsTable: dynamodb.ITable;
  /**
   * How long one build may run: whole minutes from 5 to 2,160 (CodeBuild's
   * range). The pipeline's timeout must exceed it.
   * @default Duration.hours(1)
   */
  readonly timeout?: Duration;
  /**
   * The build's compute. dbt waits on Athena most of the time, so the
   * smallest is enough.
   * @default codebuild.ComputeType.SMALL
   */
  readonly computeType?: codebuild.ComputeType;
  /**
   * How long the build logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * The KMS key of the build logs. Its policy must let CloudWatch Logs use it
   * for the log group; a key of this app gets that statement.
   * @default - a new key with rotation
   */
  readonly logEncryptionKey?: kms.IKey;
  /**
   * The naming convention: the project is `naming.name(CODEBUILD_PROJECT, 'dbt')`
   * and its log group `/aws/codebuild/<that name>`.
   * @default - CloudFormation names the project; the log group is `/aws/codebuild/<unique id of this construct>`
   */
  readonly naming?: Naming;
  /**
   * Keep or destroy the log group and a created key when the stack is
   * deleted. DESTROY takes effect only when the app also sets the context
   * `@lakehouse-cdk/core:removeDataOnDestroy`.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

const DEFAULT_ENTRYPOINT = 'scripts/lakehouse_dbt.py';
const DEFAULT_REQUIREMENTS = 'requirements-athena.txt';
const DEFAULT_RESULTS_PREFIX = 'athena-results/';
const DEFAULT_TIMEOUT = Duration.hours(1);
/** How long a build may wait for capacity before it fails (CodeBuild's default is 8 hours). */
const QUEUED_TIMEOUT = Duration.minutes(15);
const LOG_GROUP_PREFIX = '/aws/codebuild/';
/** What the asset leaves out of the dbt project: build output, local data and caches. */
const ASSET_EXCLUDES = ['target', 'logs', 'dbt_packages', '.local', '.user.yml', '**/__pycache__', '**/.pytest_cache'];

/**
 * The job that runs `dbt build` of a dbt project against Athena: a
 * CodeBuild project whose source is the project folder as an asset. Each
 * build installs the pinned adapter, runs the entrypoint with the Athena
 * target, and writes the run's summary into the run record. The pipeline's
 * `PipelineStep.dbt(job)` starts it and waits for it.
 *
 * The role may run queries in the two workgroups, read the raw layer, write
 * the curated layer and the query results, change the tables of its Glue
 * database, and update run records. It has no Lake Formation permission.
 */
export class DbtJob extends Construct {
  /** The CodeBuild project. */
  public readonly project: codebuild.IProject;
  /** The project's name. */
  public readonly projectName: string;
  /** The role the builds run with. */
  public readonly role: iam.IRole;
  /** The build logs. */
  public readonly logGroup: logs.ILogGroup;
  /** The longest one build may run, queueing excluded. */
  public readonly timeout: Duration;
  /** The longest a build may wait for capacity before it starts. */
  public readonly queuedTimeout: Duration = QUEUED_TIMEOUT;

  constructor(scope: Construct, id: string, props: DbtJobProps) {
    super(scope, id);
    Validate.propTypes(props, {
      projectDirectory: PropType.STRING,
      entrypoint: PropType.STRING,
      requirementsFile: PropType.STRING,
      dataLakeBucket: PropType.CONSTRUCT,
      dataLakeKey: PropType.CONSTRUCT,
      rawPrefix: PropType.STRING,
      curatedPrefix: PropType.STRING,
      queryResultsPrefix: PropType.STRING,
      athenaWorkGroupName: PropType.STRING,
      maintenanceWorkGroupName: PropType.STRING,
      databaseName: PropType.STRING,
      rawDatabaseName: PropType.STRING,
      runsTable: PropType.CONSTRUCT,
      timeout: PropType.DURATION,
      computeType: PropType.STRING,
      logRetention: PropType.NUMBER,
      logEncryptionKey: PropType.CONSTRUCT,
      naming: PropType.NAMING,
      removalPolicy: PropType.REMOVAL_POLICY,
    }, ['projectDirectory', 'dataLakeBucket', 'athenaWorkGroupName', 'databaseName', 'runsTable'], this);
    RunRecord.validateTable('runsTable', props.runsTable, this);
    const entrypoint = props.entrypoint ?? DEFAULT_ENTRYPOINT;
    const requirementsFile = props.requirementsFile ?? DEFAULT_REQUIREMENTS;
    const rawPrefix = props.rawPrefix ?? DataLayers.prefix(DataLayer.RAW);
    const curatedPrefix = props.curatedPrefix ?? DataLayers.prefix(DataLayer.CURATED);
    const resultsPrefix = props.queryResultsPrefix ?? DEFAULT_RESULTS_PREFIX;
    const maintenanceWorkGroup = props.maintenanceWorkGroupName ?? props.athenaWorkGroupName;
    const rawDatabase = props.rawDatabaseName ?? props.databaseName;
    this.timeout = props.timeout ?? DEFAULT_TIMEOUT;
    this.validate(props, entrypoint, requirementsFile, [['rawPrefix', rawPrefix], ['curatedPrefix', curatedPrefix], ['queryResultsPrefix', resultsPrefix]],
      maintenanceWorkGroup, rawDatabase);
    const dataLakeKey = props.dataLakeKey ?? props.dataLakeBucket.encryptionKey;
    const removalPolicy = DataRetention.removalPolicy(this, props.removalPolicy);

    const projectName = props.naming?.name(ResourceKind.CODEBUILD_PROJECT, 'dbt');
    const logGroupName = LOG_GROUP_PREFIX + (projectName ?? Names.uniqueResourceName(this, { maxLength: 200 }));
    const logKey = props.logEncryptionKey ?? new kms.Key(this, 'LogKey', {
      description: `Encrypts the build logs of ${logGroupName}`,
      enableKeyRotation: true,
      removalPolicy,
    });
    LogEncryption.allowLogGroup(logKey, logGroupName, 'AllowCloudWatchLogsForDbtJobLogs');
    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName,
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      encryptionKey: logKey,
      removalPolicy,
    });
    this.logGroup = logGroup;

    const source = new s3assets.Asset(this, 'ProjectSource', { path: props.projectDirectory, exclude: ASSET_EXCLUDES });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com'),
      description: 'Runs dbt build of the lakehouse dbt project against Athena',
    });
    this.role = role;

    const bucket = props.dataLakeBucket;
    const s3Dir = (prefix: string) => `s3://${bucket.bucketName}/${prefix}`;
    const project = new codebuild.Project(this, 'Project', {
      projectName,
      description: 'Runs dbt build of the lakehouse dbt project against Athena',
      role,
      source: codebuild.Source.s3({ bucket: source.bucket, path: source.s3ObjectKey }),
      environment: {
        buildImage: codebuild.LinuxBuildImage.STANDARD_7_0,
        computeType: props.computeType ?? codebuild.ComputeType.SMALL,
        environmentVariables: plain({
          LAKEHOUSE_DBT_TARGET: 'athena',
          LAKEHOUSE_ATHENA_WORKGROUP: props.athenaWorkGroupName,
          LAKEHOUSE_MAINTENANCE_WORKGROUP: maintenanceWorkGroup,
          LAKEHOUSE_GLUE_DATABASE: props.databaseName,
          LAKEHOUSE_RAW_GLUE_DATABASE: rawDatabase,
          LAKEHOUSE_ATHENA_S3_STAGING_DIR: s3Dir(resultsPrefix),
          LAKEHOUSE_ATHENA_S3_DATA_DIR: s3Dir(curatedPrefix),
          LAKEHOUSE_CURATED_S3_DIR: s3Dir(curatedPrefix),
          LAKEHOUSE_RUNS_TABLE: props.runsTable.tableName,
        }),
      },
      buildSpec: codebuild.BuildSpec.fromObject({
        version: '0.2',
        env: { shell: 'bash' },
        phases: {
          install: {
            'runtime-versions': { python: '3.11' },
            commands: [`python -m pip install --quiet --no-cache-dir --disable-pip-version-check -r ${requirementsFile}`],
          },
          build: { commands: [`python ${entrypoint}`] },
        },
      }),
      timeout: this.timeout,
      queuedTimeout: QUEUED_TIMEOUT,
      // CodeBuild encrypts its build output with this key; the role gets its use.
      encryptionKey: dataLakeKey ?? logKey,
      logging: { cloudWatch: { logGroup } },
    });
    this.project = project;
    this.projectName = project.projectName;

    this.grantDataAccess(role, props, bucket, dataLakeKey, rawPrefix, curatedPrefix, resultsPrefix, maintenanceWorkGroup, rawDatabase);
    this.acknowledge(role, bucket, rawPrefix, curatedPrefix, resultsPrefix, props.databaseName, rawDatabase);
    CostAllocationTags.tagLayer(this, 'workflow');
  }

  private validate(props: DbtJobProps, entrypoint: string, requirementsFile: string, prefixes: Array<[string, string]>,
    maintenanceWorkGroup: string, rawDatabase: string): void {
    if (typeof props.projectDirectory !== 'string' || !fs.existsSync(path.join(props.projectDirectory, 'dbt_project.yml'))) {
      Validate.fail('projectDirectory', JSON.stringify(props.projectDirectory), 'must be a folder holding a dbt_project.yml', this);
    }
    for (const [prop, file] of [['entrypoint', entrypoint], ['requirementsFile', requirementsFile]]) {
      if (path.isAbsolute(file) || file.split(/[\\/]/).includes('..') || !fs.existsSync(path.join(props.projectDirectory, file))) {
        Validate.fail(prop, JSON.stringify(file), `must be a file inside projectDirectory (${props.projectDirectory}), given relative to it`, this);
      }
    }
    for (const [prop, prefix] of prefixes) Validate.keyPrefix(prop, prefix, this);
    const workGroupRules = Naming.rulesFor(ResourceKind.ATHENA_WORKGROUP);
    for (const [prop, workGroup] of [['athenaWorkGroupName', props.athenaWorkGroupName], ['maintenanceWorkGroupName', maintenanceWorkGroup]]) {
      Validate.length(prop, workGroup, workGroupRules.minLength, workGroupRules.maxLength, this);
      Validate.matches(prop, workGroup, workGroupRules.pattern, `must be an Athena workgroup name (${workGroupRules.description})`, this);
    }
    const databaseRules = Naming.rulesFor(ResourceKind.GLUE_DATABASE);
    for (const [prop, database] of [['databaseName', props.databaseName], ['rawDatabaseName', rawDatabase]]) {
      Validate.length(prop, database, databaseRules.minLength, databaseRules.maxLength, this);
      Validate.matches(prop, database, databaseRules.pattern, `must be a Glue database name (${databaseRules.description})`, this);
    }
    const minutes = Validate.minutes('timeout', this.timeout, this);
    // The pipeline adds the job's timeout to its own default timeout and checks a given one against it.
    Validate.knownAtSynth('timeout', minutes, "the pipeline's timeout is computed from and checked against it", this);
    Validate.integerInRange('timeout (minutes)', minutes, 5, 2160, this);
    Validate.oneOf('computeType', props.computeType ?? codebuild.ComputeType.SMALL, Object.values(codebuild.ComputeType), this);
    Validate.logRetention('logRetention', props.logRetention ?? logs.RetentionDays.ONE_MONTH, this);
  }

  private grantDataAccess(role: iam.Role, props: DbtJobProps, bucket: s3.IBucket, dataLakeKey: kms.IKey | undefined,
    rawPrefix: string, curatedPrefix: string, resultsPrefix: string, maintenanceWorkGroup: string, rawDatabase: string): void {
    const stack = Stack.of(this);
    const workGroups = [...new Set([props.athenaWorkGroupName, maintenanceWorkGroup])]
      .map(workGroup => stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: workGroup }));
    role.addToPolicy(new iam.PolicyStatement({
      sid: 'RunQueries',
      actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StopQueryExecution', 'athena:GetWorkGroup'],
      resources: workGroups,
    }));
    const catalog = stack.formatArn({ service: 'glue', resource: 'catalog' });
    const database = (name: string) => stack.formatArn({ service: 'glue', resource: 'database', resourceName: name });
    const tables = (name: string) => stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${name}/*` });
    role.addToPolicy(new iam.PolicyStatement({
      sid: 'ReadRawTables',
      actions: ['glue:GetDatabase', 'glue:GetDatabases', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition'],
      resources: [catalog, database(rawDatabase), tables(rawDatabase)],
    }));
    // dbt creates, swaps (by rename) and drops its models' tables and views,
    // and Iceberg commits update the table's metadata location.
    role.addToPolicy(new iam.PolicyStatement({
      sid: 'BuildModels',
      actions: [
        'glue:GetDatabase', 'glue:GetDatabases', 'glue:GetTable', 'glue:GetTables', 'glue:CreateTable', 'glue:UpdateTable',
        'glue:DeleteTable', 'glue:BatchDeleteTable', 'glue:GetTableVersions', 'glue:DeleteTableVersion', 'glue:BatchDeleteTableVersion',
        'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition', 'glue:CreatePartition', 'glue:BatchCreatePartition',
        'glue:UpdatePartition', 'glue:DeletePartition', 'glue:BatchDeletePartition',
      ],
      resources: [catalog, database(props.databaseName), tables(props.databaseName)],
    }));
    role.addToPolicy(new iam.PolicyStatement({
      sid: 'ListLayers',
      actions: ['s3:ListBucket', 's3:GetBucketLocation'],
      resources: [bucket.bucketArn],
    }));
    role.addToPolicy(new iam.PolicyStatement({
      sid: 'ReadRawLayer',
      actions: ['s3:GetObject'],
      resources: [bucket.arnForObjects(`${rawPrefix}*`)],
    }));
    role.addToPolicy(new iam.PolicyStatement({
      sid: 'WriteCuratedLayerAndResults',
      actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      resources: [bucket.arnForObjects(`${curatedPrefix}*`), bucket.arnForObjects(`${resultsPrefix}*`)],
    }));
    dataLakeKey?.grant(role, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey');
    // The summary goes into the run record; the condition on execution_arn
    // (RunRecord.OWN_RUN_CONDITION) keeps the job from writing another run's record.
    role.addToPolicy(new iam.PolicyStatement({
      sid: 'WriteRunSummary',
      actions: ['dynamodb:UpdateItem'],
      resources: [props.runsTable.tableArn],
      conditions: { 'ForAllValues:StringEquals': { 'dynamodb:Attributes': [RunRecord.PIPELINE_NAME, RunRecord.EXECUTION_DATE, RunRecord.SUMMARY, RunRecord.EXECUTION_ARN] } },
    }));
    props.runsTable.encryptionKey?.grant(role, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey');
  }

  private acknowledge(role: iam.Role, bucket: s3.IBucket, rawPrefix: string, curatedPrefix: string, resultsPrefix: string,
    databaseName: string, rawDatabase: string): void {
    const stack = Stack.of(this);
    NagAcknowledgements.wildcardResources(role, [
      { resource: bucket.arnForObjects(`${rawPrefix}*`), reason: 'dbt reads every raw file of the partitions it selects; only the raw prefix is allowed' },
      { resource: bucket.arnForObjects(`${curatedPrefix}*`), reason: 'dbt writes the Iceberg marts (data and metadata files under new keys) below the curated prefix only' },
      { resource: bucket.arnForObjects(`${resultsPrefix}*`), reason: 'Athena writes each query result under a new key (the query id) below the results prefix only' },
      ...[...new Set([databaseName, rawDatabase])].map(database => ({
        resource: stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${database}/*` }),
        reason: 'dbt creates and swaps the tables of its one Glue database at run time, so they are not known at deployment',
      })),
      {
        // aws-cdk-lib grants every project its default log group, named after the project, whatever logging is configured.
        resource: stack.formatArn({
          service: 'logs', resource: 'log-group', resourceName: `${LOG_GROUP_PREFIX}${this.projectName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
        reason: 'aws-cdk-lib lets every CodeBuild project write new log streams into the default log group named after it; the builds log to the job\'s own log group',
      },
      {
        resource: stack.formatArn({ service: 'codebuild', resource: 'report-group', resourceName: `${this.projectName}-*` }),
        reason: 'aws-cdk-lib lets every CodeBuild project create test-report groups named after it; the job writes none',
      },
    ]);
    // The asset grant (aws-cdk-lib's bucket.grantRead of the one asset object) uses wildcard actions.
    NagAcknowledgements.wildcardActions(role, ['s3:GetObject*', 's3:GetBucket*', 's3:List*'].map(action => ({
      action, reason: 'aws-cdk-lib grants the build read access to its source: the one dbt project asset object in the CDK assets bucket',
    })));
    // The project's encryptionKey grant (aws-cdk-lib's key.grantEncryptDecrypt) uses wildcard actions on that one key.
    NagAcknowledgements.wildcardActions(role, ['kms:ReEncrypt*', 'kms:GenerateDataKey*'].map(action => ({
      action, reason: 'aws-cdk-lib grants the build encrypt and decrypt on the one key of its build output (the data-lake key, else the log key)',
    })));
    role.node.addValidation({
      validate: () => {
        const policy = NagAcknowledgements.defaultPolicyOf(role);
        const statements: any[] = policy ? Stack.of(policy).resolve(policy.document)?.Statement ?? [] : [];
        return statements
          .filter(statement => statement.Effect === 'Allow' && [statement.Resource ?? []].flat().includes('*'))
          .map(statement => `the dbt job role allows ${[statement.Action].flat().join(', ')} on Resource "*"; scope it to the resources it uses`);
      },
    });
    NagAcknowledgements.inlineDefaultPolicies(role);
    NagAcknowledgements.acknowledge(this.project, {
      id: 'HIPAA.Security-CodeBuildProjectSourceRepoUrl',
      reason: 'The build source is the dbt project packaged as an S3 asset of this app, not a GitHub or Bitbucket repository: there is no repository URL that could hold credentials and no OAuth connection to use.',
    });
  }
}

function plain(values: Record<string, string>): Record<string, codebuild.BuildEnvironmentVariable> {
  const variables: Record<string, codebuild.BuildEnvironmentVariable> = {};
  for (const [name, value] of Object.entries(values)) {
    variables[name] = { type: codebuild.BuildEnvironmentVariableType.PLAINTEXT, value };
  }
  return variables;
}
