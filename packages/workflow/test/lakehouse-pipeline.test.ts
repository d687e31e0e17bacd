import { Naming, RunRecord, RunStatus } from '@lakehouse-cdk/core';
import { asList, expectValidationError, formatFindings, nagFindings, policyStatements, synth } from '@lakehouse-cdk/testing';
import { App, CfnParameter, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { HIPAASecurityChecks, NIST80053R5Checks } from 'cdk-nag';
import { LakehousePipeline, PipelineStep } from '../src';
import {
  CURATED_CRAWLER, PipelineSynth, aslErrors, RAW_CRAWLER, RUNS_TABLE, definitionOf, entriesWithoutFailedState, everyPathTerminates,
  requiredProps, runsTableOf, synthDefaults, synthPipeline, taskStates,
} from './helpers';

/** The task states of the default steps, in the order of a run. */
const TASK_STATES = [
  'RecordPipelineStart', 'StartRawCrawler', 'GetRawCrawlerState', 'GetRawCrawlResult', 'RunDbtTransformations', 'ReadDbtTransformationsSummary',
  'StartCuratedCrawler', 'GetCuratedCrawlerState', 'GetCuratedCrawlResult', 'RecordPipelineSuccess', 'RecordPipelineFailure',
];
/** The tasks whose any-error catch goes to their `<TaskId>Failed` Pass (the others have documented catches of their own). */
const NAMED_FAILURE_TASKS = TASK_STATES.filter(name => !['RecordPipelineFailure', 'ReadDbtTransformationsSummary'].includes(name));

/** Every `#name` and `:value` placeholder of a DynamoDB expression is defined, and every definition is used. */
function expectPlaceholdersDefined(parameters: any): void {
  const expressions = [parameters.ConditionExpression, parameters.UpdateExpression, parameters.ProjectionExpression].filter(Boolean).join(' ');
  const names = new Set(expressions.match(/#[a-z_]+/g) ?? []);
  const values = new Set(expressions.match(/:[a-z_]+/g) ?? []);
  expect(new Set(Object.keys(parameters.ExpressionAttributeNames ?? {}))).toEqual(names);
  expect(new Set(Object.keys(parameters.ExpressionAttributeValues ?? {}))).toEqual(values);
  for (const [placeholder, attribute] of Object.entries(parameters.ExpressionAttributeNames ?? {})) expect(placeholder).toBe(`#${attribute}`);
}

let defaults: PipelineSynth;
beforeAll(() => {
  defaults = synthDefaults();
});

describe('the definition', () => {
  test('is valid Amazon States Language', () => {
    expect(aslErrors(defaults.definition)).toBe('');
  });

  test('has the documented states, in the documented order: record, crawl raw, dbt, crawl curated, record', () => {
    const states = defaults.definition.States;
    expect(defaults.definition.StartAt).toBe('ValidateInput');
    for (const name of [...TASK_STATES, 'WaitForRawCrawler', 'WaitForCuratedCrawler', 'PipelineAlreadyRunning', 'PipelineFailed', 'PipelineSucceeded']) {
      expect(states).toHaveProperty([name]);
    }
    expect(taskStates(defaults.definition).sort()).toEqual([...TASK_STATES].sort());
    expect(states.CheckExecutionDate.Choices[0].Next).toBe('RecordPipelineStart');
    expect(states.RecordPipelineStart.Next).toBe('StartRawCrawler');
    expect(states.StartRawCrawler.Next).toBe('WaitForRawCrawler');
    expect(states.WaitForRawCrawler.Next).toBe('CountRawCrawlerPoll');
    expect(states.CountRawCrawlerPoll.Next).toBe('GetRawCrawlerState');
    expect(states.GetRawCrawlerState.Next).toBe('IsRawCrawlerReady');
    expect(states.GetRawCrawlResult.Next).toBe('CheckRawCrawlResult');
    expect(states.CheckRawCrawlResult.Choices[0].Next).toBe('RunDbtTransformations');
    expect(states.RunDbtTransformations.Next).toBe('StartCuratedCrawler');
    expect(states.StartCuratedCrawler.Next).toBe('WaitForCuratedCrawler');
    expect(states.CheckCuratedCrawlResult.Choices[0].Next).toBe('RecordPipelineSuccess');
    expect(states.RecordPipelineSuccess.Next).toBe('PipelineSucceeded');
    expect(states.RecordPipelineFailure.Next).toBe('PipelineFailed');
    expect(defaults.pipeline.stepStartStates).toEqual(['StartRawCrawler', 'RunDbtTransformations', 'StartCuratedCrawler']);
    expect(defaults.definition.Comment).toContain('Raw → DbtTransformations → Curated');
  });

  test('every path ends in Succeed or Fail', () => {
    expect(everyPathTerminates(defaults.definition)).toEqual([]);
  });

  test('uses JSONPath', () => {
    expect(defaults.definition.QueryLanguage).toBe('JSONPath');
  });

  test('every task retries transient errors with backoff and full jitter, never States.ALL or States.TaskFailed', () => {
    for (const name of TASK_STATES) {
      const retry = defaults.definition.States[name].Retry;
      expect(retry).toHaveLength(1);
      expect(retry[0]).toMatchObject({ BackoffRate: 2, IntervalSeconds: 2, MaxAttempts: 4, MaxDelaySeconds: 60, JitterStrategy: 'FULL' });
      expect(retry[0].ErrorEquals).not.toContain('States.ALL');
      expect(retry[0].ErrorEquals).not.toContain('States.TaskFailed');
    }
    const states = defaults.definition.States;
    expect(states.RecordPipelineStart.Retry[0].ErrorEquals).toContain('DynamoDB.ProvisionedThroughputExceededException');
    expect(states.ReadDbtTransformationsSummary.Retry[0].ErrorEquals).toContain('DynamoDB.ThrottlingException');
    expect(states.StartRawCrawler.Retry[0].ErrorEquals).toContain('Glue.OperationTimeoutException');
    expect(states.GetCuratedCrawlerState.Retry[0].ErrorEquals).toContain('Glue.ThrottlingException');
    expect(states.RunDbtTransformations.Retry[0].ErrorEquals).toEqual(['CodeBuild.AccountLimitExceededException']);
  });

  test('a refused start goes to PipelineAlreadyRunning, not to the failure record', () => {
    const start = defaults.definition.States.RecordPipelineStart;
    expect(start.Catch[0]).toEqual({ ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], ResultPath: '$.failure', Next: 'PipelineAlreadyRunning' });
    expect(start.Catch[1]).toEqual({ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'RecordPipelineStartFailed' });
    expect(defaults.definition.States.PipelineAlreadyRunning).toMatchObject({ Type: 'Fail', Error: 'Lakehouse.PipelineAlreadyRunning' });
  });

  test('the start record uses RunRecord.START_CONDITION: refused only while another execution runs that pipeline and date', () => {
    const parameters = defaults.definition.States.RecordPipelineStart.Parameters;
    expect(parameters.TableName).toBe(RUNS_TABLE);
    expect(parameters.ConditionExpression).toBe(RunRecord.START_CONDITION);
    expect(parameters.ConditionExpression).toBe('attribute_not_exists(#pipeline_name) OR #status <> :running OR #execution_arn = :execution_arn');
    expect(parameters.ExpressionAttributeValues).toEqual({ ':running': { S: RunStatus.RUNNING }, ':execution_arn': { 'S.$': '$$.Execution.Id' } });
    expectPlaceholdersDefined(parameters);
    expect(parameters.Item).toEqual({
      [RunRecord.PIPELINE_NAME]: { 'S.$': '$.pipeline_name' },
      [RunRecord.EXECUTION_DATE]: { 'S.$': '$.execution_date' },
      [RunRecord.STATUS]: { S: 'RUNNING' },
      [RunRecord.START_TIME]: { 'S.$': '$$.State.EnteredTime' },
      [RunRecord.EXECUTION_ARN]: { 'S.$': '$$.Execution.Id' },
    });
    expect(Object.keys(parameters.Item).sort()).toEqual([...RunRecord.START_ATTRIBUTES].sort());
  });

  test('the outcome records write SUCCEEDED, or FAILED with error, cause and failed_state, only on this execution\'s record', () => {
    const success = defaults.definition.States.RecordPipelineSuccess.Parameters;
    expect(success.UpdateExpression).toBe('SET #status = :status, #end_time = :end_time');
    expect(success.ExpressionAttributeValues[':status']).toEqual({ S: 'SUCCEEDED' });
    const failure = defaults.definition.States.RecordPipelineFailure.Parameters;
    expect(failure.UpdateExpression).toBe('SET #status = :status, #end_time = :end_time, #error = :error, #cause = :cause, #failed_state = :failed_state');
    expect(failure.ExpressionAttributeValues).toMatchObject({
      ':status': { S: 'FAILED' },
      ':error': { 'S.$': '$.failure.Error' },
      ':cause': { 'S.$': '$.failure.Cause' },
      ':failed_state': { 'S.$': '$.failure.State' },
    });
    expect(failure.ExpressionAttributeNames['#failed_state']).toBe(RunRecord.FAILED_STATE);
    for (const parameters of [success, failure]) {
      expect(parameters.ConditionExpression).toBe(RunRecord.OWN_RUN_CONDITION);
      expect(parameters.ExpressionAttributeValues[':execution_arn']).toEqual({ 'S.$': '$$.Execution.Id' });
      expect(parameters.ExpressionAttributeValues[':end_time']).toEqual({ 'S.$': '$$.State.EnteredTime' });
      expect(parameters.Key).toEqual({ pipeline_name: { 'S.$': '$.pipeline_name' }, execution_date: { 'S.$': '$.execution_date' } });
      expectPlaceholdersDefined(parameters);
    }
  });

  test('a failed failure record still fails the execution, with the run\'s error', () => {
    const states = defaults.definition.States;
    expect(states.RecordPipelineFailure.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.record_failure_error', Next: 'PipelineFailureNotRecorded' }]);
    expect(states.PipelineFailureNotRecorded).toMatchObject({ Type: 'Fail', ErrorPath: '$.failure.Error', CausePath: '$.failure.Cause' });
    expect(states.PipelineFailed).toMatchObject({ Type: 'Fail', ErrorPath: '$.failure.Error', CausePath: '$.failure.Cause' });
  });

  test('failed_state: every task\'s catch goes to its <TaskId>Failed Pass, which sets State to that task id', () => {
    const states = defaults.definition.States;
    for (const name of NAMED_FAILURE_TASKS) {
      const catches = states[name].Catch;
      expect(catches[catches.length - 1]).toEqual({ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: `${name}Failed` });
      expect(states[`${name}Failed`]).toEqual({
        Type: 'Pass',
        Result: name,
        ResultPath: '$.failure.State',
        Next: name === 'RunDbtTransformations' ? 'ReadDbtTransformationsSummary' : 'CheckFailureCause',
      });
    }
  });

  test('a failure without a cause is still recorded, with a cause that says so', () => {
    const states = defaults.definition.States;
    expect(states.CheckFailureCause).toEqual({
      Type: 'Choice',
      Choices: [{ And: [{ Variable: '$.failure.Cause', IsPresent: true }, { Variable: '$.failure.Cause', IsString: true }], Next: 'RecordPipelineFailure' }],
      Default: 'DefaultFailureCause',
    });
    expect(states.DefaultFailureCause).toEqual({
      Type: 'Pass',
      Result: 'The failed state gave no cause; the execution history has its error',
      ResultPath: '$.failure.Cause',
      Next: 'RecordPipelineFailure',
    });
  });

  test('failed_state: the crawl failed and crawler timed-out Passes name the wait state', () => {
    const states = defaults.definition.States;
    for (const layer of ['Raw', 'Curated']) {
      expect(states[`${layer}CrawlFailed`].Parameters).toMatchObject({ Error: 'Lakehouse.CrawlFailed', State: `WaitFor${layer}Crawler` });
      expect(states[`${layer}CrawlerTimedOut`].Parameters).toMatchObject({ Error: 'Lakehouse.CrawlerTimeout', State: `WaitFor${layer}Crawler` });
    }
  });

  test('failed_state: RecordPipelineFailure is never entered without $.failure.State', () => {
    expect(entriesWithoutFailedState(defaults.definition)).toEqual([]);
  });

  test('the failure analysis notices a catch that bypasses the <TaskId>Failed Pass', () => {
    const broken = JSON.parse(JSON.stringify(defaults.definition));
    broken.States.GetRawCrawlerState.Catch[0].Next = 'RecordPipelineFailure';
    expect(entriesWithoutFailedState(broken)).toEqual(['GetRawCrawlerState -> RecordPipelineFailure']);
  });

  test('named errors: invalid input, crawl failed and crawler timeout', () => {
    const states = defaults.definition.States;
    expect(states.InvalidExecutionDate).toMatchObject({ Type: 'Fail', Error: 'Lakehouse.InvalidExecutionDate' });
    expect(states.InvalidPipelineName).toMatchObject({ Type: 'Fail', Error: 'Lakehouse.InvalidPipelineName' });
    for (const layer of ['Raw', 'Curated']) {
      expect(states[`${layer}CrawlFailed`].Parameters.Error).toBe('Lakehouse.CrawlFailed');
      expect(states[`${layer}CrawlFailed`].Next).toBe('CheckFailureCause');
      expect(states[`${layer}CrawlerTimedOut`].Parameters.Error).toBe('Lakehouse.CrawlerTimeout');
      expect(states[`${layer}CrawlerTimedOut`].Next).toBe('CheckFailureCause');
    }
  });

  test('a crawler already running is waited for, catching only the error name Step Functions gives', () => {
    for (const layer of ['Raw', 'Curated']) {
      const start = defaults.definition.States[`Start${layer}Crawler`];
      expect(start.Catch[0]).toEqual({ ErrorEquals: ['Glue.CrawlerRunningException'], ResultPath: null, Next: `${layer}CrawlerAlreadyRunning` });
      expect(defaults.definition.States[`${layer}CrawlerAlreadyRunning`]).toMatchObject({
        Type: 'Pass', Result: { polls: 0 }, ResultPath: `$.${layer.toLowerCase()}_crawler`, Next: `WaitFor${layer}Crawler`,
      });
    }
  });

  test('speaks the real services\' dialect: no emulator error names or crawl statuses', () => {
    const text = JSON.stringify(defaults.definition);
    expect(text).not.toContain('glue.CrawlerRunningException');
    expect(text).not.toContain('COMPLETED');
    for (const layer of ['Raw', 'Curated']) {
      expect(defaults.definition.States[`Check${layer}CrawlResult`]).toEqual({
        Type: 'Choice',
        Choices: [{ Variable: `$.${layer.toLowerCase()}_crawler.last_crawl.Status`, StringEquals: 'SUCCEEDED', Next: expect.any(String) }],
        Default: `${layer}CrawlFailed`,
      });
    }
  });

  test('default poll: every 30 s, timed out after 60 polls (30 minutes)', () => {
    const states = defaults.definition.States;
    expect(states.WaitForRawCrawler).toMatchObject({ Type: 'Wait', Seconds: 30, Next: 'CountRawCrawlerPoll' });
    expect(states.CountRawCrawlerPoll.Parameters).toEqual({ 'polls.$': 'States.MathAdd($.raw_crawler.polls, 1)' });
    expect(states.IsRawCrawlerReady.Choices[1]).toEqual({ Variable: '$.raw_crawler.polls', NumericGreaterThanEquals: 60, Next: 'RawCrawlerTimedOut' });
    expect(states.IsRawCrawlerReady.Default).toBe('WaitForRawCrawler');
    expect(states.WaitForCuratedCrawler.Seconds).toBe(30);
    expect(states.IsCuratedCrawlerReady.Choices[1].NumericGreaterThanEquals).toBe(60);
  });

  test('GetCrawler keeps only the crawler state, and the last crawl status once READY', () => {
    const states = defaults.definition.States;
    expect(states.GetRawCrawlerState).toMatchObject({
      Resource: 'arn:aws:states:::aws-sdk:glue:getCrawler',
      Parameters: { Name: RAW_CRAWLER },
      ResultSelector: { 'State.$': '$.Crawler.State' },
      ResultPath: '$.raw_crawler.crawler',
    });
    expect(states.IsRawCrawlerReady.Choices[0]).toEqual({ Variable: '$.raw_crawler.crawler.State', StringEquals: 'READY', Next: 'GetRawCrawlResult' });
    expect(states.GetRawCrawlResult.ResultSelector).toEqual({ 'Status.$': '$.Crawler.LastCrawl.Status' });
    expect(states.StartRawCrawler).toMatchObject({ Resource: 'arn:aws:states:::aws-sdk:glue:startCrawler', Parameters: { Name: RAW_CRAWLER } });
    expect(states.StartCuratedCrawler.Parameters).toEqual({ Name: CURATED_CRAWLER });
  });

  test('the default pipeline name is lakehouse-pipeline', () => {
    expect(defaults.definition.States.ApplyDefaultPipelineName).toMatchObject({ Result: 'lakehouse-pipeline', ResultPath: '$.pipeline_name' });
    expect(defaults.pipeline.pipelineName).toBe('lakehouse-pipeline');
  });
});

describe('operations defaults', () => {
  test('a STANDARD state machine with X-Ray tracing and logging ALL with execution data', () => {
    defaults.template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: true,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PipelineLogGroup'), 'Arn'] } } }],
      },
    });
  });

  test('the default timeout is the steps\' longest durations added up plus 15 minutes: 2 × 30 min crawls + 1 h job + 15 min queue + 15 min', () => {
    expect(defaults.definition.TimeoutSeconds).toBe(2 * 1800 + 3600 + 900 + 900);
  });

  test('the default timeout is at least 2 hours', () => {
    const { definition } = synthPipeline(stack => ({ ...requiredProps(stack, { timeout: Duration.minutes(10) }), crawlerTimeout: Duration.minutes(5) }));
    expect(definition.TimeoutSeconds).toBe(7200);
  });

  test('the default timeout grows with a long dbt job, so the job times out (and is recorded) before the execution', () => {
    const { definition, template } = synthPipeline(stack => requiredProps(stack, { timeout: Duration.hours(5) }));
    expect(definition.TimeoutSeconds).toBe(2 * 1800 + 5 * 3600 + 900 + 900);
    template.hasResourceProperties('AWS::CodeBuild::Project', { TimeoutInMinutes: 300, QueuedTimeoutInMinutes: 15 });
  });

  test('the dbt job\'s timeout and queue timeout end before the state machine\'s', () => {
    const project = (Object.values(defaults.template.findResources('AWS::CodeBuild::Project'))[0] as any).Properties;
    expect((project.TimeoutInMinutes + project.QueuedTimeoutInMinutes) * 60).toBeLessThan(defaults.definition.TimeoutSeconds);
  });

  test('the log group is KMS-encrypted, kept a month, under /aws/vendedlogs/states/ and retained', () => {
    defaults.template.hasResource('AWS::Logs::LogGroup', {
      Properties: {
        RetentionInDays: 30,
        KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PipelineLogKey'), 'Arn'] },
        LogGroupName: Match.stringLikeRegexp('^/aws/vendedlogs/states/[^/]+$'),
      },
      DeletionPolicy: 'Retain',
    });
  });

  test('the log key rotates, is retained, and lets only CloudWatch Logs of the pipeline\'s log groups use it', () => {
    const keys = defaults.template.findResources('AWS::KMS::Key', { Properties: { Description: Match.stringLikeRegexp('execution logs') } });
    expect(Object.keys(keys)).toHaveLength(1);
    const key = Object.values(keys)[0] as any;
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.DeletionPolicy).toBe('Retain');
    const logsStatements = key.Properties.KeyPolicy.Statement.filter((s: any) => s.Principal?.Service === 'logs.eu-west-1.amazonaws.com');
    expect(logsStatements.map((s: any) => s.Sid).sort()).toEqual(['AllowCloudWatchLogsForPipelineLogs', 'AllowCloudWatchLogsForStuckRunCloserLogs']);
    for (const statement of logsStatements) {
      expect(JSON.stringify(statement.Condition.ArnEquals['kms:EncryptionContext:aws:logs:arn'])).toContain(':log-group:/aws/vendedlogs/states/');
    }
  });

  test('three alarms, on failed, timed-out and aborted executions of the pipeline, at 1 in 1 period, with no action by default', () => {
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted']) {
      defaults.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metric,
        Namespace: 'AWS/States',
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: Match.stringLikeRegexp('^PipelineStateMachine') } }],
        AlarmActions: Match.absent(),
      });
    }
    defaults.template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
  });

  test('tags its resources with Layer=workflow', () => {
    for (const type of ['AWS::StepFunctions::StateMachine', 'AWS::KMS::Key', 'AWS::Logs::LogGroup', 'AWS::Events::Rule', 'AWS::CodeBuild::Project']) {
      const resources = Object.values(defaults.template.findResources(type)) as any[];
      expect(resources.length).toBeGreaterThan(0);
      for (const resource of resources) expect(resource.Properties.Tags).toEqual(expect.arrayContaining([{ Key: 'Layer', Value: 'workflow' }]));
    }
  });

  test('without naming, the state machines get names unique to their construct paths, and the alarms none', () => {
    const names = Object.values(defaults.template.findResources('AWS::StepFunctions::StateMachine')).map((m: any) => m.Properties.StateMachineName).sort();
    expect(names).toEqual([
      expect.stringMatching(/^Test-Pipeline-[A-Za-z0-9]{8}-StateMachine$/),
      expect.stringMatching(/^Test-Pipeline-StuckRunCloser-[A-Za-z0-9]{8}-StateMachine$/),
    ]);
    for (const name of names) expect(name.length).toBeLessThanOrEqual(80);
    const alarms = Object.values(defaults.template.findResources('AWS::CloudWatch::Alarm')) as any[];
    expect(alarms).toHaveLength(3);
    for (const alarm of alarms) expect(alarm.Properties).not.toHaveProperty('AlarmName');
  });

  test('without naming the log group is /aws/vendedlogs/states/<unique id of the construct>, and the key policy names it', () => {
    const logGroups = Object.values(defaults.template.findResources('AWS::Logs::LogGroup')).map((g: any) => g.Properties.LogGroupName);
    const logGroupName = logGroups.find(name => /^\/aws\/vendedlogs\/states\/TestPipeline[0-9A-F]{8}$/.test(name));
    expect(logGroupName).toBeDefined();
    expect(logGroups).toContain(`${logGroupName}-stuck-runs`);
    const key = Object.values(defaults.template.findResources('AWS::KMS::Key', { Properties: { Description: Match.stringLikeRegexp('execution logs') } }))[0] as any;
    const logsStatement = key.Properties.KeyPolicy.Statement.find((s: any) => s.Sid === 'AllowCloudWatchLogsForPipelineLogs');
    expect(JSON.stringify(logsStatement.Condition.ArnEquals['kms:EncryptionContext:aws:logs:arn'])).toContain(`:log-group:${logGroupName}"`);
  });
});

