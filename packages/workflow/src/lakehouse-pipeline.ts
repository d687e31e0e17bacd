import { CostAllocationTags, DataRetention, NagAcknowledgements, Naming, PropType, ResourceKind, RunRecord, RunStatus, Validate } from '@lakehouse-cdk/core';
import { ArnFormat, Duration, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { ILakehousePipeline } from './lakehouse-pipeline-ref';
import { IPipelineStep, PipelineStep, PipelineStepConfig } from './pipeline-step';
import { pollCount } from './private/bounded-poll';
import { DEFAULT_CRAWL_POLL_INTERVAL, DEFAULT_CRAWL_TIMEOUT } from './private/crawl-step';
import { inputValidation } from './private/input-validation';
import { LOG_GROUP_PREFIX, loggedStateMachine } from './private/logged-state-machine';
import { DYNAMODB_TRANSIENT_ERRORS, addTransientRetry } from './private/retry';
import { ImportedLakehousePipeline } from './private/imported-pipeline';
import { grantStartAndWatch } from './private/start-grants';
import { StuckRunCloser } from './private/stuck-run-closer';

/** Properties of the lakehouse pipeline. */
export interface LakehousePipelineProps {
  /**
   * The pipeline-runs table: partition key `pipeline_name`, sort key
   * `execution_date` (both String). The pipeline writes one item per run
   * (core's `RunRecord`). When the table has an `encryptionKey` (a customer
   * key), the pipeline and its stuck-run rule are granted its use.
   */
  readonly runsTable: dynamodb.ITable;

  /**
   * The steps of a run, in order, between the start and the outcome records.
   * Each step's name is unique. Give either `steps`, or `rawCrawlerName`,
   * `curatedCrawlerName` and `transformation` for the default list.
   * @default - raw crawl → transformation → curated crawl:
   * `[PipelineStep.crawl({ name: 'Raw', crawlerName: rawCrawlerName, … }), transformation, PipelineStep.crawl({ name: 'Curated', … })]`
   */
  readonly steps?: IPipelineStep[];

  /**
   * The Glue crawler of the raw layer, for the default steps.
   * @default - none; required when `steps` is not given
   */
  readonly rawCrawlerName?: string;

  /**
   * The Glue crawler of the curated layer, for the default steps.
   * @default - none; required when `steps` is not given
   */
  readonly curatedCrawlerName?: string;

  /**
   * The transformation step of the default steps, usually
   * `PipelineStep.dbt(job)`, whose state is `RunDbtTransformations`.
   * @default - none; required when `steps` is not given
   */
  readonly transformation?: IPipelineStep;

  /**
   * The `pipeline_name` of a run whose input does not give one: the partition
   * key of its run record. 1 to 128 letters, digits, `_`, `.` and `-`
   * (`Validate.pipelineName`).
   * @default 'lakehouse-pipeline'
   */
  readonly pipelineName?: string;

  /**
   * Time between two polls of a crawler of the default steps: whole
   * seconds, from 1 second to 1 hour. Each poll is four state transitions.
   * @default Duration.seconds(30)
   */
  readonly crawlerPollInterval?: Duration;

  /**
   * How long a crawler of the default steps may run before the run fails with
   * `Lakehouse.CrawlerTimeout`. It becomes a number of polls,
   * `ceil(crawlerTimeout / crawlerPollInterval)`, at most 1,000 so that an
   * execution stays well under the 25,000-event history limit.
   * @default Duration.minutes(30)
   */
  readonly crawlerTimeout?: Duration;

  /**
   * The timeout of a whole execution, in whole seconds, at most a year. It
   * must exceed the steps' longest durations added up (poll bounds, job
   * timeouts), so that a slow step fails and records the run before the
   * execution times out. A timed-out execution's record is closed by the
   * stuck-run rule.
   * @default - the steps' longest durations added up plus 15 minutes, and at least 2 hours
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
   * @default - the state machines get names unique to their construct paths
   * (their role trusts Step Functions for that name only); CloudFormation
   * names the alarms; the log group is `/aws/vendedlogs/states/<unique id of this construct>`
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
const MIN_DEFAULT_TIMEOUT = Duration.hours(2);
/** What the default timeout adds to the steps' longest durations: the records, retries and a slow start. */
const TIMEOUT_MARGIN_SECONDS = 15 * 60;
const MAX_EXECUTION_SECONDS = 365 * 24 * 3600;
const FAILURE_PATH = '$.failure';
/** The pipeline's own states, which no step may reuse. */
const PIPELINE_STATES = ['DeriveExecutionDate', 'ValidateInput', 'ApplyDefaultPipelineName', 'SplitExecutionDate', 'CheckExecutionDateShape', 'ParseExecutionDate',
  'CheckExecutionDate', 'InvalidExecutionDate', 'InvalidPipelineName', 'RecordPipelineStart', 'RecordPipelineSuccess', 'RecordPipelineFailure',
  'CheckFailureCause', 'DefaultFailureCause',
  'PipelineSucceeded', 'PipelineFailed', 'PipelineFailureNotRecorded', 'PipelineAlreadyRunning'];

/**
 * The lakehouse pipeline: a Step Functions state machine that records the
 * run's start, runs its steps in order (by default: crawl raw, transform
 * with dbt, crawl curated), and records the outcome, with its role,
 * encrypted log group, alarms, and a rule that closes the record of an
 * execution that timed out or was aborted.
 *
 * Input: `{"pipeline_name"?: string, "execution_date": "YYYY-MM-DD"}`, or
 * `{"pipeline_name"?: string, "scheduled_time": "<ISO 8601>"}` from a schedule,
 * whose `execution_date` is the UTC day before the scheduled time.
 */
export class LakehousePipeline extends Construct implements ILakehousePipeline {
  /**
   * A pipeline state machine that exists already, for example one deployed
   * by another team's app: the same `grantStartAndWatch`, no new resources.
   * Its executions are granted in the partition, region and account of the ARN.
   */
  public static fromStateMachineArn(scope: Construct, id: string, stateMachineArn: string): ILakehousePipeline {
    return new ImportedLakehousePipeline(scope, id, stateMachineArn);
  }

  /** The state machine. */
  public readonly stateMachine: sfn.IStateMachine;
  /** The state machine's ARN. */
  public readonly stateMachineArn: string;
  /** The state machine's name. */
  public readonly stateMachineName: string;
  /** The log group of the executions (level ALL, with execution data). */
  public readonly logGroup: logs.ILogGroup;
  /** The key that encrypts the log groups. */
  public readonly logEncryptionKey: kms.IKey;
  /** Fires when an execution fails. */
  public readonly executionsFailedAlarm: cloudwatch.IAlarm;
  /** Fires when an execution times out (the stuck-run rule sets its record to FAILED). */
  public readonly executionsTimedOutAlarm: cloudwatch.IAlarm;
  /** Fires when an execution is aborted (the stuck-run rule sets its record to FAILED). */
  public readonly executionsAbortedAlarm: cloudwatch.IAlarm;
  /** The Express state machine that sets the record of a timed-out or aborted execution to FAILED. */
  public readonly stuckRunCloser: sfn.IStateMachine;
  /** The `pipeline_name` of runs whose input gives none. */
  public readonly pipelineName: string;
  /** The ids of the steps' first states, in order. */
  public readonly stepStartStates: string[];

  constructor(scope: Construct, id: string, props: LakehousePipelineProps) {
    super(scope, id);
    Validate.propTypes(props, {
      runsTable: PropType.CONSTRUCT,
      steps: PropType.LIST,
      rawCrawlerName: PropType.STRING,
      curatedCrawlerName: PropType.STRING,
      pipelineName: PropType.STRING,
      crawlerPollInterval: PropType.DURATION,
      crawlerTimeout: PropType.DURATION,
      timeout: PropType.DURATION,
      logRetention: PropType.NUMBER,
      encryptionKey: PropType.CONSTRUCT,
      alarmTopic: PropType.CONSTRUCT,
      naming: PropType.NAMING,
      removalPolicy: PropType.REMOVAL_POLICY,
    }, ['runsTable'], this);
    RunRecord.validateTable('runsTable', props.runsTable, this);
    const pipelineName = props.pipelineName ?? DEFAULT_PIPELINE_NAME;
    Validate.pipelineName('pipelineName', pipelineName, this);
    const steps = this.stepsOf(props);
    this.pipelineName = pipelineName;

    const stateMachineName = props.naming?.name(ResourceKind.STATE_MACHINE, 'pipeline');
    const logGroupName = LOG_GROUP_PREFIX + (stateMachineName ?? Names.uniqueResourceName(this, { maxLength: 200 }));
    const removalPolicy = DataRetention.removalPolicy(this, props.removalPolicy);
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    Validate.logRetention('logRetention', logRetention, this);
    this.logEncryptionKey = props.encryptionKey ?? new kms.Key(this, 'LogKey', {
      description: `Encrypts the execution logs of ${logGroupName}`,
      enableKeyRotation: true,
      removalPolicy,
    });

    const { definition, configs } = this.buildDefinition(props.runsTable, steps, pipelineName);
    this.stepStartStates = configs.map(config => config.start.id);
    const timeout = this.timeoutOf(props.timeout, configs);
    const { stateMachine, logGroup } = loggedStateMachine(this, 'StateMachine', {
      stateMachineName,
      logGroupId: 'LogGroup',
      logGroupName,
      logKey: this.logEncryptionKey,
      logKeySid: 'AllowCloudWatchLogsForPipelineLogs',
      logRetention,
      removalPolicy,
      type: sfn.StateMachineType.STANDARD,
      comment: `Lakehouse pipeline: record the run, ${steps.map(step => step.name).join(' → ')}, record the outcome`,
      definition,
      timeout,
      wildcardResources: configs.flatMap(config => config.wildcardResources ?? []),
    });
    this.stateMachine = stateMachine;
    this.logGroup = logGroup;
    this.stateMachineArn = stateMachine.stateMachineArn;
    this.stateMachineName = stateMachine.stateMachineName;

    const closerName = props.naming?.name(ResourceKind.STATE_MACHINE, 'pipeline-stuck-runs');
    const stuckRunCloser = new StuckRunCloser(this, 'StuckRunCloser', {
      pipeline: stateMachine,
      runsTable: props.runsTable,
      defaultPipelineName: pipelineName,
      stateMachineName: closerName,
      logGroupName: LOG_GROUP_PREFIX + (closerName ?? `${Names.uniqueResourceName(this, { maxLength: 180 })}-stuck-runs`),
      logKey: this.logEncryptionKey,
      logRetention,
      removalPolicy,
    });
    this.stuckRunCloser = stuckRunCloser.stateMachine;
    // The DynamoDB task integrations grant the table's actions, not its key: a table under a customer key refuses them without it.
    for (const role of [stateMachine.role, stuckRunCloser.stateMachine.role]) {
      props.runsTable.encryptionKey?.grant(role, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey');
    }

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
      'A lakehouse pipeline execution timed out; the stuck-run rule sets its run record to FAILED, so the date can be re-run');
    this.executionsAbortedAlarm = alarm('ExecutionsAbortedAlarm', 'executions-aborted', stateMachine.metricAborted(period),
      'A lakehouse pipeline execution was aborted; the stuck-run rule sets its run record to FAILED, so the date can be re-run');

    NagAcknowledgements.inlineDefaultPolicies(this);
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
    return grantStartAndWatch(grantee, this.stateMachineArn, executions);
  }

  /** The steps given, or the default list; checks that the names are unique. */
  private stepsOf(props: LakehousePipelineProps): IPipelineStep[] {
    const defaults: Array<[string, unknown]> = [
      ['rawCrawlerName', props.rawCrawlerName], ['curatedCrawlerName', props.curatedCrawlerName], ['transformation', props.transformation],
    ];
    let steps: IPipelineStep[];
    if (props.steps !== undefined) {
      const given = defaults.filter(([, value]) => value !== undefined).map(([prop]) => prop);
      if (given.length > 0) {
        Validate.fail('steps', `${props.steps.length} steps`, `must not be combined with ${given.join(', ')}, which only build the default steps`, this);
      }
      if (props.steps.length === 0) Validate.fail('steps', '[]', 'must hold at least one step', this);
      props.steps.forEach((step, index) => checkStep(`steps[${index}]`, step, this));
      steps = props.steps;
    } else {
      for (const [prop, value] of defaults) {
        if (value === undefined) Validate.fail(prop, 'undefined', 'is required when steps is not given (it builds the default steps)', this);
      }
      checkStep('transformation', props.transformation, this);
      const pollInterval = props.crawlerPollInterval ?? DEFAULT_CRAWL_POLL_INTERVAL;
      const crawlerTimeout = props.crawlerTimeout ?? DEFAULT_CRAWL_TIMEOUT;
      pollCount('crawlerPollInterval', pollInterval, 'crawlerTimeout', crawlerTimeout, this);
      const crawl = (name: string, crawlerName: string) => PipelineStep.crawl({ name, crawlerName, pollInterval, timeout: crawlerTimeout });
      steps = [crawl('Raw', props.rawCrawlerName!), props.transformation!, crawl('Curated', props.curatedCrawlerName!)];
    }
    const seen = new Set<string>();
    for (const step of steps) {
      if (seen.has(step.name)) Validate.fail('steps', JSON.stringify(step.name), 'must give each step a name of its own (state ids are made of it)', this);
      seen.add(step.name);
    }
    return steps;
  }

  private timeoutOf(requested: Duration | undefined, configs: PipelineStepConfig[]): Duration {
    const stepSeconds = configs.reduce((sum, config) => sum + config.maxDuration.toSeconds({ integral: false }), 0);
    if (requested === undefined) {
      return Duration.seconds(Math.max(MIN_DEFAULT_TIMEOUT.toSeconds(), Math.ceil(stepSeconds + TIMEOUT_MARGIN_SECONDS)));
    }
    const seconds = Validate.seconds('timeout', requested, this);
    if (Token.isUnresolved(seconds)) return requested;
    Validate.after('timeout', seconds, 'the steps\' longest durations added up', stepSeconds, 'seconds', this);
    if (seconds > MAX_EXECUTION_SECONDS) {
      Validate.fail('timeout', `${seconds} seconds`, `must be at most ${MAX_EXECUTION_SECONDS} seconds (a Standard execution lasts at most one year)`, this);
    }
    if (!Number.isInteger(seconds)) {
      Validate.fail('timeout', `${seconds} seconds`, 'must be a whole number of seconds (TimeoutSeconds is an integer)', this);
    }
    return requested;
  }

  private buildDefinition(table: dynamodb.ITable, steps: IPipelineStep[], pipelineName: string): { definition: sfn.IChainable; configs: PipelineStepConfig[] } {
    const S = (path: string) => tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt(path));
    const literal = (value: string) => tasks.DynamoAttributeValue.fromString(value);
    const runKey = { [RunRecord.PIPELINE_NAME]: S('$.pipeline_name'), [RunRecord.EXECUTION_DATE]: S('$.execution_date') };
    const thisExecution = S('$$.Execution.Id');
    const names = (...attributes: string[]) => RunRecord.conditionNames(attributes);
    const set = (...attributes: string[]) => `SET ${attributes.map(attribute => `#${attribute} = :${attribute}`).join(', ')}`;

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
    const failureAttributes = [RunRecord.STATUS, RunRecord.END_TIME, RunRecord.ERROR, RunRecord.CAUSE, RunRecord.FAILED_STATE];
    const recordFailure = new tasks.DynamoUpdateItem(this, 'RecordPipelineFailure', {
      table,
      key: runKey,
      updateExpression: set(...failureAttributes),
      conditionExpression: RunRecord.OWN_RUN_CONDITION,
      expressionAttributeNames: names(...failureAttributes, RunRecord.EXECUTION_ARN),
      expressionAttributeValues: {
        [`:${RunRecord.STATUS}`]: literal(RunStatus.FAILED),
        [`:${RunRecord.END_TIME}`]: S('$$.State.EnteredTime'),
        [`:${RunRecord.ERROR}`]: S(`${FAILURE_PATH}.Error`),
        [`:${RunRecord.CAUSE}`]: S(`${FAILURE_PATH}.Cause`),
        [`:${RunRecord.FAILED_STATE}`]: S(`${FAILURE_PATH}.State`),
        ':execution_arn': thisExecution,
      },
      resultPath: sfn.JsonPath.DISCARD,
    });
    addTransientRetry(recordFailure, DYNAMODB_TRANSIENT_ERRORS);
    recordFailure.addCatch(failureNotRecorded, { errors: [sfn.Errors.ALL], resultPath: '$.record_failure_error' });
    recordFailure.next(pipelineFailed);
    // An error may come without a cause (a task token failed without one):
    // the record then says so, rather than the failure record failing on a missing path.
    const defaultCause = new sfn.Pass(this, 'DefaultFailureCause', {
      result: sfn.Result.fromString('The failed state gave no cause; the execution history has its error'),
      resultPath: `${FAILURE_PATH}.Cause`,
    });
    defaultCause.next(recordFailure);
    const failed = new sfn.Choice(this, 'CheckFailureCause')
      .when(sfn.Condition.and(sfn.Condition.isPresent(`${FAILURE_PATH}.Cause`), sfn.Condition.isString(`${FAILURE_PATH}.Cause`)), recordFailure)
      .otherwise(defaultCause);
    // Each task's failure names it: a Pass per task adds the state id to the caught error.
    const catchToFailure = (task: sfn.TaskStateBase, onFailure: sfn.IChainable = failed) => {
      const named = new sfn.Pass(this, `${task.id}Failed`, {
        result: sfn.Result.fromString(task.id),
        resultPath: `${FAILURE_PATH}.State`,
      });
      named.next(onFailure);
      task.addCatch(named, { errors: [sfn.Errors.ALL], resultPath: FAILURE_PATH });
    };

    const recordStart = new tasks.DynamoPutItem(this, 'RecordPipelineStart', {
      table,
      item: {
        ...runKey,
        [RunRecord.STATUS]: literal(RunStatus.RUNNING),
        // The state's entry time rather than $$.Execution.StartTime: the same
        // moment to within the validation states, and the local interpreter
        // the pipeline is tested with gives StartTime as a non-JSON datetime.
        [RunRecord.START_TIME]: S('$$.State.EnteredTime'),
        [RunRecord.EXECUTION_ARN]: thisExecution,
      },
      conditionExpression: RunRecord.START_CONDITION,
      expressionAttributeNames: names(RunRecord.PIPELINE_NAME, RunRecord.STATUS, RunRecord.EXECUTION_ARN),
      expressionAttributeValues: { ':running': literal(RunStatus.RUNNING), ':execution_arn': thisExecution },
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

    const recordSuccess = new tasks.DynamoUpdateItem(this, 'RecordPipelineSuccess', {
      table,
      key: runKey,
      updateExpression: set(RunRecord.STATUS, RunRecord.END_TIME),
      conditionExpression: RunRecord.OWN_RUN_CONDITION,
      expressionAttributeNames: names(RunRecord.STATUS, RunRecord.END_TIME, RunRecord.EXECUTION_ARN),
      expressionAttributeValues: {
        [`:${RunRecord.STATUS}`]: literal(RunStatus.SUCCEEDED),
        [`:${RunRecord.END_TIME}`]: S('$$.State.EnteredTime'),
        ':execution_arn': thisExecution,
      },
      resultPath: sfn.JsonPath.DISCARD,
    });
    addTransientRetry(recordSuccess, DYNAMODB_TRANSIENT_ERRORS);
    catchToFailure(recordSuccess);
    recordSuccess.next(new sfn.Succeed(this, 'PipelineSucceeded'));

    // Built before the steps, so that a step reusing one of its state ids gets the named error.
    const definition = inputValidation(this, pipelineName, recordStart);

    // Steps are bound from the last to the first, so that each knows where it goes next.
    const configs: PipelineStepConfig[] = [];
    let next: sfn.IChainable = recordSuccess;
    for (const step of [...steps].reverse()) {
      const config = this.namingClashes(step, () => step.bind(this, { next, recordFailure: failed, failurePath: FAILURE_PATH, runsTable: table }));
      for (const { task, transientErrors, onFailure } of config.tasks) {
        if (transientErrors.length === 0) {
          Validate.fail('steps', JSON.stringify(step.name), `must name at least one transient error to retry on its task ${task.id}`, this);
        }
        addTransientRetry(task, transientErrors);
        this.namingClashes(step, () => catchToFailure(task, onFailure));
      }
      configs.unshift(config);
      next = config.start;
    }
    recordStart.next(next);

    return { definition, configs };
  }

  /** Runs `build` for `step`; a state id that clashes (a step named after another's state) gets an error naming the step. */
  private namingClashes<T>(step: IPipelineStep, build: () => T): T {
    try {
      return build();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const clash = /There is already a Construct with name '([^']+)'/.exec(message);
      if (clash) {
        Validate.fail('steps', JSON.stringify(step.name), `must not build the state ${clash[1]}, which another step or the pipeline already has`
          + ` (the pipeline's own states: ${PIPELINE_STATES.join(', ')}, and <TaskId>Failed for each task)`, this);
      }
      throw error;
    }
  }
}

/** Throws unless `step` is a pipeline step: a `name` and a `bind` method, as `PipelineStep` makes them. */
function checkStep(prop: string, step: unknown, scope: Construct): void {
  const candidate = step as IPipelineStep | undefined;
  if (typeof candidate !== 'object' || candidate === null || typeof candidate.name !== 'string' || typeof candidate.bind !== 'function') {
    Validate.fail(prop, step === undefined || step === null ? String(step) : (JSON.stringify(step) ?? typeof step),
      'must be a pipeline step (a name and a bind method), as PipelineStep.crawl, athenaQuery and dbt make them', scope);
  }
}
