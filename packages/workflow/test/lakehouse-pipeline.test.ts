import { Naming } from '@lakehouse-cdk/core';
import { asList, formatFindings, nagFindings, policyStatements, synth } from '@lakehouse-cdk/testing';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { ITransformationStep, LakehousePipeline, TransformationContext, TransformationStep } from '../src';
import { CURATED_CRAWLER, PipelineSynth, RAW_CRAWLER, WORKGROUP, definitionOf, everyPathTerminates, requiredProps, synthPipeline, withResultsBucket } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator = require('asl-validator');

const TASK_STATES = [
  'RecordPipelineStart', 'StartRawCrawler', 'GetRawCrawlerState', 'GetRawCrawlResult', 'RunDbtTransformations',
  'StartCuratedCrawler', 'GetCuratedCrawlerState', 'GetCuratedCrawlResult', 'RecordPipelineSuccess', 'RecordPipelineFailure',
];

let defaults: PipelineSynth;
beforeAll(() => {
  defaults = synthPipeline();
});

describe('the definition', () => {
  test('is valid Amazon States Language', () => {
    const result = aslValidator(defaults.definition, { checkPaths: true, checkArn: true });
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  test('has the documented states, in the documented order', () => {
    const states = defaults.definition.States;
    expect(defaults.definition.StartAt).toBe('ValidateInput');
    for (const name of [...TASK_STATES, 'WaitForRawCrawler', 'WaitForCuratedCrawler', 'PipelineAlreadyRunning', 'PipelineFailed', 'PipelineSucceeded']) {
      expect(states).toHaveProperty([name]);
    }
    expect(states.CheckExecutionDate.Choices[0].Next).toBe('RecordPipelineStart');
    expect(states.RecordPipelineStart.Next).toBe('StartRawCrawler');
    expect(states.StartRawCrawler.Next).toBe('WaitForRawCrawler');
    expect(states.CheckRawCrawlResult.Choices[0].Next).toBe('RunDbtTransformations');
    expect(states.RunDbtTransformations.Next).toBe('StartCuratedCrawler');
    expect(states.StartCuratedCrawler.Next).toBe('WaitForCuratedCrawler');
    expect(states.CheckCuratedCrawlResult.Choices[0].Next).toBe('RecordPipelineSuccess');
    expect(states.RecordPipelineSuccess.Next).toBe('PipelineSucceeded');
    expect(states.RecordPipelineFailure.Next).toBe('PipelineFailed');
    expect(everyPathTerminates(defaults.definition)).toEqual([]);
  });

  test('uses JSONPath', () => {
    expect(defaults.definition.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
  });

  test('every task retries transient errors with backoff and full jitter, never States.ALL or States.TaskFailed', () => {
    for (const name of TASK_STATES) {
      const retry = defaults.definition.States[name].Retry;
      expect(retry).toHaveLength(1);
      expect(retry[0]).toMatchObject({ BackoffRate: 2, IntervalSeconds: 2, MaxAttempts: 4, MaxDelaySeconds: 60, JitterStrategy: 'FULL' });
      expect(retry[0].ErrorEquals).not.toContain('States.ALL');
      expect(retry[0].ErrorEquals).not.toContain('States.TaskFailed');
    }
    expect(defaults.definition.States.RecordPipelineStart.Retry[0].ErrorEquals).toContain('DynamoDB.ProvisionedThroughputExceededException');
    expect(defaults.definition.States.StartRawCrawler.Retry[0].ErrorEquals).toContain('Glue.OperationTimeoutException');
    expect(defaults.definition.States.RunDbtTransformations.Retry[0].ErrorEquals).toContain('Athena.TooManyRequestsException');
  });

  test('a refused start goes to PipelineAlreadyRunning, not to RecordPipelineFailure', () => {
    const start = defaults.definition.States.RecordPipelineStart;
    expect(start.Catch[0]).toEqual({ ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], ResultPath: '$.failure', Next: 'PipelineAlreadyRunning' });
    expect(start.Catch[1]).toEqual({ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'RecordPipelineFailure' });
    expect(defaults.definition.States.PipelineAlreadyRunning).toMatchObject({ Type: 'Fail', Error: 'Lakehouse.PipelineAlreadyRunning' });
  });

  test('the start record is conditional: refused only while another execution runs that pipeline and date', () => {
    const parameters = defaults.definition.States.RecordPipelineStart.Parameters;
    expect(parameters.ConditionExpression).toBe('attribute_not_exists(pipeline_name) OR #status <> :running OR #execution_arn = :execution_arn');
    expect(parameters.ExpressionAttributeValues).toEqual({ ':running': { S: 'RUNNING' }, ':execution_arn': { 'S.$': '$$.Execution.Id' } });
    expect(parameters.Item).toEqual({
      pipeline_name: { 'S.$': '$.pipeline_name' },
      execution_date: { 'S.$': '$.execution_date' },
      status: { S: 'RUNNING' },
      start_time: { 'S.$': '$$.State.EnteredTime' },
      execution_arn: { 'S.$': '$$.Execution.Id' },
    });
  });

  test('the outcome records write SUCCEEDED or FAILED with the error and cause, only on this execution\'s record', () => {
    const success = defaults.definition.States.RecordPipelineSuccess.Parameters;
    expect(success.UpdateExpression).toBe('SET #status = :succeeded, #end_time = :end_time');
    expect(success.ExpressionAttributeValues[':succeeded']).toEqual({ S: 'SUCCEEDED' });
    const failure = defaults.definition.States.RecordPipelineFailure.Parameters;
    expect(failure.UpdateExpression).toBe('SET #status = :failed, #end_time = :end_time, #error = :error, #cause = :cause');
    expect(failure.ExpressionAttributeValues).toMatchObject({
      ':failed': { S: 'FAILED' }, ':error': { 'S.$': '$.failure.Error' }, ':cause': { 'S.$': '$.failure.Cause' },
    });
    for (const parameters of [success, failure]) {
      expect(parameters.ConditionExpression).toBe('#execution_arn = :execution_arn');
      expect(parameters.ExpressionAttributeValues[':end_time']).toEqual({ 'S.$': '$$.State.EnteredTime' });
    }
  });

  test('a failed record-failure still fails the execution, with the run\'s error', () => {
    const states = defaults.definition.States;
    expect(states.RecordPipelineFailure.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.record_failure_error', Next: 'PipelineFailureNotRecorded' }]);
    expect(states.PipelineFailureNotRecorded).toMatchObject({ Type: 'Fail', ErrorPath: '$.failure.Error', CausePath: '$.failure.Cause' });
    expect(states.PipelineFailed).toMatchObject({ Type: 'Fail', ErrorPath: '$.failure.Error', CausePath: '$.failure.Cause' });
  });

  test('named errors: invalid input, crawl failed and crawler timeout', () => {
    const states = defaults.definition.States;
    expect(states.InvalidExecutionDate).toMatchObject({ Type: 'Fail', Error: 'Lakehouse.InvalidExecutionDate' });
    expect(states.InvalidPipelineName).toMatchObject({ Type: 'Fail', Error: 'Lakehouse.InvalidPipelineName' });
    for (const layer of ['Raw', 'Curated']) {
      expect(states[`${layer}CrawlFailed`].Parameters.Error).toBe('Lakehouse.CrawlFailed');
      expect(states[`${layer}CrawlFailed`].Next).toBe('RecordPipelineFailure');
      expect(states[`${layer}CrawlerTimedOut`].Parameters.Error).toBe('Lakehouse.CrawlerTimeout');
      expect(states[`${layer}CrawlerTimedOut`].Next).toBe('RecordPipelineFailure');
    }
  });

  test('a crawler already running is waited for', () => {
    for (const layer of ['Raw', 'Curated']) {
      const start = defaults.definition.States[`Start${layer}Crawler`];
      expect(start.Catch[0]).toMatchObject({ ErrorEquals: ['Glue.CrawlerRunningException', 'glue.CrawlerRunningException'], Next: `${layer}CrawlerAlreadyRunning` });
      expect(defaults.definition.States[`${layer}CrawlerAlreadyRunning`].Next).toBe(`WaitFor${layer}Crawler`);
    }
  });

  test('default poll: every 30 s, timed out after 60 polls (30 minutes)', () => {
    const states = defaults.definition.States;
    expect(states.WaitForRawCrawler).toMatchObject({ Type: 'Wait', Seconds: 30, Next: 'CountRawCrawlerPoll' });
    expect(states.IsRawCrawlerReady.Choices[1]).toEqual({ Variable: '$.raw_crawler.polls', NumericGreaterThanEquals: 60, Next: 'RawCrawlerTimedOut' });
    expect(states.IsRawCrawlerReady.Default).toBe('WaitForRawCrawler');
    expect(states.IsCuratedCrawlerReady.Choices[1].NumericGreaterThanEquals).toBe(60);
  });

  test('GetCrawler keeps only the crawler state, and the last crawl status once READY', () => {
    const states = defaults.definition.States;
    expect(states.GetRawCrawlerState).toMatchObject({
      Resource: 'arn:aws:states:::aws-sdk:glue:getCrawler',
      Parameters: { Name: RAW_CRAWLER },
      ResultSelector: { 'State.$': '$.Crawler.State' },
    });
    expect(states.IsRawCrawlerReady.Choices[0]).toEqual({ Variable: '$.raw_crawler.crawler.State', StringEquals: 'READY', Next: 'GetRawCrawlResult' });
    expect(states.GetRawCrawlResult.ResultSelector).toEqual({ 'Status.$': '$.Crawler.LastCrawl.Status' });
    expect(states.StartCuratedCrawler.Parameters).toEqual({ Name: CURATED_CRAWLER });
  });

  test('the default transformation is SELECT 1 in the workgroup, request-response', () => {
    const transformation = defaults.definition.States.RunDbtTransformations;
    expect(transformation.Resource).toBe('arn:aws:states:::athena:startQueryExecution');
    expect(transformation.Parameters).toMatchObject({ QueryString: 'SELECT 1', WorkGroup: WORKGROUP });
    expect(transformation.ResultPath).toBe('$.transformation');
  });

  test('without resultsBucket and catalogDatabaseName the query sets no result location and no database', () => {
    const parameters = defaults.definition.States.RunDbtTransformations.Parameters;
    // aws-cdk-lib renders an empty ResultConfiguration; the workgroup's enforced location then applies.
    expect(parameters.ResultConfiguration ?? {}).toEqual({});
    expect(parameters).not.toHaveProperty('QueryExecutionContext');
  });

  test('the default pipeline name is lakehouse-pipeline', () => {
    expect(defaults.definition.States.ApplyDefaultPipelineName).toMatchObject({ Result: 'lakehouse-pipeline', ResultPath: '$.pipeline_name' });
    expect(defaults.pipeline.pipelineName).toBe('lakehouse-pipeline');
  });
});

describe('operations defaults', () => {
  test('a STANDARD state machine with a 2-hour timeout, X-Ray tracing and logging ALL with execution data', () => {
    defaults.template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: true,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('PipelineLogGroup'), 'Arn'] } } }],
      },
    });
    expect(defaults.definition.TimeoutSeconds).toBe(7200);
  });

  test('the log group is KMS-encrypted, kept a month, under /aws/vendedlogs/states/ and retained', () => {
    defaults.template.hasResource('AWS::Logs::LogGroup', {
      Properties: {
        RetentionInDays: 30,
        KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('PipelineLogKey'), 'Arn'] },
        LogGroupName: Match.stringLikeRegexp('^/aws/vendedlogs/states/'),
      },
      DeletionPolicy: 'Retain',
    });
  });

  test('the log key rotates, is retained, and lets only CloudWatch Logs of this log group use it', () => {
    defaults.template.hasResource('AWS::KMS::Key', { Properties: { EnableKeyRotation: true }, DeletionPolicy: 'Retain' });
    const key = Object.values(defaults.template.findResources('AWS::KMS::Key'))[0] as any;
    const logsStatement = key.Properties.KeyPolicy.Statement.find((s: any) => s.Sid === 'AllowCloudWatchLogsForPipelineLogs');
    expect(logsStatement.Principal).toEqual({ Service: 'logs.eu-west-1.amazonaws.com' });
    expect(JSON.stringify(logsStatement.Condition.ArnEquals['kms:EncryptionContext:aws:logs:arn'])).toContain(':log-group:/aws/vendedlogs/states/');
  });

  test('three alarms, on failed, timed-out and aborted executions, at 1 in 1 period, with no action by default', () => {
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted']) {
      defaults.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metric,
        Namespace: 'AWS/States',
        Statistic: 'Sum',
        Threshold: 1,
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: Match.absent(),
      });
    }
    defaults.template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
  });

  test('tags its resources with Layer=workflow', () => {
    defaults.template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      Tags: Match.arrayWith([{ Key: 'Layer', Value: 'workflow' }]),
    });
    defaults.template.hasResourceProperties('AWS::KMS::Key', { Tags: Match.arrayWith([{ Key: 'Layer', Value: 'workflow' }]) });
  });

  test('no names without a naming convention, except the log group', () => {
    defaults.template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineName: Match.absent() });
    const alarms = Object.values(defaults.template.findResources('AWS::CloudWatch::Alarm')) as any[];
    expect(alarms).toHaveLength(3);
    for (const alarm of alarms) expect(alarm.Properties).not.toHaveProperty('AlarmName');
  });

  test('without naming the log group is /aws/vendedlogs/states/<unique id of the construct>, and the key policy names it', () => {
    const logGroupName = (Object.values(defaults.template.findResources('AWS::Logs::LogGroup'))[0] as any).Properties.LogGroupName;
    expect(logGroupName).toMatch(/^\/aws\/vendedlogs\/states\/TestPipeline[0-9A-F]{8}$/);
    const key = Object.values(defaults.template.findResources('AWS::KMS::Key'))[0] as any;
    const logsStatement = key.Properties.KeyPolicy.Statement.find((s: any) => s.Sid === 'AllowCloudWatchLogsForPipelineLogs');
    expect(JSON.stringify(logsStatement.Condition.ArnEquals['kms:EncryptionContext:aws:logs:arn'])).toContain(`:log-group:${logGroupName}`);
  });
});