describe('the roles of the state machines', () => {
  /** Each state machine's name, and the aws:SourceArn its role is trusted for. */
  const trustOf = (template: Template) => Object.values(template.findResources('AWS::StepFunctions::StateMachine')).map((machine: any) => {
    const roleId = machine.Properties.RoleArn['Fn::GetAtt'][0];
    const [statement] = (template.findResources('AWS::IAM::Role')[roleId] as any).Properties.AssumeRolePolicyDocument.Statement;
    return { name: machine.Properties.StateMachineName, statement };
  });

  test.each([
    ['without naming', {}],
    ['with naming', { naming: new Naming({ project: 'lakehouse', environment: 'sandbox' }) }],
  ])('%s, Step Functions may assume each role only for its own state machine of this account', (_, extra) => {
    const { template } = synthPipeline(stack => ({ ...requiredProps(stack), ...extra }));
    const trusts = trustOf(template);
    expect(trusts).toHaveLength(2);
    for (const { name, statement } of trusts) {
      expect(statement).toEqual({
        Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'states.amazonaws.com' },
        Condition: {
          StringEquals: { 'aws:SourceAccount': '123456789012' },
          ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:states:eu-west-1:123456789012:stateMachine:${name}`]] } },
        },
      });
    }
    if ('naming' in extra) expect(trusts.map(t => t.name).sort()).toEqual(['lakehouse-sandbox-pipeline', 'lakehouse-sandbox-pipeline-stuck-runs']);
  });
});

describe('props', () => {
  test('naming names the state machine, its log group, its alarms and the stuck-run closer', () => {
    const naming = new Naming({ project: 'lakehouse', environment: 'sandbox' });
    const { template } = synthDefaults(() => ({ naming }));
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineType: 'STANDARD', StateMachineName: 'lakehouse-sandbox-pipeline' });
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/aws/vendedlogs/states/lakehouse-sandbox-pipeline' });
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineType: 'EXPRESS', StateMachineName: 'lakehouse-sandbox-pipeline-stuck-runs' });
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/aws/vendedlogs/states/lakehouse-sandbox-pipeline-stuck-runs' });
    for (const suffix of ['executions-failed', 'executions-timed-out', 'executions-aborted']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: `lakehouse-sandbox-pipeline-${suffix}` });
    }
  });

  test('poll interval, crawler timeout, timeout, retention and pipeline name', () => {
    const { template, definition, closer, pipeline } = synthDefaults(() => ({
      crawlerPollInterval: Duration.seconds(20),
      crawlerTimeout: Duration.minutes(15),
      timeout: Duration.hours(3),
      logRetention: logs.RetentionDays.ONE_WEEK,
      pipelineName: 'events',
    }));
    for (const layer of ['Raw', 'Curated']) {
      expect(definition.States[`WaitFor${layer}Crawler`].Seconds).toBe(20);
      expect(definition.States[`Is${layer}CrawlerReady`].Choices[1].NumericGreaterThanEquals).toBe(45);
    }
    expect(definition.TimeoutSeconds).toBe(3 * 3600);
    expect(definition.States.ApplyDefaultPipelineName.Result).toBe('events');
    expect(closer.States.ApplyDefaultPipelineName.Result).toBe('events');
    expect(pipeline.pipelineName).toBe('events');
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: Match.anyValue() });
    const retentions = Object.values(template.findResources('AWS::Logs::LogGroup', { Properties: { LogGroupName: Match.stringLikeRegexp('vendedlogs') } }))
      .map((g: any) => g.Properties.RetentionInDays);
    expect(retentions).toEqual([7, 7]);
  });

  test('a crawler timeout that is not a multiple of the interval rounds the polls up', () => {
    const { definition } = synthDefaults(() => ({ crawlerPollInterval: Duration.seconds(40), crawlerTimeout: Duration.minutes(1) }));
    expect(definition.States.IsRawCrawlerReady.Choices[1].NumericGreaterThanEquals).toBe(2);
  });

  test('alarmTopic becomes the action of every alarm', () => {
    const { template } = synthDefaults(stack => ({ alarmTopic: new sns.Topic(stack, 'Alerts') }));
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as any[];
    expect(alarms).toHaveLength(3);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^Alerts/) }]);
    }
  });

  test('encryptionKey replaces the created key, and its policy lets CloudWatch Logs use it for both log groups', () => {
    let ownKey: kms.Key | undefined;
    const { template, pipeline } = synthDefaults(stack => {
      ownKey = new kms.Key(stack, 'OwnKey', { enableKeyRotation: true });
      return { encryptionKey: ownKey };
    });
    expect(Object.keys(template.findResources('AWS::KMS::Key', { Properties: { Description: Match.stringLikeRegexp('execution logs') } }))).toEqual([]);
    const pipelineLogGroups = template.findResources('AWS::Logs::LogGroup', { Properties: { LogGroupName: Match.stringLikeRegexp('vendedlogs') } });
    expect(Object.keys(pipelineLogGroups)).toHaveLength(2);
    for (const group of Object.values(pipelineLogGroups) as any[]) {
      expect(group.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^OwnKey/), 'Arn'] });
    }
    expect(pipeline.logEncryptionKey).toBe(ownKey);
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Sid: 'AllowCloudWatchLogsForPipelineLogs', Principal: { Service: 'logs.eu-west-1.amazonaws.com' } }),
          Match.objectLike({ Sid: 'AllowCloudWatchLogsForStuckRunCloserLogs', Principal: { Service: 'logs.eu-west-1.amazonaws.com' } }),
        ]),
      },
    });
  });

  test('removalPolicy DESTROY is honoured only with the context flag', () => {
    const build = (context: Record<string, unknown>) => synth(stack => new LakehousePipeline(stack, 'P', {
      ...requiredProps(stack), removalPolicy: RemovalPolicy.DESTROY,
    }), context);
    const pipelineResources = (template: Template, type: string) => Object.entries(template.findResources(type))
      .filter(([id]) => id.startsWith('P')).map(([, resource]) => resource as any);
    const destroyed = build({ '@lakehouse-cdk/core:removeDataOnDestroy': true }).template;
    const kept = build({}).template;
    for (const type of ['AWS::Logs::LogGroup', 'AWS::KMS::Key']) {
      expect(pipelineResources(destroyed, type).length).toBeGreaterThan(0);
      for (const resource of pipelineResources(destroyed, type)) expect(resource.DeletionPolicy).toBe('Delete');
      for (const resource of pipelineResources(kept, type)) expect(resource.DeletionPolicy).toBe('Retain');
    }
  });

  test('skips unresolved crawler names', () => {
    const { definition } = synthDefaults(stack => ({ rawCrawlerName: new s3.Bucket(stack, 'B').bucketName }));
    expect(definition.States.StartRawCrawler.Parameters.Name).toMatch(/^\$\{B/);
  });

  test('a timeout given as a token is taken as it is', () => {
    const { template } = synth(stack => {
      const seconds = new CfnParameter(stack, 'TimeoutSeconds', { type: 'Number' }).valueAsNumber;
      new LakehousePipeline(stack, 'Pipeline', { ...requiredProps(stack), timeout: Duration.seconds(seconds) });
    });
    const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine', { Properties: { StateMachineType: 'STANDARD' } }))[0] as any;
    const parts: any[] = machine.Properties.DefinitionString['Fn::Join'][1];
    const index = parts.findIndex(part => part.Ref === 'TimeoutSeconds');
    expect(parts[index - 1]).toMatch(/"TimeoutSeconds":$/);
  });
});

describe('IAM', () => {
  const pipelineStatements = (template: Template) => policyStatements(template)
    .filter(s => /^PipelineStateMachineRoleDefaultPolicy/.test(s.policy)).map(s => s.statement);
  const arn = (rest: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]] });
  const tableArn = arn(`:dynamodb:eu-west-1:123456789012:table/${RUNS_TABLE}`);

  test('Resource "*" only for the log delivery and X-Ray statements, of the pipeline and of the closer', () => {
    const starStatements = policyStatements(defaults.template).filter(s => asList(s.statement.Resource).includes('*'));
    expect(starStatements).toHaveLength(4);
    for (const { policy, statement } of starStatements) {
      expect(policy).toMatch(/^Pipeline(StuckRunCloser)?StateMachineRoleDefaultPolicy/);
      expect(asList<string>(statement.Action).every(action => action.startsWith('logs:') || action.startsWith('xray:'))).toBe(true);
    }
  });

  test('DynamoDB: PutItem and UpdateItem for the records, GetItem for the dbt summary, on the runs table only', () => {
    const dynamo = pipelineStatements(defaults.template).filter(s => asList<string>(s.Action).some(a => a.startsWith('dynamodb:')));
    expect(dynamo.flatMap(s => asList<string>(s.Action)).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    for (const statement of dynamo) expect(statement.Resource).toEqual(tableArn);
  });

  test('Glue: StartCrawler and GetCrawler on the two crawler ARNs exactly', () => {
    const glue = pipelineStatements(defaults.template).filter(s => asList<string>(s.Action).some(a => a.startsWith('glue:')));
    expect(new Set(glue.flatMap(s => asList<string>(s.Action)))).toEqual(new Set(['glue:StartCrawler', 'glue:GetCrawler']));
    const resources = new Set(glue.flatMap(s => asList(s.Resource)).map(r => JSON.stringify(r)));
    expect(resources).toEqual(new Set([
      JSON.stringify(arn(`:glue:eu-west-1:123456789012:crawler/${RAW_CRAWLER}`)),
      JSON.stringify(arn(`:glue:eu-west-1:123456789012:crawler/${CURATED_CRAWLER}`)),
    ]));
  });

  test('CodeBuild: start, stop and read the builds of the dbt project only, and the .sync rule that Step Functions manages', () => {
    const statements = pipelineStatements(defaults.template);
    const codebuild = statements.filter(s => asList<string>(s.Action).some(a => a.startsWith('codebuild:')));
    expect(codebuild).toEqual([expect.objectContaining({
      Action: ['codebuild:StartBuild', 'codebuild:StopBuild', 'codebuild:BatchGetBuilds', 'codebuild:BatchGetReports'],
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^DbtProject/), 'Arn'] },
    })]);
    const events = statements.filter(s => asList<string>(s.Action).some(a => a.startsWith('events:')));
    expect(events).toEqual([expect.objectContaining({
      Resource: arn(':events:eu-west-1:123456789012:rule/StepFunctionsGetEventForCodeBuildStartBuildRule'),
    })]);
  });

  test('no Athena, S3, KMS or Lake Formation permission for the default steps', () => {
    const actions = pipelineStatements(defaults.template).flatMap(s => asList<string>(s.Action));
    expect(actions.filter(a => /^(athena|s3|kms|lakeformation):/.test(a))).toEqual([]);
  });

  test('grantStartAndWatch: StartExecution on the machine, DescribeExecution on its executions, nothing else', () => {
    let role: iam.Role | undefined;
    const { template } = synth(stack => {
      const pipeline = new LakehousePipeline(stack, 'Pipeline', requiredProps(stack));
      role = new iam.Role(stack, 'Airflow', { assumedBy: new iam.ServicePrincipal('airflow.amazonaws.com') });
      pipeline.grantStartAndWatch(role);
    });
    const grants = policyStatements(template).filter(s => s.policy.startsWith('AirflowDefaultPolicy')).map(s => s.statement);
    expect(grants).toEqual([
      expect.objectContaining({ Action: 'states:StartExecution', Resource: { Ref: expect.stringMatching(/^PipelineStateMachine/) } }),
      expect.objectContaining({
        Action: 'states:DescribeExecution',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':states:eu-west-1:123456789012:execution:',
          { 'Fn::GetAtt': [expect.stringMatching(/^PipelineStateMachine/), 'Name'] }, ':*']] },
      }),
    ]);
  });
});

describe('validation', () => {
  const build = (props: Record<string, unknown>) => () => synth(stack => new LakehousePipeline(stack, 'P', { ...requiredProps(stack), ...props }));

  test.each([
    ['pipelineName', { pipelineName: 'has space' }],
    ['crawlerName', { rawCrawlerName: 'raw crawler' }],
    ['crawlerName', { curatedCrawlerName: '' }],
    ['crawlerPollInterval', { crawlerPollInterval: Duration.millis(1500) }],
    ['crawlerPollInterval', { crawlerPollInterval: Duration.hours(2) }],
    ['crawlerTimeout', { crawlerPollInterval: Duration.minutes(1), crawlerTimeout: Duration.seconds(30) }],
    ['crawlerTimeout', { crawlerPollInterval: Duration.seconds(1), crawlerTimeout: Duration.hours(1) }],
    ['timeout', { timeout: Duration.days(400) }],
    ['timeout', { timeout: Duration.millis(9_000_500) }],
  ])('rejects a bad %s', (prop, props) => {
    expectValidationError(build(props), prop);
  });

  test('a timeout must exceed the steps\' longest durations added up', () => {
    // Default steps: two 30-minute crawls and a 1-hour job that may queue 15 minutes: 8,100 seconds.
    expectValidationError(build({ timeout: Duration.seconds(8100) }), 'timeout',
      /timeout must be later than the steps' longest durations added up \(8100 seconds\); got 8100 seconds/);
    expect(build({ timeout: Duration.seconds(8101) })).not.toThrow();
  });

  test('refuses a pipelineName longer than the 128 characters a run accepts', () => {
    expect(build({ pipelineName: 'p'.repeat(128) })).not.toThrow();
    expect(build({ pipelineName: 'p'.repeat(129) }))
      .toThrow(/pipelineName must be 1 to 128 letters, digits, "_", "\." and "-" \(a lakehouse pipeline name\); got "p{129}"/);
  });
});

describe('cdk-nag', () => {
  test('AwsSolutions is clean with defaults', () => {
    const findings = nagFindings(stack => new LakehousePipeline(stack, 'Pipeline', requiredProps(stack)));
    expect(formatFindings(findings)).toBe('');
  });

  test('AwsSolutions is clean with every optional prop, and SF1/SF2 pass without acknowledgement', () => {
    const findings = nagFindings(stack => {
      new LakehousePipeline(stack, 'Pipeline', {
        ...requiredProps(stack),
        naming: new Naming({ project: 'lakehouse', environment: 'sandbox' }),
        pipelineName: 'events',
        crawlerPollInterval: Duration.seconds(10),
        crawlerTimeout: Duration.minutes(20),
        timeout: Duration.hours(4),
        logRetention: logs.RetentionDays.THREE_MONTHS,
        encryptionKey: new kms.Key(stack, 'LogKey', { enableKeyRotation: true }),
        alarmTopic: new sns.Topic(stack, 'Alerts', { enforceSSL: true, masterKey: new kms.Key(stack, 'TopicKey', { enableKeyRotation: true }) }),
      });
    });
    expect(formatFindings(findings)).toBe('');
  });

  test('a "*" added to the pipeline role after construction fails synthesis, naming its actions', () => {
    expect(() => synth(stack => {
      const pipeline = new LakehousePipeline(stack, 'Pipeline', requiredProps(stack));
      iam.Grant.addToPrincipal({ grantee: pipeline.stateMachine, actions: ['s3:ListAllMyBuckets'], resourceArns: ['*'] });
    })).toThrow(/Pipeline\/StateMachineRole\/DefaultPolicy\] the role of Test\/Pipeline\/StateMachine allows s3:ListAllMyBuckets on Resource "\*"/);
  });

  test('a "*" added to the stuck-run closer\'s role fails synthesis too', () => {
    expect(() => synth(stack => {
      const pipeline = new LakehousePipeline(stack, 'Pipeline', requiredProps(stack));
      iam.Grant.addToPrincipal({ grantee: pipeline.stuckRunCloser, actions: ['dynamodb:Scan'], resourceArns: ['*'] });
    })).toThrow(/StuckRunCloser\/StateMachine allows dynamodb:Scan on Resource "\*"/);
  });

  test('the AwsSolutions, NIST 800-53 R5 and HIPAA Security packs are clean with the dbt job and an encrypted alarm topic', () => {
    const findings = nagFindings(stack => {
      const app = stack.node.root as App;
      Validations.of(app).addPlugins(new NIST80053R5Checks(app), new HIPAASecurityChecks(app));
      new LakehousePipeline(stack, 'Pipeline', {
        ...requiredProps(stack),
        naming: new Naming({ project: 'lakehouse', environment: 'sandbox' }),
        alarmTopic: new sns.Topic(stack, 'Alerts', { enforceSSL: true, masterKey: new kms.Key(stack, 'TopicKey', { enableKeyRotation: true }) }),
      });
    });
    expect(formatFindings(findings)).toBe('');
  });

  test('without the acknowledgements the compliance packs report the default policies and the dbt project source (the test can fail)', () => {
    const findings = nagFindings(stack => {
      const app = stack.node.root as App;
      Validations.of(app).addPlugins(new NIST80053R5Checks(app), new HIPAASecurityChecks(app));
      const role = new iam.Role(stack, 'Plain', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });
      role.addToPolicy(new iam.PolicyStatement({ actions: ['dynamodb:GetItem'], resources: ['arn:aws:dynamodb:eu-west-1:123456789012:table/runs'] }));
    });
    expect(findings.map(f => f.rule)).toEqual(expect.arrayContaining(['NIST.800.53.R5-IAMNoInlinePolicy', 'HIPAA.Security-IAMNoInlinePolicy']));
  });

  test('the state machines themselves carry no acknowledgement for SF1 or SF2', () => {
    const { stack } = synth(s => new LakehousePipeline(s, 'Pipeline', { ...requiredProps(s), runsTable: runsTableOf(s) }));
    const machines = stack.node.findAll().filter(c => c instanceof sfn.StateMachine);
    expect(machines).toHaveLength(2);
    for (const machine of machines) {
      expect(JSON.stringify(machine.node.findAll().map(c => c.node.metadata))).not.toMatch(/AwsSolutions-SF[12]/);
    }
  });
});
