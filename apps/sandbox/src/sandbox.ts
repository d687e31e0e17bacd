import * as path from 'path';
import { AnalyticsWorkgroup } from '@lakehouse-cdk/analytics';
import { LakehouseCatalog } from '@lakehouse-cdk/catalog';
import { CostAllocationTags, DataLayer, NagAcknowledgements, Naming, ResourceKind } from '@lakehouse-cdk/core';
import { PipelineRunsTable } from '@lakehouse-cdk/metadata';
import { AirflowVersion, MwaaEnvironment, ScheduledPipelineTrigger } from '@lakehouse-cdk/orchestration';
import { DagsBucket, DataLakeStorage } from '@lakehouse-cdk/storage';
import { DbtJob, LakehousePipeline, PipelineStep } from '@lakehouse-cdk/workflow';
import { App, AppProps, CfnOutput, RemovalPolicy, Stack, StackProps, Tags, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks } from 'cdk-nag';
import { Construct } from 'constructs';
import { SandboxConfig, maintenanceDays } from './config';

/** The stacks of the sandbox environment. */
export interface SandboxStacks {
  /** Storage, catalog, run metadata and analytics. */
  readonly data: Stack;
  /** The pipeline state machine. */
  readonly pipeline: Stack;
  /** What starts the pipeline: MWAA and its VPC (slow to create, so it never holds up the data stacks), or a schedule. */
  readonly orchestration: Stack;
}

/**
 * How the sandbox app is created. cfn-lint checks every synthesized template
 * in the test suite, failing on errors and warnings alike. The workspace's
 * aws-cdk-lib (the libraries' floor) has no built-in copy of those rules;
 * newer releases run one, a WebAssembly linter, over every template on each
 * synth, which would only double the synth time: there, set
 * `builtinCloudFormationValidation: false` here.
 */
export const SANDBOX_APP_PROPS: AppProps = {};

/** The repository root, where dags/ and dbt_project/ live (apps/sandbox/lib → ../../..). */
export const REPOSITORY_ROOT = path.resolve(__dirname, '..', '..', '..');

/** The data stack: everything that holds or describes data. */
class DataStack extends Stack {
  public readonly storage: DataLakeStorage;
  public readonly dags: DagsBucket;
  public readonly runs: PipelineRunsTable;
  public readonly catalog: LakehouseCatalog;
  public readonly analytics: AnalyticsWorkgroup;

  constructor(scope: Construct, id: string, naming: Naming, config: SandboxConfig, props: StackProps) {
    super(scope, id, props);
    this.storage = new DataLakeStorage(this, 'Storage', { naming });
    this.dags = new DagsBucket(this, 'Dags', { naming, accessLogsBucket: this.storage.accessLogsBucket });
    this.runs = new PipelineRunsTable(this, 'PipelineRuns', { naming });
    NagAcknowledgements.complianceRule(this.runs, 'DynamoDBInBackupPlan',
      'The runs table has point-in-time recovery (any second of the last 35 days can be restored) and is retained when the stack is deleted; '
      + 'it holds run records that the next runs rewrite, so an AWS Backup plan with its vault and role would only add a second, coarser copy.');
    this.catalog = new LakehouseCatalog(this, 'Catalog', {
      naming,
      bucket: this.storage.bucket,
      encryptionKey: this.storage.encryptionKey,
      // The pipeline starts the raw and curated crawlers; only processed runs on a schedule.
      crawlerOptions: [{ layer: DataLayer.PROCESSED, schedule: config.processedCrawlerSchedule }],
      // The raw tables the dbt staging models read, defined so that their SerDe skips malformed lines
      // (ignore.malformed.json): the raw crawler then only adds their ingest_date partitions.
      // Every column is a string: the OpenX JSON SerDe puts any JSON value, a nested object or array
      // included, into a string column as its JSON text. Trino (the engine Athena v3 is built on) documents
      // it for its OpenX reader: "VARCHAR ... Object: value is rendered back to JSON" (trinodb/trino,
      // lib/trino-hive-formats/src/main/java/io/trino/hive/formats/line/openxjson/README.md); the original
      // SerDe returns the parsed value's toString() (rcongiu/Hive-JSON-Serde, JsonStringJavaObjectInspector).
      rawTables: [
        { name: 'raw_events', folder: 'events/', columns: ['event_id', 'user_id', 'event_type', 'event_ts', 'properties'].map(name => ({ name, type: 'string' })) },
        { name: 'raw_users', folder: 'users/', columns: ['user_id', 'email', 'country', 'signup_ts', 'updated_at'].map(name => ({ name, type: 'string' })) },
      ],
    });
    this.analytics = new AnalyticsWorkgroup(this, 'Analytics', {
      naming,
      resultsBucket: this.storage.bucket,
      resultsPrefix: this.storage.queryResultsPrefix,
      encryptionKey: this.storage.encryptionKey,
      databaseName: this.catalog.databaseName,
    });

    output(this, 'DataLakeBucketName', this.storage.bucket.bucketName, 'The data-lake bucket (raw/, processed/, curated/, athena-results/)');
    output(this, 'AccessLogsBucketName', this.storage.accessLogsBucket.bucketName, 'Server access logs of the data-lake and DAGs buckets');
    output(this, 'DagsBucketName', this.dags.bucket.bucketName, 'The MWAA DAGs bucket');
    output(this, 'DataLakeKeyArn', this.storage.encryptionKey.keyArn, 'The KMS key of the data lake');
    output(this, 'GlueDatabaseName', this.catalog.databaseName, 'The Glue database of the lakehouse');
    for (const layer of this.catalog.crawledLayers) {
      output(this, `${capitalize(layer)}CrawlerName`, this.catalog.crawlerName(layer), `The ${layer} layer crawler`);
    }
    output(this, 'PipelineRunsTableName', this.runs.tableName, 'The DynamoDB table of pipeline runs');
    output(this, 'AthenaWorkGroupName', this.analytics.workGroupName, 'The Athena workgroup (engine v3)');
  }
}