describe('props', () => {
  test('naming names the state machine, its log group and its alarms', () => {
    const naming = new Naming({ project: 'lakehouse', environment: 'sandbox' });
    const { template } = synthPipeline(() => ({ naming }));
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineName: 'lakehouse-sandbox-pipeline' });
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/aws/vendedlogs/states/lakehouse-sandbox-pipeline' });
    for (const suffix of ['executions-failed', 'executions-timed-out', 'executions-aborted']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: `lakehouse-sandbox-pipeline-${suffix}` });
    }
  });

  test('poll interval, crawler timeout, timeout, retention and pipeline name', () => {
    const { template, definition } = synthPipeline(() => ({
      crawlerPollInterval: Duration.seconds(20),
      crawlerTimeout: Duration.minutes(15),
      timeout: Duration.hours(1),
      logRetention: logs.RetentionDays.ONE_WEEK,
      pipelineName: 'events',
    }));
    expect(definition.States.WaitForCuratedCrawler.Seconds).toBe(20);
    expect(definition.States.IsCuratedCrawlerReady.Choices[1].NumericGreaterThanEquals).toBe(45);
    expect(definition.TimeoutSeconds).toBe(3600);
    expect(definition.States.ApplyDefaultPipelineName.Result).toBe('events');
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
  });

  test('a crawler timeout that is not a multiple of the interval rounds the polls up', () => {
    const { definition } = synthPipeline(() => ({ crawlerPollInterval: Duration.seconds(40), crawlerTimeout: Duration.minutes(1) }));
    expect(definition.States.IsRawCrawlerReady.Choices[1].NumericGreaterThanEquals).toBe(2);
  });

  test('alarmTopic becomes the action of every alarm', () => {
    const { template } = synthPipeline(stack => ({ alarmTopic: new sns.Topic(stack, 'Alerts') }));
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as any[];
    expect(alarms).toHaveLength(3);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^Alerts/) }]);
    }
  });

  test('encryptionKey replaces the created key, and its policy lets CloudWatch Logs use it for this log group', () => {
    let ownKey: kms.Key | undefined;
    const { template, pipeline } = synthPipeline(stack => {
      ownKey = new kms.Key(stack, 'OwnKey', { enableKeyRotation: true });
      return { encryptionKey: ownKey };
    });
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OwnKey'), 'Arn'] } });
    expect(pipeline.logEncryptionKey).toBe(ownKey);
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'AllowCloudWatchLogsForPipelineLogs', Principal: { Service: 'logs.eu-west-1.amazonaws.com' } })]) },
    });
  });

  test('removalPolicy DESTROY is honoured only with the context flag', () => {
    const destroyed = synth(stack => new LakehousePipeline(stack, 'P', { ...requiredProps(stack), removalPolicy: RemovalPolicy.DESTROY }),
      { '@lakehouse-cdk/core:removeDataOnDestroy': true });
    destroyed.template.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Delete' });
    destroyed.template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
    const kept = synth(stack => new LakehousePipeline(stack, 'P', { ...requiredProps(stack), removalPolicy: RemovalPolicy.DESTROY }));
    kept.template.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain' });
    kept.template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
  });

  test('resultsPrefix left out: the query writes under athena-results/ of the results bucket', () => {
    const { definition } = synthPipeline(withResultsBucket);
    expect(definition.States.RunDbtTransformations.Parameters.ResultConfiguration)
      .toEqual({ OutputLocation: 's3://lakehouse-sandbox-data-lake/athena-results/' });
  });

  test('results bucket, prefix, key and catalog database shape the query and its grants', () => {
    const { definition, template } = synthPipeline(stack => ({
      ...withResultsBucket(stack),
      resultsPrefix: 'query-results/pipeline/',
      resultsKey: kms.Key.fromKeyArn(stack, 'ResultsKey', 'arn:aws:kms:eu-west-1:123456789012:key/1111-2222'),
      catalogDatabaseName: 'lakehouse_sandbox',
    }));
    expect(definition.States.RunDbtTransformations.Parameters).toMatchObject({
      QueryExecutionContext: { Database: 'lakehouse_sandbox' },
      ResultConfiguration: { OutputLocation: 's3://lakehouse-sandbox-data-lake/query-results/pipeline/' },
    });
    const statements = policyStatements(template).map(s => s.statement);
    const bySid = (sid: string) => statements.find(s => s.Sid === sid);
    expect(JSON.stringify(bySid('WriteQueryResults').Resource)).toContain('lakehouse-sandbox-data-lake/query-results/pipeline/*');
    expect(bySid('EncryptQueryResults')).toMatchObject({ Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: 'arn:aws:kms:eu-west-1:123456789012:key/1111-2222' });
    expect(JSON.stringify(bySid('ReadTransformationCatalog').Resource)).toContain(':table/lakehouse_sandbox/*');
    expect(asList(bySid('ReadTransformationCatalog').Action)).not.toContain('glue:CreateTable');
  });

  test('a custom transformation step replaces the Athena query and keeps Retry and Catch', () => {
    const step: ITransformationStep = {
      bind: (scope: Construct, context: TransformationContext) => ({
        task: new tasks.CallAwsService(scope, context.stateId, {
          service: 'codebuild', action: 'startBuild', parameters: { ProjectName: 'dbt' },
          iamResources: ['arn:aws:codebuild:eu-west-1:123456789012:project/dbt'], resultPath: context.resultPath,
        }),
        transientErrors: ['CodeBuild.CodeBuildException'],
      }),
    };
    const { definition } = synthPipeline(() => ({ transformationStep: step }));
    const transformation = definition.States.RunDbtTransformations;
    expect(transformation.Resource).toBe('arn:aws:states:::aws-sdk:codebuild:startBuild');
    expect(transformation.Retry[0].ErrorEquals).toEqual(['CodeBuild.CodeBuildException']);
    expect(transformation.Catch[0].Next).toBe('RecordPipelineFailure');
  });

  test('TransformationStep.athenaQuery defaults: SELECT 1, and the pipeline workgroup', () => {
    const ownQuery = synthPipeline(() => ({ transformationStep: TransformationStep.athenaQuery({ queryString: 'SELECT 2' }) })).definition;
    expect(ownQuery.States.RunDbtTransformations.Parameters).toMatchObject({ QueryString: 'SELECT 2', WorkGroup: WORKGROUP });
    const ownWorkGroup = synthPipeline(() => ({ transformationStep: TransformationStep.athenaQuery({ workGroup: 'transformations' }) })).definition;
    expect(ownWorkGroup.States.RunDbtTransformations.Parameters).toMatchObject({ QueryString: 'SELECT 1', WorkGroup: 'transformations' });
  });

  test('TransformationStep.athenaQuery takes its own query and workgroup', () => {
    const { definition, template } = synthPipeline(() => ({
      transformationStep: TransformationStep.athenaQuery({ queryString: 'SELECT count(*) FROM raw_events', workGroup: 'transformations' }),
    }));
    expect(definition.States.RunDbtTransformations.Parameters).toMatchObject({ QueryString: 'SELECT count(*) FROM raw_events', WorkGroup: 'transformations' });
    const athena = policyStatements(template).map(s => s.statement).find(s => s.Sid === 'RunTransformationQuery');
    expect(athena.Resource).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':athena:eu-west-1:123456789012:workgroup/transformations']] });
  });
});

