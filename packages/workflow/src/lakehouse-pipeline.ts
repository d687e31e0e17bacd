import { CostAllocationTags, DataRetention, NagAcknowledgements, Naming, ResourceKind, Validate, WildcardResource } from '@lakehouse-cdk/core';
import { ArnFormat, Duration, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { crawlerRun } from './private/crawler-poll';
import { inputValidation } from './private/input-validation';
import { DYNAMODB_TRANSIENT_ERRORS, addTransientRetry } from './private/retry';
import { ITransformationStep, TransformationStep } from './transformation-step';

/** Properties of the lakehouse pipeline. */
export interface LakehousePipelineProps {
  /**
   * The pipeline-runs table: partition key `pipeline_name`, sort key
   * `execution_date` (both String). The pipeline writes one item per run.
   */
  readonly runsTable: dynamodb.ITable;

  /** The name of the Glue crawler of the raw layer. */
  readonly rawCrawlerName: string;

  /** The name of the Glue crawler of the curated layer. */
  readonly curatedCrawlerName: string;

  /** The Athena workgroup that runs the transformation query. */
  readonly athenaWorkGroupName: string;

  /**
   * The bucket that receives the Athena query results. The pipeline may
   * write only under `resultsPrefix` in it.
   * @default - no S3 access: the workgroup's result location must be
   * writable by the state machine's role through other grants
   */
  readonly resultsBucket?: s3.IBucket;

  /**
   * The key prefix of the Athena query results in `resultsBucket`: a
   * relative S3 key prefix (`Validate.keyPrefix`): segments of letters,
   * digits and `!_.'()=-` each followed by `/`, no wildcard, no `.` or `..`
   * segment, 2 to 512 characters.
   * @default 'athena-results/'
   */
  readonly resultsPrefix?: string;

  /**
   * The KMS key that encrypts the query results.
   * @default - no KMS access for the results
   */
  readonly resultsKey?: kms.IKey;

  /**
   * The Glue database that the transformation query reads; the role can read
   * its tables and partitions.
   * @default - no Glue catalog access (the default query reads no table)
   */
  readonly catalogDatabaseName?: string;

  /**
   * The `RunDbtTransformations` step.
   * @default TransformationStep.athenaQuery() - `SELECT 1` in the workgroup
   */
  readonly transformationStep?: ITransformationStep;

  /**
   * The `pipeline_name` of a run whose input does not give one: the partition
   * key of its run record. 1 to 128 letters, digits, `_`, `.` and `-`
   * (`Validate.pipelineName`).
   * @default 'lakehouse-pipeline'
   */
  readonly pipelineName?: string;

  /**
   * Time between two polls of a crawler: whole seconds, from 1 second to
   * 1 hour. Each poll is four state transitions.
   * @default Duration.seconds(30)
   */
  readonly crawlerPollInterval?: Duration;

  /**
   * How long a crawler may run before the run fails with
   * `Lakehouse.CrawlerTimeout`. It becomes a number of polls,
   * `ceil(crawlerTimeout / crawlerPollInterval)`, at most 1,000 so that an
   * execution stays well under the 25,000-event history limit.
   * @default Duration.minutes(30)
   */
  readonly crawlerTimeout?: Duration;

  /**
   * The timeout of a whole execution. It must exceed twice `crawlerTimeout`,
   * so that a slow crawler fails the run (and records it) before the
   * execution times out (which records nothing).
   * @default Duration.hours(2)
   */
  readonly timeout?: Duration;

  /**
   * How long the execution logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * The KMS key of the log group. Its key policy must let
   * `logs.<region>.amazonaws.com` use it for this log group.
   * @default - a new key with rotation, whose policy allows CloudWatch Logs
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * The SNS topic the alarms notify.
   * @default - the alarms have no action
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * The naming convention: the state machine is `naming.name(STATE_MACHINE,
   * 'pipeline')`, its log group `/aws/vendedlogs/states/<that name>`, and the
   * alarms `<that name>-executions-failed|timed-out|aborted`.
   * @default - CloudFormation names the state machine and the alarms; the log
   * group is `/aws/vendedlogs/states/<unique id of this construct>`
   */
  readonly naming?: Naming;

  /**
   * Keep or destroy the log group and its key when the stack is deleted.
   * DESTROY takes effect only when the app also sets the context
   * `@lakehouse-cdk/core:removeDataOnDestroy`.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

const DEFAULT_PIPELINE_NAME = 'lakehouse-pipeline';
const DEFAULT_RESULTS_PREFIX = 'athena-results/';
const DEFAULT_POLL_INTERVAL = Duration.seconds(30);
const DEFAULT_CRAWLER_TIMEOUT = Duration.minutes(30);
const DEFAULT_TIMEOUT = Duration.hours(2);
const MAX_POLLS = 1000;
const MAX_POLL_INTERVAL_SECONDS = 3600;
const MAX_EXECUTION_SECONDS = 365 * 24 * 3600;
/** The vended-logs prefix keeps log delivery out of the 5,120-character CloudWatch Logs resource policy. */
const LOG_GROUP_PREFIX = '/aws/vendedlogs/states/';
const FAILURE_PATH = '$.failure';
const TRANSFORMATION_STATE = 'RunDbtTransformations';

/** The actions of the log-delivery and X-Ray statements that Step Functions needs on `*`. */
const LOGS_AND_XRAY_ACTIONS = new Set([
  'logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries', 'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups',
  'xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets',
]);

/**
 * The lakehouse pipeline: a Step Functions state machine that records the
 * run, crawls the raw layer, runs the transformations, crawls the curated
 * layer and records the outcome, with its role, encrypted log group and
 * alarms.
 *
 * Input: `{"pipeline_name"?: string, "execution_date": "YYYY-MM-DD"}`.
 */
export class LakehousePipeline extends Construct {
  /** The state machine. */
  public readonly stateMachine: sfn.IStateMachine;
  /** The state machine's ARN. */
  public readonly stateMachineArn: string;
  /** The state machine's name. */
  public readonly stateMachineName: string;
  /** The log group of the executions (level ALL, with execution data). */
  public readonly logGroup: logs.ILogGroup;
  /** The key that encrypts the log group. */
  public readonly logEncryptionKey: kms.IKey;
  /** Fires when an execution fails. */
  public readonly executionsFailedAlarm: cloudwatch.IAlarm;
  /** Fires when an execution times out (its run record stays RUNNING). */
  public readonly executionsTimedOutAlarm: cloudwatch.IAlarm;
  /** Fires when an execution is aborted (its run record stays RUNNING). */
  public readonly executionsAbortedAlarm: cloudwatch.IAlarm;
  /** The `pipeline_name` of runs whose input gives none. */
  public readonly pipelineName: string;

  constructor(scope: Construct, id: string, props: LakehousePipelineProps) {
    super(scope, id);
    const pipelineName = props.pipelineName ?? DEFAULT_PIPELINE_NAME;
    const resultsPrefix = props.resultsPrefix ?? DEFAULT_RESULTS_PREFIX;
    const pollInterval = props.crawlerPollInterval ?? DEFAULT_POLL_INTERVAL;
    const crawlerTimeout = props.crawlerTimeout ?? DEFAULT_CRAWLER_TIMEOUT;
    const timeout = props.timeout ?? DEFAULT_TIMEOUT;
    const maxPolls = this.validate(props, pipelineName, resultsPrefix, pollInterval, crawlerTimeout, timeout);
    this.pipelineName = pipelineName;

    const stateMachineName = props.naming?.name(ResourceKind.STATE_MACHINE, 'pipeline');
    const logGroupName = LOG_GROUP_PREFIX + (stateMachineName ?? Names.uniqueResourceName(this, { maxLength: 200 }));
    const removalPolicy = DataRetention.removalPolicy(this, props.removalPolicy);

    this.logEncryptionKey = props.encryptionKey ?? new kms.Key(this, 'LogKey', {
      description: `Encrypts the execution logs of ${logGroupName}`,
      enableKeyRotation: true,
      removalPolicy,
    });
    this.allowLogsToUseKey(this.logEncryptionKey, logGroupName);
    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName,
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      encryptionKey: this.logEncryptionKey,
      removalPolicy,
    });
    this.logGroup = logGroup;

    const { definition, transformationWildcards } = this.buildDefinition(props, pipelineName, resultsPrefix, pollInterval, maxPolls);
    const stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      queryLanguage: sfn.QueryLanguage.JSON_PATH,
      comment: 'Lakehouse pipeline: record the run, crawl raw, transform, crawl curated, record the outcome',
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout,
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    this.stateMachine = stateMachine;
    this.stateMachineArn = stateMachine.stateMachineArn;
    this.stateMachineName = stateMachine.stateMachineName;
    this.acknowledgeRoleWildcards(stateMachine, transformationWildcards);

    const alarmName = (suffix: string) => stateMachineName === undefined ? undefined : `${stateMachineName}-${suffix}`;
    const alarm = (alarmId: string, suffix: string, metric: cloudwatch.Metric, description: string) => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        alarmName: alarmName(suffix),
        alarmDescription: description,
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      if (props.alarmTopic) created.addAlarmAction(new cloudwatchActions.SnsAction(props.alarmTopic));
      return created;
    };
    const period = { period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM };
    this.executionsFailedAlarm = alarm('ExecutionsFailedAlarm', 'executions-failed', stateMachine.metricFailed(period),
      'A lakehouse pipeline execution failed; its run record says why');
    this.executionsTimedOutAlarm = alarm('ExecutionsTimedOutAlarm', 'executions-timed-out', stateMachine.metricTimedOut(period),
      'A lakehouse pipeline execution timed out; its run record is still RUNNING and must be set to FAILED before a re-run');
    this.executionsAbortedAlarm = alarm('ExecutionsAbortedAlarm', 'executions-aborted', stateMachine.metricAborted(period),
      'A lakehouse pipeline execution was aborted; its run record is still RUNNING and must be set to FAILED before a re-run');

    CostAllocationTags.tagLayer(this, 'workflow');
  }

  /**
   * Lets `grantee` start executions of the pipeline
   * (`states:StartExecution` on the state machine) and follow them
   * (`states:DescribeExecution` on its executions).
   */
  public grantStartAndWatch(grantee: iam.IGrantable): iam.Grant {
    const executions = Stack.of(this).formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${this.stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    return iam.Grant.addToPrincipal({ grantee, actions: ['states:StartExecution'], resourceArns: [this.stateMachineArn] })
      .combine(iam.Grant.addToPrincipal({ grantee, actions: ['states:DescribeExecution'], resourceArns: [executions] }));
  }

  private validate(props: LakehousePipelineProps, pipelineName: string, resultsPrefix: string,
    pollInterval: Duration, crawlerTimeout: Duration, timeout: Duration): number {
    Validate.pipelineName('pipelineName', pipelineName, this);
    const crawlerRules = Naming.rulesFor(ResourceKind.GLUE_CRAWLER);
    for (const [prop, crawlerName] of [['rawCrawlerName', props.rawCrawlerName], ['curatedCrawlerName', props.curatedCrawlerName]]) {
      Validate.length(prop, crawlerName, crawlerRules.minLength, crawlerRules.maxLength, this);
      Validate.matches(prop, crawlerName, crawlerRules.pattern, `must be a Glue crawler name (${crawlerRules.description})`, this);
    }
    const workGroupRules = Naming.rulesFor(ResourceKind.ATHENA_WORKGROUP);
    Validate.length('athenaWorkGroupName', props.athenaWorkGroupName, workGroupRules.minLength, workGroupRules.maxLength, this);
    Validate.matches('athenaWorkGroupName', props.athenaWorkGroupName, workGroupRules.pattern,
      `must be an Athena workgroup name (${workGroupRules.description})`, this);
    if (props.catalogDatabaseName !== undefined) {
      const databaseRules = Naming.rulesFor(ResourceKind.GLUE_DATABASE);
      Validate.length('catalogDatabaseName', props.catalogDatabaseName, databaseRules.minLength, databaseRules.maxLength, this);
      Validate.matches('catalogDatabaseName', props.catalogDatabaseName, databaseRules.pattern,
        `must be a Glue database name (${databaseRules.description})`, this);
    }
    Validate.keyPrefix('resultsPrefix', resultsPrefix, this);

    const pollSeconds = pollInterval.toSeconds({ integral: false });
    Validate.integerInRange('crawlerPollInterval (seconds)', pollSeconds, 1, MAX_POLL_INTERVAL_SECONDS, this);
    const crawlerSeconds = crawlerTimeout.toSeconds({ integral: false });
    Validate.atLeast('crawlerTimeout', crawlerSeconds, pollSeconds, 'seconds', 'one crawlerPollInterval', this);
    const maxPolls = Math.ceil(crawlerSeconds / pollSeconds);
    if (maxPolls > MAX_POLLS) {
      Validate.fail('crawlerTimeout', `${crawlerSeconds} seconds`,
        `must be at most ${MAX_POLLS} crawlerPollIntervals (${MAX_POLLS * pollSeconds} seconds), to stay under the 25,000-event execution history limit`, this);
    }
    const timeoutSeconds = timeout.toSeconds({ integral: false });
    Validate.after('timeout', timeoutSeconds, 'twice crawlerTimeout', 2 * crawlerSeconds, 'seconds', this);
    if (timeoutSeconds > MAX_EXECUTION_SECONDS) {
      Validate.fail('timeout', `${timeoutSeconds} seconds`, `must be at most ${MAX_EXECUTION_SECONDS} seconds (a Standard execution lasts at most one year)`, this);
    }
    if (!Number.isInteger(timeoutSeconds)) {
      Validate.fail('timeout', `${timeoutSeconds} seconds`, 'must be a whole number of seconds (TimeoutSeconds is an integer)', this);
    }
    return maxPolls;
  }

  private buildDefinition(props: LakehousePipelineProps, pipelineName: string, resultsPrefix: string,
    pollInterval: Duration, maxPolls: number): { definition: sfn.IChainable; transformationWildcards: WildcardResource[] } {
    const table = props.runsTable;
    const S = (path: string) => tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt(path));
    const literal = (value: string) => tasks.DynamoAttributeValue.fromString(value);
    const runKey = { pipeline_name: S('$.pipeline_name'), execution_date: S('$.execution_date') };
    const thisExecution = S('$$.Execution.Id');

    const alreadyRunning = new sfn.Fail(this, 'PipelineAlreadyRunning', {
      error: 'Lakehouse.PipelineAlreadyRunning',
      cause: 'A run of this pipeline for this execution_date is already RUNNING; this one was refused and wrote nothing',
    });
    const pipelineFailed = new sfn.Fail(this, 'PipelineFailed', {
      errorPath: `${FAILURE_PATH}.Error`,
      causePath: `${FAILURE_PATH}.Cause`,
    });
    const failureNotRecorded = new sfn.Fail(this, 'PipelineFailureNotRecorded', {
      comment: 'The run failed and its record could not be set to FAILED (see RecordPipelineFailure in the history)',
      errorPath: `${FAILURE_PATH}.Error`,
      causePath: `${FAILURE_PATH}.Cause`,
    });

    // A run writes only its own record: the execution_arn condition keeps a
    // late or refused run from overwriting the record of another run.
    const recordFailure = new tasks.DynamoUpdateItem(this, 'RecordPipelineFailure', {
      table,
      key: runKey,
      updateExpression: 'SET #status = :failed, #end_time = :end_time, #error = :error, #cause = :cause',
      conditionExpression: '#execution_arn = :execution_arn',
      expressionAttributeNames: {
        '#status': 'status', '#end_time': 'end_time', '#error': 'error', '#cause': 'cause', '#execution_arn': 'execution_arn',
      },
      expressionAttributeValues: {
        ':failed': literal('FAILED'),
        ':end_time': S('$$.State.EnteredTime'),
        ':error': S(`${FAILURE_PATH}.Error`),
        ':cause': S(`${FAILURE_PATH}.Cause`),
        ':execution_arn': thisExecution,
      },
      resultPath: sfn.JsonPath.DISCARD,
    });
    addTransientRetry(recordFailure, DYNAMODB_TRANSIENT_ERRORS);
    recordFailure.addCatch(failureNotRecorded, { errors: [sfn.Errors.ALL], resultPath: '$.record_failure_error' });
    recordFailure.next(pipelineFailed);
    const catchToFailure = (task: sfn.TaskStateBase) =>
      task.addCatch(recordFailure, { errors: [sfn.Errors.ALL], resultPath: FAILURE_PATH });

    const recordStart = new tasks.DynamoPutItem(this, 'RecordPipelineStart', {
      table,
      item: {
        pipeline_name: S('$.pipeline_name'),
        execution_date: S('$.execution_date'),
        status: literal('RUNNING'),
        // The state's entry time rather than $$.Execution.StartTime: the same
        // moment to within the validation states, and the local interpreter
        // the pipeline is tested with gives StartTime as a non-JSON datetime.
        start_time: S('$$.State.EnteredTime'),
        execution_arn: thisExecution,
      },
      // Refused while another execution's run of this pipeline and date is
      // RUNNING. FAILED and SUCCEEDED runs may be re-run. The execution_arn
      // clause makes a retried PutItem of this same execution succeed.
      conditionExpression: 'attribute_not_exists(pipeline_name) OR #status <> :running OR #execution_arn = :execution_arn',
      expressionAttributeNames: { '#status': 'status', '#execution_arn': 'execution_arn' },
      expressionAttributeValues: { ':running': literal('RUNNING'), ':execution_arn': thisExecution },
      resultPath: sfn.JsonPath.DISCARD,
    });
    addTransientRetry(recordStart, DYNAMODB_TRANSIENT_ERRORS);
    // The refusal must not reach RecordPipelineFailure, which would mark the
    // running run FAILED. Any other failure does: a PutItem that failed
    // wrote nothing, and then the execution_arn condition of
    // RecordPipelineFailure refuses the update, so the execution fails
    // without a record; but a write that landed before a failed retry is
    // this execution's and is set to FAILED instead of being left RUNNING.
    recordStart.addCatch(alreadyRunning, { errors: ['DynamoDB.ConditionalCheckFailedException'], resultPath: FAILURE_PATH });
    catchToFailure(recordStart);

    const rawCrawl = crawlerRun(this, {
      layerWord: 'Raw', crawlerName: props.rawCrawlerName, pollInterval, maxPolls,
      onFailure: recordFailure, failurePath: FAILURE_PATH,
    });
    const curatedCrawl = crawlerRun(this, {
      layerWord: 'Curated', crawlerName: props.curatedCrawlerName, pollInterval, maxPolls,
      onFailure: recordFailure, failurePath: FAILURE_PATH,
    });

    const transformation = (props.transformationStep ?? TransformationStep.athenaQuery()).bind(this, {
      stateId: TRANSFORMATION_STATE,
      resultPath: '$.transformation',
      athenaWorkGroupName: props.athenaWorkGroupName,
      resultsBucket: props.resultsBucket,
      resultsPrefix,
      resultsKey: props.resultsKey,
      catalogDatabaseName: props.catalogDatabaseName,
    });
    if (transformation.task.id !== TRANSFORMATION_STATE) {
      Validate.fail('transformationStep', JSON.stringify(transformation.task.id), `must build its task with the id ${TRANSFORMATION_STATE}`, this);
    }
    if (transformation.transientErrors.length === 0) {
      Validate.fail('transformationStep', '[] transient errors', 'must name at least one transient error to retry', this);
    }
    addTransientRetry(transformation.task, transformation.transientErrors);
    catchToFailure(transformation.task);

    const recordSuccess = new tasks.DynamoUpdateItem(this, 'RecordPipelineSuccess', {
      table,
      key: runKey,
      updateExpression: 'SET #status = :succeeded, #end_time = :end_time',
      conditionExpression: '#execution_arn = :execution_arn',
      expressionAttributeNames: { '#status': 'status', '#end_time': 'end_time', '#execution_arn': 'execution_arn' },
      expressionAttributeValues: {
        ':succeeded': literal('SUCCEEDED'),
        ':end_time': S('$$.State.EnteredTime'),
        ':execution_arn': thisExecution,
      },
      resultPath: sfn.JsonPath.DISCARD,
    });
    addTransientRetry(recordSuccess, DYNAMODB_TRANSIENT_ERRORS);
    catchToFailure(recordSuccess);

    recordStart.next(rawCrawl.start);
    rawCrawl.next(transformation.task);
    transformation.task.next(curatedCrawl.start);
    curatedCrawl.next(recordSuccess);
    recordSuccess.next(new sfn.Succeed(this, 'PipelineSucceeded'));

    return {
      definition: inputValidation(this, pipelineName, recordStart),
      transformationWildcards: transformation.wildcardResources ?? [],
    };
  }

  private allowLogsToUseKey(key: kms.IKey, logGroupName: string): void {
    const stack = Stack.of(this);
    // CloudWatch Logs encrypts with the key itself, so the key policy must
    // allow the regional logs principal, limited to this log group.
    key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudWatchLogsForPipelineLogs',
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:DescribeKey'],
      resources: ['*'],
      conditions: {
        ArnEquals: {
          'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
            service: 'logs', resource: 'log-group', resourceName: logGroupName, arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        },
      },
    }));
  }

  private acknowledgeRoleWildcards(stateMachine: sfn.StateMachine, transformationWildcards: WildcardResource[]): void {
    const policy = NagAcknowledgements.defaultPolicyOf(stateMachine);
    if (!policy) return;
    NagAcknowledgements.wildcardResources(policy, [
      {
        resource: '*',
        reason: 'Step Functions log delivery (logs:*LogDelivery, DescribeLogGroups, resource policies) and X-Ray trace writes do not support resource-level permissions; AWS documents Resource "*" for them',
      },
      ...transformationWildcards,
    ]);
    // The one `Resource::*` acknowledgement covers every `*` statement of the
    // policy, so only the log-delivery and X-Ray statements may have one.
    policy.node.addValidation({
      validate: () => {
        const statements: any[] = Stack.of(policy).resolve(policy.document)?.Statement ?? [];
        return statements
          .filter(statement => statement.Effect === 'Allow' && [statement.Resource ?? []].flat().includes('*'))
          .map(statement => [statement.Action ?? []].flat() as string[])
          .filter(actions => !actions.every(action => LOGS_AND_XRAY_ACTIONS.has(action)))
          .map(actions => `the pipeline role allows ${actions.join(', ')} on Resource "*"; only the Step Functions log-delivery and X-Ray actions may have Resource "*" (its cdk-nag finding is acknowledged for them alone), so scope the statement to the resources it uses`);
      },
    });
  }
}