/**
 * The pipeline stack: the state machine that runs one day of the lakehouse,
 * the dbt job it waits for, and the Athena workgroups of the job, each with a
 * bytes-scanned bound of its own (the analysts' 10 GiB cutoff would cancel a
 * full refresh or an OPTIMIZE of a large table).
 */
class PipelineStack extends Stack {
  public readonly pipeline: LakehousePipeline;
  public readonly dbt: DbtJob;
  public readonly alarmTopic: sns.Topic;

  constructor(scope: Construct, id: string, naming: Naming, config: SandboxConfig, data: DataStack, props: StackProps) {
    super(scope, id, props);
    const jobWorkgroup = (workgroupId: string, component: string, cutoff: number, description: string) => new AnalyticsWorkgroup(this, workgroupId, {
      workGroupName: naming.name(ResourceKind.ATHENA_WORKGROUP, component),
      description,
      resultsBucket: data.storage.bucket,
      resultsPrefix: `${data.storage.queryResultsPrefix}${component}/`,
      encryptionKey: data.storage.encryptionKey,
      databaseName: data.catalog.databaseName,
      bytesScannedCutoffPerQuery: cutoff,
      namedQueries: false,
    });
    const dbtWorkgroup = jobWorkgroup('DbtWorkgroup', 'dbt', config.dbtBytesScannedCutoff, 'Lakehouse dbt builds');
    const maintenanceWorkgroup = jobWorkgroup('MaintenanceWorkgroup', 'maintenance', config.maintenanceBytesScannedCutoff,
      'Lakehouse Iceberg maintenance: OPTIMIZE and VACUUM of the marts');

    // One key for the pipeline's and the dbt job's logs: a customer key costs $1 a month.
    const logKey = new kms.Key(this, 'LogKey', {
      description: 'Encrypts the logs of the lakehouse pipeline and its dbt job',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.dbt = new DbtJob(this, 'Dbt', {
      naming,
      projectDirectory: path.join(REPOSITORY_ROOT, 'dbt_project'),
      dataLakeBucket: data.storage.bucket,
      dataLakeKey: data.storage.encryptionKey,
      queryResultsPrefix: data.storage.queryResultsPrefix,
      athenaWorkGroupName: dbtWorkgroup.workGroupName,
      maintenanceWorkGroupName: maintenanceWorkgroup.workGroupName,
      databaseName: data.catalog.databaseName,
      runsTable: data.runs.table,
      logEncryptionKey: logKey,
    });
    this.alarmTopic = this.createAlarmTopic(naming);
    this.pipeline = new LakehousePipeline(this, 'Pipeline', {
      naming,
      // The run records' pipeline_name, and what the DAG passes in.
      pipelineName: config.project,
      runsTable: data.runs.table,
      rawCrawlerName: data.catalog.crawlerName(DataLayer.RAW),
      curatedCrawlerName: data.catalog.crawlerName(DataLayer.CURATED),
      transformation: PipelineStep.dbt(this.dbt, { icebergMaintenanceDays: maintenanceDays(config.icebergMaintenanceDays) }),
      encryptionKey: logKey,
      alarmTopic: this.alarmTopic,
    });
    output(this, 'StateMachineArn', this.pipeline.stateMachineArn, 'The pipeline state machine');
    output(this, 'AlarmTopicArn', this.alarmTopic.topicArn, 'The SNS topic of the pipeline alarms (failed, timed-out and aborted executions): subscribe to it');
    output(this, 'PipelineLogGroupName', this.pipeline.logGroup.logGroupName, 'Execution logs of the pipeline (level ALL)');
    output(this, 'DbtProjectName', this.dbt.projectName, 'The CodeBuild project that runs dbt build');
    output(this, 'DbtLogGroupName', this.dbt.logGroup.logGroupName, 'Build logs of the dbt job');
    output(this, 'DbtWorkGroupName', dbtWorkgroup.workGroupName, 'The Athena workgroup of the dbt builds');
    output(this, 'MaintenanceWorkGroupName', maintenanceWorkgroup.workGroupName, 'The Athena workgroup of the Iceberg maintenance');
  }

  /**
   * The topic the pipeline alarms notify, encrypted with a customer key:
   * CloudWatch publishes to an encrypted topic only if the key policy lets
   * it use the key (the AWS managed SNS key does not).
   */
  private createAlarmTopic(naming: Naming): sns.Topic {
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: 'Encrypts the SNS topic of the lakehouse pipeline alarms',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsToPublish',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      // In a key policy, "*" is the key itself.
      resources: ['*'],
    }));
    return new sns.Topic(this, 'AlarmTopic', {
      topicName: naming.name(ResourceKind.SNS_TOPIC, 'pipeline-alarms'),
      displayName: 'Lakehouse pipeline alarms',
      masterKey: key,
      enforceSSL: true,
    });
  }
}

