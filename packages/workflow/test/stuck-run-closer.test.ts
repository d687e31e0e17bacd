import { Naming, RunRecord, RunStatus } from '@lakehouse-cdk/core';
import { asList, policyStatements } from '@lakehouse-cdk/testing';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { walkUntilTask } from './asl-walk';
import { PipelineSynth, RUNS_TABLE, aslErrors, everyPathTerminates, synthDefaults } from './helpers';

const EXECUTION_ARN = 'arn:aws:states:eu-west-1:123456789012:execution:lakehouse-pipeline:2026-01-01-run';

/** The event EventBridge sends for an execution that stopped with `status`. */
function statusChange(status: string, input: object): any {
  return {
    'version': '0',
    'source': 'aws.states',
    'detail-type': 'Step Functions Execution Status Change',
    'detail': { executionArn: EXECUTION_ARN, stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:p', status, input: JSON.stringify(input) },
  };
}

const logicalIdOf = (template: Template, type: string) => Object.keys(template.findResources('AWS::StepFunctions::StateMachine', { Properties: { StateMachineType: type } }))[0];

let defaults: PipelineSynth;
beforeAll(() => {
  defaults = synthDefaults();
});

describe('the rule', () => {
  test('matches the TIMED_OUT and ABORTED status changes of this pipeline\'s executions only', () => {
    const rules = Object.values(defaults.template.findResources('AWS::Events::Rule')) as any[];
    expect(rules).toHaveLength(1);
    expect(rules[0].Properties.EventPattern).toEqual({
      'source': ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      'detail': { status: ['TIMED_OUT', 'ABORTED'], stateMachineArn: [{ Ref: logicalIdOf(defaults.template, 'STANDARD') }] },
    });
    expect(rules[0].Properties.State).toBe('ENABLED');
  });

  test('targets the Express closer, retrying delivery for a day', () => {
    const target = (Object.values(defaults.template.findResources('AWS::Events::Rule'))[0] as any).Properties.Targets;
    expect(target).toEqual([expect.objectContaining({
      Arn: { Ref: logicalIdOf(defaults.template, 'EXPRESS') },
      RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 20 },
    })]);
    const eventsRole = policyStatements(defaults.template).filter(s => /EventsRoleDefaultPolicy/.test(s.policy)).map(s => s.statement);
    expect(eventsRole).toEqual([expect.objectContaining({ Action: 'states:StartExecution', Resource: { Ref: logicalIdOf(defaults.template, 'EXPRESS') } })]);
  });

  test('the closer is exposed as stuckRunCloser', () => {
    expect(defaults.stack.resolve(defaults.pipeline.stuckRunCloser.stateMachineArn)).toEqual({ Ref: logicalIdOf(defaults.template, 'EXPRESS') });
  });
});

