import { RunRecord, RunStatus } from '@lakehouse-cdk/core';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { loggedStateMachine } from './logged-state-machine';
import { DYNAMODB_TRANSIENT_ERRORS, addTransientRetry } from './retry';

/** The error recorded for an execution that timed out. */
export const EXECUTION_TIMED_OUT_ERROR = 'Lakehouse.ExecutionTimedOut';
/** The error recorded for an execution that was aborted. */
export const EXECUTION_ABORTED_ERROR = 'Lakehouse.ExecutionAborted';

export interface StuckRunCloserProps {
  readonly pipeline: sfn.IStateMachine;
  readonly runsTable: dynamodb.ITable;
  readonly defaultPipelineName: string;
  readonly stateMachineName?: string;
  readonly logGroupName: string;
  readonly logKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Closes the run of a pipeline execution that timed out or was aborted: such
 * an execution runs no more states, so it can't set its own record to FAILED,
 * and a RUNNING record refuses every re-run of its date. An EventBridge rule
 * on the pipeline's TIMED_OUT and ABORTED status changes starts a small
 * Express state machine that sets the record to FAILED, on condition that it
 * belongs to that execution and is still RUNNING. When no record matches (a
 * refused start, an invalid input), it does nothing.
 */
export class StuckRunCloser extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  public readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: StuckRunCloserProps) {
    super(scope, id);
    const run = '$.run';
    const S = (path: string) => tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt(path));

    const readInput = new sfn.Pass(this, 'ReadExecutionInput', {
      comment: 'The run record\'s key comes from the stopped execution\'s input',
      parameters: {
        'input.$': 'States.StringToJson($.detail.input)',
        'execution_arn.$': '$.detail.executionArn',
        'status.$': '$.detail.status',
      },
      resultPath: run,
    });
    const nothingToClose = new sfn.Succeed(this, 'NoRunToClose', {
      comment: 'No RUNNING record of this execution: nothing to close',
    });
    const close = new tasks.DynamoUpdateItem(this, 'CloseStuckRun', {
      table: props.runsTable,
      key: {
        [RunRecord.PIPELINE_NAME]: S(`${run}.input.pipeline_name`),
        [RunRecord.EXECUTION_DATE]: S(`${run}.input.execution_date`),
      },
      updateExpression: `SET #${RunRecord.STATUS} = :failed, #${RunRecord.END_TIME} = :end_time, #${RunRecord.ERROR} = :error, #${RunRecord.CAUSE} = :cause`,
      conditionExpression: RunRecord.STUCK_RUN_CONDITION,
      expressionAttributeNames: RunRecord.conditionNames([RunRecord.STATUS, RunRecord.END_TIME, RunRecord.ERROR, RunRecord.CAUSE, RunRecord.EXECUTION_ARN]),
      expressionAttributeValues: {
        ':failed': tasks.DynamoAttributeValue.fromString(RunStatus.FAILED),
        ':running': tasks.DynamoAttributeValue.fromString(RunStatus.RUNNING),
        ':end_time': S('$$.State.EnteredTime'),
        ':error': S(`${run}.error`),
        ':cause': S(`${run}.cause`),
        ':execution_arn': S(`${run}.execution_arn`),
      },
      resultPath: sfn.JsonPath.DISCARD,
    });
    addTransientRetry(close, DYNAMODB_TRANSIENT_ERRORS);
    close.addCatch(nothingToClose, { errors: ['DynamoDB.ConditionalCheckFailedException'], resultPath: sfn.JsonPath.DISCARD });
    close.next(new sfn.Succeed(this, 'RunClosed'));

    const describe = (stateId: string, error: string, what: string) => new sfn.Pass(this, stateId, {
      parameters: {
        'input.$': `${run}.input`,
        'execution_arn.$': `${run}.execution_arn`,
        error,
        'cause.$': `States.Format('The execution {} ${what} before it could record its outcome; see its history for the state it was in', ${run}.execution_arn)`,
      },
      resultPath: run,
    }).next(close);
    const whyStopped = new sfn.Choice(this, 'WhyStopped')
      .when(sfn.Condition.stringEquals(`${run}.status`, 'TIMED_OUT'), describe('DescribeTimedOutRun', EXECUTION_TIMED_OUT_ERROR, 'timed out'))
      .otherwise(describe('DescribeAbortedRun', EXECUTION_ABORTED_ERROR, 'was aborted'));
    const applyDefaultName = new sfn.Pass(this, 'ApplyDefaultPipelineName', {
      result: sfn.Result.fromString(props.defaultPipelineName),
      resultPath: `${run}.input.pipeline_name`,
    }).next(whyStopped);
    const isString = (path: string) => sfn.Condition.and(sfn.Condition.isPresent(path), sfn.Condition.isString(path));
    const hasName = new sfn.Choice(this, 'HasPipelineName')
      .when(isString(`${run}.input.pipeline_name`), whyStopped)
      .otherwise(applyDefaultName);
    const hasDate = new sfn.Choice(this, 'HasExecutionDate')
      .when(isString(`${run}.input.execution_date`), hasName)
      .otherwise(nothingToClose);
    readInput.next(hasDate);

    const { stateMachine } = loggedStateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      logGroupId: 'LogGroup',
      logGroupName: props.logGroupName,
      logKey: props.logKey,
      logKeySid: 'AllowCloudWatchLogsForStuckRunCloserLogs',
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      type: sfn.StateMachineType.EXPRESS,
      comment: 'Sets the run record of a timed-out or aborted pipeline execution to FAILED',
      definition: readInput,
      timeout: Duration.minutes(5),
      wildcardResources: [],
    });
    this.stateMachine = stateMachine;

    this.rule = new events.Rule(this, 'Rule', {
      description: 'Closes the run record of a pipeline execution that timed out or was aborted',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { status: ['TIMED_OUT', 'ABORTED'], stateMachineArn: [props.pipeline.stateMachineArn] },
      },
      targets: [new targets.SfnStateMachine(stateMachine, { retryAttempts: 20, maxEventAge: Duration.hours(24) })],
    });
  }
}