describe('IAM', () => {
  const allStatements = (template: Template) => policyStatements(template).map(s => s.statement);
  const arn = (rest: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]] });

  test('Resource "*" only for the log delivery and X-Ray statements', () => {
    const { template } = synthPipeline(withResultsBucket);
    const starStatements = allStatements(template).filter(s => asList(s.Resource).includes('*'));
    expect(starStatements).toHaveLength(2);
    const starActions = starStatements.flatMap(s => asList<string>(s.Action));
    expect(starActions.every(action => action.startsWith('logs:') || action.startsWith('xray:'))).toBe(true);
  });

  test('DynamoDB: PutItem and UpdateItem on the runs table only', () => {
    const dynamo = allStatements(defaults.template).filter(s => asList<string>(s.Action).some(a => a.startsWith('dynamodb:')));
    expect(dynamo.flatMap(s => asList<string>(s.Action)).sort()).toEqual(['dynamodb:PutItem', 'dynamodb:UpdateItem']);
    for (const statement of dynamo) {
      expect(statement.Resource).toEqual(arn(':dynamodb:eu-west-1:123456789012:table/lakehouse-sandbox-pipeline-runs'));
    }
  });

  test('Glue: StartCrawler and GetCrawler on the two crawler ARNs exactly', () => {
    const glue = allStatements(defaults.template).filter(s => asList<string>(s.Action).some(a => a.startsWith('glue:')));
    expect(new Set(glue.flatMap(s => asList<string>(s.Action)))).toEqual(new Set(['glue:StartCrawler', 'glue:GetCrawler']));
    const resources = new Set(glue.flatMap(s => asList(s.Resource)).map(r => JSON.stringify(r)));
    expect(resources).toEqual(new Set([
      JSON.stringify(arn(`:glue:eu-west-1:123456789012:crawler/${RAW_CRAWLER}`)),
      JSON.stringify(arn(`:glue:eu-west-1:123456789012:crawler/${CURATED_CRAWLER}`)),
    ]));
  });

  test('Athena: start and get query executions on the workgroup only; no S3, Glue or Lake Formation without their props', () => {
    const statements = allStatements(defaults.template);
    const athena = statements.filter(s => asList<string>(s.Action).some(a => a.startsWith('athena:')));
    expect(athena).toEqual([expect.objectContaining({
      Action: ['athena:StartQueryExecution', 'athena:GetQueryExecution'],
      Resource: arn(`:athena:eu-west-1:123456789012:workgroup/${WORKGROUP}`),
    })]);
    const actions = statements.flatMap(s => asList<string>(s.Action));
    expect(actions.filter(a => /^(s3|lakeformation|kms):/.test(a))).toEqual([]);
    expect(actions.filter(a => a.startsWith('glue:') && !['glue:StartCrawler', 'glue:GetCrawler'].includes(a))).toEqual([]);
  });

  test('S3: the results prefix only, with no bucket-wide object access', () => {
    const { template } = synthPipeline(withResultsBucket);
    const s3Statements = allStatements(template).filter(s => asList<string>(s.Action).some(a => a.startsWith('s3:')));
    const resources = s3Statements.flatMap(s => asList(s.Resource)).map(r => JSON.stringify(r));
    expect(resources.sort()).toEqual([
      JSON.stringify(arn(':s3:::lakehouse-sandbox-data-lake')),
      JSON.stringify(arn(':s3:::lakehouse-sandbox-data-lake/athena-results/*')),
    ].sort());
    expect(s3Statements.flatMap(s => asList<string>(s.Action))).not.toContain('s3:CreateBucket');
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
    ['rawCrawlerName', { rawCrawlerName: 'raw crawler' }],
    ['curatedCrawlerName', { curatedCrawlerName: '' }],
    ['athenaWorkGroupName', { athenaWorkGroupName: 'work/group' }],
    ['catalogDatabaseName', { catalogDatabaseName: 'Lakehouse-DB' }],
    ['resultsPrefix', { resultsPrefix: '/athena-results/' }],
    ['resultsPrefix', { resultsPrefix: 'athena-results' }],
    ['crawlerPollInterval', { crawlerPollInterval: Duration.millis(1500) }],
    ['crawlerPollInterval', { crawlerPollInterval: Duration.hours(2) }],
    ['crawlerTimeout', { crawlerPollInterval: Duration.minutes(1), crawlerTimeout: Duration.seconds(30) }],
    ['crawlerTimeout', { crawlerPollInterval: Duration.seconds(1), crawlerTimeout: Duration.hours(1) }],
    ['timeout', { crawlerTimeout: Duration.minutes(30), timeout: Duration.minutes(59) }],
    ['timeout', { timeout: Duration.days(400) }],
    ['timeout', { timeout: Duration.millis(7_200_500) }],
    ['queryString', { transformationStep: TransformationStep.athenaQuery({ queryString: '' }) }],
    ['workGroup', { transformationStep: TransformationStep.athenaQuery({ workGroup: 'a b' }) }],
  ])('rejects a bad %s', (prop, props) => {
    let error: any;
    try {
      build(props)();
    } catch (e) {
      error = e;
    }
    expect(error?.name).toBe('LakehouseValidationError');
    expect(error.message).toContain(prop);
  });

  test.each([
    ['a*/', 'would grant s3:PutObject on every key starting with "a"'],
    ['../', 'would point OutputLocation outside the bucket path'],
    ['athena/./results/', 'holds a "." segment'],
  ])('refuses resultsPrefix %j, which %s, with the named error', (prefix) => {
    let error: any;
    try {
      synth(stack => new LakehousePipeline(stack, 'P', { ...requiredProps(stack), resultsBucket: new s3.Bucket(stack, 'Results'), resultsPrefix: prefix }));
    } catch (e) {
      error = e;
    }
    expect(error?.name).toBe('LakehouseValidationError');
    expect(error.message).toContain(`P: resultsPrefix must be a relative S3 key prefix`);
    expect(error.message).toMatch(/no wildcard such as "\*", no "\." or "\.\." segment/);
    expect(error.message).toContain(`; got ${JSON.stringify(prefix)}`);
  });

  test('refuses a pipelineName longer than the 128 characters a run accepts', () => {
    expect(build({ pipelineName: 'p'.repeat(128) })).not.toThrow();
    expect(build({ pipelineName: 'p'.repeat(129) }))
      .toThrow(/pipelineName must be 1 to 128 letters, digits, "_", "\." and "-" \(a lakehouse pipeline name\); got "p{129}"/);
  });

  test('rejects a transformation step with another state id or no transient errors', () => {
    const pass = (id: string, transientErrors: string[]): ITransformationStep => ({
      bind: (scope: Construct) => ({
        task: new tasks.EvaluateExpression(scope, id, { expression: '1 + 1' }),
        transientErrors,
      }),
    });
    expect(build({ transformationStep: pass('Transform', ['Lambda.ServiceException']) })).toThrow(/transformationStep.*RunDbtTransformations/);
    expect(build({ transformationStep: pass('RunDbtTransformations', []) })).toThrow(/transformationStep.*at least one transient error/);
  });

  test('skips unresolved crawler names', () => {
    const { template } = synth(stack => {
      const props = requiredProps(stack);
      new LakehousePipeline(stack, 'P', { ...props, rawCrawlerName: new s3.Bucket(stack, 'B').bucketName });
    });
    expect(definitionOf(template).States.StartRawCrawler.Parameters.Name).toMatch(/^\$\{B/);
  });
});