describe('the closer', () => {
  test('an Express state machine that logs ALL with execution data, traces with X-Ray, and ends within 5 minutes', () => {
    defaults.template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'EXPRESS',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
    });
    expect(defaults.closer.TimeoutSeconds).toBe(300);
    expect(defaults.closer.QueryLanguage).toBe('JSONPath');
  });

  test('is valid ASL, and every path ends in Succeed or Fail', () => {
    expect(aslErrors(defaults.closer)).toBe('');
    expect(everyPathTerminates(defaults.closer)).toEqual([]);
  });

  test('updates the record to FAILED on RunRecord.STUCK_RUN_CONDITION: this execution\'s record, still RUNNING', () => {
    const close = defaults.closer.States.CloseStuckRun;
    expect(close.Resource).toBe('arn:aws:states:::dynamodb:updateItem');
    expect(close.Parameters.TableName).toBe(RUNS_TABLE);
    expect(close.Parameters.ConditionExpression).toBe(RunRecord.STUCK_RUN_CONDITION);
    expect(close.Parameters.UpdateExpression).toBe('SET #status = :failed, #end_time = :end_time, #error = :error, #cause = :cause');
    expect(close.Parameters.ExpressionAttributeValues).toMatchObject({
      ':failed': { S: RunStatus.FAILED },
      ':running': { S: RunStatus.RUNNING },
      ':end_time': { 'S.$': '$$.State.EnteredTime' },
      ':execution_arn': { 'S.$': '$.run.execution_arn' },
    });
    const expressions = `${close.Parameters.ConditionExpression} ${close.Parameters.UpdateExpression}`;
    expect(new Set(Object.keys(close.Parameters.ExpressionAttributeNames))).toEqual(new Set(expressions.match(/#[a-z_]+/g)));
    expect(new Set(Object.keys(close.Parameters.ExpressionAttributeValues))).toEqual(new Set(expressions.match(/:[a-z_]+/g)));
  });

  test('a refused condition (no RUNNING record of that execution) is caught into a Succeed; throttling is retried', () => {
    const close = defaults.closer.States.CloseStuckRun;
    expect(close.Catch).toEqual([{ ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], ResultPath: null, Next: 'NoRunToClose' }]);
    expect(defaults.closer.States.NoRunToClose.Type).toBe('Succeed');
    expect(close.Retry[0]).toMatchObject({ JitterStrategy: 'FULL', BackoffRate: 2 });
    expect(close.Retry[0].ErrorEquals).toContain('DynamoDB.ThrottlingException');
    expect(close.Retry[0].ErrorEquals).not.toContain('States.ALL');
    expect(close.Next).toBe('RunClosed');
    expect(defaults.closer.States.RunClosed.Type).toBe('Succeed');
  });

  test('a timed-out execution without pipeline_name: the default pipeline name, Lakehouse.ExecutionTimedOut, and the execution in the cause', () => {
    const walk = walkUntilTask(defaults.closer, statusChange('TIMED_OUT', { execution_date: '2026-01-01' }));
    expect(walk.stoppedAt).toBe('CloseStuckRun');
    expect(walk.path).toContain('ApplyDefaultPipelineName');
    expect(walk.parameters.Key).toEqual({ pipeline_name: { S: 'lakehouse-pipeline' }, execution_date: { S: '2026-01-01' } });
    expect(walk.parameters.ExpressionAttributeValues).toMatchObject({
      ':error': { S: 'Lakehouse.ExecutionTimedOut' },
      ':execution_arn': { S: EXECUTION_ARN },
    });
    expect(walk.parameters.ExpressionAttributeValues[':cause'].S).toBe(
      `The execution ${EXECUTION_ARN} timed out before it could record its outcome; see its history for the state it was in`);
  });

  test('an aborted execution with its own pipeline_name: that name and Lakehouse.ExecutionAborted', () => {
    const walk = walkUntilTask(defaults.closer, statusChange('ABORTED', { pipeline_name: 'events', execution_date: '2026-02-03' }));
    expect(walk.stoppedAt).toBe('CloseStuckRun');
    expect(walk.path).not.toContain('ApplyDefaultPipelineName');
    expect(walk.parameters.Key).toEqual({ pipeline_name: { S: 'events' }, execution_date: { S: '2026-02-03' } });
    expect(walk.parameters.ExpressionAttributeValues[':error']).toEqual({ S: 'Lakehouse.ExecutionAborted' });
    expect(walk.parameters.ExpressionAttributeValues[':cause'].S).toContain('was aborted');
  });

  test.each([
    ['no execution_date', {}],
    ['an execution_date that is not a string', { execution_date: 20260101 }],
  ])('an input with %s wrote no record, so there is nothing to close', (_, input) => {
    const walk = walkUntilTask(defaults.closer, statusChange('TIMED_OUT', input));
    expect(walk).toMatchObject({ stoppedAt: 'NoRunToClose', type: 'Succeed' });
  });

  test('the pipeline\'s pipelineName is the closer\'s default too', () => {
    const { closer } = synthDefaults(() => ({ pipelineName: 'events-daily' }));
    const walk = walkUntilTask(closer, statusChange('TIMED_OUT', { execution_date: '2026-01-01' }));
    expect(walk.parameters.Key.pipeline_name).toEqual({ S: 'events-daily' });
  });

  test('its role may only UpdateItem on the runs table (besides log delivery and X-Ray)', () => {
    const statements = policyStatements(defaults.template).filter(s => /^PipelineStuckRunCloserStateMachineRoleDefaultPolicy/.test(s.policy))
      .map(s => s.statement);
    const scoped = statements.filter(s => !asList(s.Resource).includes('*'));
    expect(scoped).toEqual([expect.objectContaining({
      Action: 'dynamodb:UpdateItem',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:dynamodb:eu-west-1:123456789012:table/${RUNS_TABLE}`]] },
    })]);
    for (const statement of statements.filter(s => asList(s.Resource).includes('*'))) {
      expect(asList<string>(statement.Action).every(a => a.startsWith('logs:') || a.startsWith('xray:'))).toBe(true);
    }
  });

  test('logs to its own encrypted log group beside the pipeline\'s, with the same key and retention', () => {
    const { template } = synthDefaults(() => ({ naming: new Naming({ project: 'lakehouse', environment: 'sandbox' }) }));
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/aws/vendedlogs/states/lakehouse-sandbox-pipeline-stuck-runs',
      RetentionInDays: 30,
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PipelineLogKey'), 'Arn'] },
    });
  });
});