/** The orchestration stack: MWAA, its VPC and the DAG upload; or, with `lakehouse:orchestration=scheduler`, a schedule. */
class OrchestrationStack extends Stack {
  public readonly airflow?: MwaaEnvironment;
  public readonly trigger?: ScheduledPipelineTrigger;

  constructor(scope: Construct, id: string, naming: Naming, config: SandboxConfig, data: DataStack, pipeline: PipelineStack, props: StackProps) {
    super(scope, id, props);
    if (config.orchestration === 'scheduler') {
      this.trigger = new ScheduledPipelineTrigger(this, 'Trigger', {
        stateMachine: pipeline.pipeline.stateMachine,
        pipelineName: pipeline.pipeline.pipelineName,
        scheduleName: `${config.project}-${config.environment}-pipeline-daily`,
      });
      output(this, 'PipelineScheduleName', this.trigger.scheduleName, 'The EventBridge Scheduler schedule that starts the pipeline daily');
      output(this, 'PipelineScheduleDeadLetterQueueUrl', this.trigger.deadLetterQueue.queueUrl, 'Starts that failed after every retry');
      return;
    }
    const dagsFolder = path.join(REPOSITORY_ROOT, 'dags');
    const airflowVersion = AirflowVersion.V3_0_6;
    this.airflow = new MwaaEnvironment(this, 'Airflow', {
      naming,
      environmentClass: config.mwaaEnvironmentClass,
      airflowVersion,
      stateMachine: pipeline.pipeline.stateMachine,
      pipelineName: pipeline.pipeline.pipelineName,
      dagsBucket: data.dags.bucket,
      dagsPath: dagsFolder,
      // The pins of that version's constraints file, kept beside the DAG.
      requirementsPath: path.join(dagsFolder, `requirements-${airflowVersion.version}.txt`),
    });
    output(this, 'MwaaEnvironmentName', this.airflow.environmentName, 'The MWAA environment');
    output(this, 'MwaaWebserverUrl', this.airflow.webserverUrl, 'The Airflow UI (private: reach it from inside the VPC)');
  }
}

function output(scope: Construct, id: string, value: string, description: string): void {
  new CfnOutput(scope, id, { value, description });
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/**
 * Composes the lakehouse layers into the sandbox's three stacks, tags every
 * resource and runs the cdk-nag AwsSolutions, NIST 800-53 R5 and HIPAA
 * Security checks over the whole app.
 */
export function buildSandbox(app: App, config: SandboxConfig): SandboxStacks {
  const naming = new Naming({ project: config.project, environment: config.environment });
  const env = { account: config.account, region: config.region };
  const stackName = (component: string) => `${config.project}-${config.environment}-${component}`;

  const data = new DataStack(app, stackName('data'), naming, config, {
    env, description: 'Lakehouse data layers: storage, catalog, run metadata and analytics',
  });
  const pipeline = new PipelineStack(app, stackName('pipeline'), naming, config, data, {
    env, description: 'Lakehouse pipeline: the Step Functions state machine',
  });
  const orchestration = new OrchestrationStack(app, stackName('orchestration'), naming, config, data, pipeline, {
    env, description: config.orchestration === 'scheduler' ? 'Lakehouse orchestration: the daily schedule of the pipeline' : 'Lakehouse orchestration: MWAA and its VPC',
  });
  pipeline.addDependency(data);
  orchestration.addDependency(pipeline);

  CostAllocationTags.apply(app, { project: config.project, environment: config.environment });
  // Stack-level singletons (the DAG upload's Lambda function) sit outside the layer
  // constructs, which tag themselves; the stack's own layer covers them.
  CostAllocationTags.tagLayer(pipeline, 'workflow');
  CostAllocationTags.tagLayer(orchestration, 'orchestration');
  for (const [key, value] of Object.entries(config.tags)) {
    Tags.of(app).add(key, value);
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new NIST80053R5Checks(app), new HIPAASecurityChecks(app));
  return { data, pipeline, orchestration };
}