describe('cdk-nag', () => {
  test('AwsSolutions is clean with defaults', () => {
    const findings = nagFindings(stack => new LakehousePipeline(stack, 'Pipeline', requiredProps(stack)));
    expect(formatFindings(findings)).toBe('');
  });

  test('AwsSolutions is clean with every optional prop, and SF1/SF2 pass without acknowledgement', () => {
    const findings = nagFindings(stack => {
      const bucket = new s3.Bucket(stack, 'Results', { enforceSSL: true, serverAccessLogsPrefix: 'logs/' });
      new LakehousePipeline(stack, 'Pipeline', {
        ...requiredProps(stack),
        naming: new Naming({ project: 'lakehouse', environment: 'sandbox' }),
        resultsBucket: bucket,
        resultsKey: new kms.Key(stack, 'ResultsKey', { enableKeyRotation: true }),
        catalogDatabaseName: 'lakehouse_sandbox',
        alarmTopic: new sns.Topic(stack, 'Alerts', { enforceSSL: true, masterKey: new kms.Key(stack, 'TopicKey', { enableKeyRotation: true }) }),
      });
    });
    expect(formatFindings(findings)).toBe('');
  });

  test('a foreign Resource "*" statement fails synthesis, naming its actions, instead of hiding under the log-delivery acknowledgement', () => {
    const wildcardStep: ITransformationStep = {
      bind: (scope: Construct, context: TransformationContext) => ({
        task: new tasks.CallAwsService(scope, context.stateId, {
          service: 'athena', action: 'listWorkGroups', iamResources: ['*'], resultPath: context.resultPath,
        }),
        transientErrors: ['Athena.TooManyRequestsException'],
      }),
    };
    expect(() => synth(stack => new LakehousePipeline(stack, 'Pipeline', { ...requiredProps(stack), transformationStep: wildcardStep })))
      .toThrow(/Pipeline\/StateMachine\/Role\/DefaultPolicy\] the pipeline role allows athena:listWorkGroups on Resource "\*"/);
  });

  test('a "*" added to the role after construction fails synthesis too', () => {
    expect(() => synth(stack => {
      const pipeline = new LakehousePipeline(stack, 'Pipeline', requiredProps(stack));
      iam.Grant.addToPrincipal({ grantee: pipeline.stateMachine, actions: ['s3:ListAllMyBuckets'], resourceArns: ['*'] });
    })).toThrow(/allows s3:ListAllMyBuckets on Resource "\*"/);
  });

  test('a custom step\'s wildcard resources are acknowledged only when its config declares them', () => {
    const project = 'arn:aws:codebuild:eu-west-1:123456789012:project/dbt-*';
    const step = (declare: boolean): ITransformationStep => ({
      bind: (scope: Construct, context: TransformationContext) => ({
        task: new tasks.CallAwsService(scope, context.stateId, {
          service: 'codebuild', action: 'startBuild', parameters: { ProjectName: 'dbt-daily' },
          iamResources: [project], resultPath: context.resultPath,
        }),
        transientErrors: ['CodeBuild.CodeBuildException'],
        wildcardResources: declare ? [{ resource: project, reason: 'The dbt projects are created per environment' }] : undefined,
      }),
    });
    const undeclared = nagFindings(stack => new LakehousePipeline(stack, 'Pipeline', { ...requiredProps(stack), transformationStep: step(false) }));
    expect(undeclared.map(f => f.rule)).toEqual([`AwsSolutions-IAM5[Resource::${project}]`]);
    const declared = nagFindings(stack => new LakehousePipeline(stack, 'Pipeline', { ...requiredProps(stack), transformationStep: step(true) }));
    expect(formatFindings(declared)).toBe('');
  });

  test('the state machine itself carries no acknowledgement for SF1 or SF2', () => {
    const { stack } = synth(s => new LakehousePipeline(s, 'Pipeline', requiredProps(s)));
    const machine = stack.node.findAll().find(c => c instanceof sfn.StateMachine)!;
    const acknowledged = JSON.stringify(machine.node.findAll().map(c => c.node.metadata));
    expect(acknowledged).not.toMatch(/AwsSolutions-SF[12]/);
  });
});
