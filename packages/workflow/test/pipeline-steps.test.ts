import { asList, expectValidationError, formatFindings, nagFindings, policyStatements, synth } from '@lakehouse-cdk/testing';
import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import {
  AthenaQueryStepOptions, DbtStepOptions, IPipelineStep, LakehousePipeline, LakehousePipelineProps, PipelineStep, PipelineStepConfig,
  PipelineStepContext, Weekday,
} from '../src';
import {
  CURATED_CRAWLER, DATA_LAKE_BUCKET, DATABASE, RAW_CRAWLER, WORKGROUP, aslErrors, dataLakeOf, dbtJob, definitionOf, entriesWithoutFailedState, everyPathTerminates,
  requiredProps, runsTableOf, synthPipeline, taskStates,
} from './helpers';

const arn = (rest: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]] });
const pipelineStatements = (template: Template) => policyStatements(template)
  .filter(s => /^PipelineStateMachineRoleDefaultPolicy/.test(s.policy)).map(s => s.statement);

const raw = () => PipelineStep.crawl({ name: 'Raw', crawlerName: RAW_CRAWLER });
const curated = () => PipelineStep.crawl({ name: 'Curated', crawlerName: CURATED_CRAWLER });
const query = (options: Partial<AthenaQueryStepOptions> = {}) => PipelineStep.athenaQuery({ workGroup: WORKGROUP, ...options });

/** The props of a pipeline of `steps(stack)`. */
const withSteps = (steps: (stack: Stack) => IPipelineStep[], extra: Partial<LakehousePipelineProps> = {}) =>
  (stack: Stack): LakehousePipelineProps => ({ runsTable: runsTableOf(stack), steps: steps(stack), ...extra });

/** The pipeline of one Athena query step with its defaults, synthesized once for the file: the tests only read it. */
let queryOnly: ReturnType<typeof synthPipeline> | undefined;
const queryOnlyPipeline = () => queryOnly ??= synthPipeline(withSteps(() => [query()]));

/**
 * A step written the way a user writes one: it starts a Glue job
 * (request-response) and names the errors worth retrying; the pipeline adds
 * the Retry and the Catch.
 */
class StartGlueJobStep implements IPipelineStep {
  constructor(public readonly name: string, private readonly extra: Partial<PipelineStepConfig> = {}, private readonly iamResource?: string) {}

  public bind(scope: Construct, context: PipelineStepContext): PipelineStepConfig {
    const task = new tasks.CallAwsService(scope, `Start${this.name}`, {
      service: 'glue',
      action: 'startJobRun',
      iamAction: 'glue:StartJobRun',
      iamResources: [this.iamResource ?? Stack.of(scope).formatArn({ service: 'glue', resource: 'job', resourceName: 'export-marts' })],
      parameters: { JobName: 'export-marts' },
      resultSelector: { 'JobRunId.$': '$.JobRunId' },
      resultPath: '$.export',
    });
    task.next(context.next);
    return { start: task, tasks: [{ task, transientErrors: ['Glue.ThrottlingException'] }], maxDuration: Duration.minutes(10), ...this.extra };
  }
}

describe('steps as a list', () => {
  const fourSteps = withSteps(stack => [
    raw(),
    PipelineStep.dbt(dbtJob(stack), { select: 'marts' }),
    query({ name: 'QualityCheck', queryString: 'SELECT count(*) FROM fct_events' }),
    curated(),
  ]);
  let four: ReturnType<typeof synthPipeline>;
  beforeAll(() => {
    four = synthPipeline(fourSteps);
  });

  test('four steps, one of them a second kind of query, run in the order given', () => {
    const states = four.definition.States;
    expect(four.pipeline.stepStartStates).toEqual(['StartRawCrawler', 'RunDbtTransformations', 'RunQualityCheck', 'StartCuratedCrawler']);
    expect(states.RecordPipelineStart.Next).toBe('StartRawCrawler');
    expect(states.CheckRawCrawlResult.Choices[0].Next).toBe('RunDbtTransformations');
    expect(states.RunDbtTransformations.Next).toBe('RunQualityCheck');
    expect(states.IsQualityCheckDone.Choices[0]).toEqual({ Variable: '$.quality_check_query.status.State', StringEquals: 'SUCCEEDED', Next: 'StartCuratedCrawler' });
    expect(states.CheckCuratedCrawlResult.Choices[0].Next).toBe('RecordPipelineSuccess');
    expect(four.definition.Comment).toContain('Raw → DbtTransformations → QualityCheck → Curated');
  });

  test('every task of every step retries and catches; every path ends; failed_state is always set; valid ASL', () => {
    for (const name of taskStates(four.definition)) {
      const state = four.definition.States[name];
      expect(state.Retry).toHaveLength(1);
      expect(state.Retry[0].JitterStrategy).toBe('FULL');
      expect(state.Catch[state.Catch.length - 1].ErrorEquals).toEqual(['States.ALL']);
    }
    expect(everyPathTerminates(four.definition)).toEqual([]);
    expect(entriesWithoutFailedState(four.definition)).toEqual([]);
    expect(aslErrors(four.definition)).toBe('');
  });

  test('the default timeout adds up every step: two crawls, the job and its queue, the query, and 15 minutes', () => {
    expect(four.definition.TimeoutSeconds).toBe(1800 + (3600 + 900) + 1800 + 1800 + 900);
  });

  test('a step\'s name makes its state ids and its result paths', () => {
    const { definition } = synthPipeline(withSteps(stack => [
      PipelineStep.crawl({ name: 'RawEvents', crawlerName: RAW_CRAWLER }),
      PipelineStep.dbt(dbtJob(stack), { name: 'Marts' }),
    ]));
    expect(definition.States.StartRawEventsCrawler.ResultPath).toBe('$.raw_events_crawler');
    expect(definition.States.RunMarts.ResultPath).toBe('$.marts');
    expect(definition.States.ReadMartsSummary.ResultPath).toBe('$.marts_summary');
    expect(definition.States).toHaveProperty(['CheckMartsSummary']);
    expect(definition.States.DescribeMartsFailure.Parameters.State).toBe('RunMarts');
  });

  test('one step is enough', () => {
    const { definition } = queryOnlyPipeline();
    expect(definition.States.RecordPipelineStart.Next).toBe('RunQuery');
    expect(definition.States.IsQueryDone.Choices[0].Next).toBe('RecordPipelineSuccess');
    expect(definition.TimeoutSeconds).toBe(7200);
  });

  test('duplicate step names are refused with the named error', () => {
    expectValidationError(() => synthPipeline(withSteps(() => [raw(), query(), raw()])), 'steps',
      /steps must give each step a name of its own \(state ids are made of it\); got "Raw"/);
  });

  test('steps combined with a prop of the default list are refused, naming that prop', () => {
    expectValidationError(() => synthPipeline(withSteps(() => [raw()], { rawCrawlerName: RAW_CRAWLER })), 'steps',
      /steps must not be combined with rawCrawlerName, which only build the default steps/);
    expectValidationError(() => synthPipeline(stack => ({
      ...requiredProps(stack), steps: [raw()],
    })), 'steps', /must not be combined with rawCrawlerName, curatedCrawlerName, transformation/);
  });

  test('an empty list is refused', () => {
    expectValidationError(() => synthPipeline(withSteps(() => [])), 'steps', /must hold at least one step; got \[\]/);
  });

  test.each(['rawCrawlerName', 'curatedCrawlerName', 'transformation'])('without steps, a missing %s is refused, naming it', (prop) => {
    expectValidationError(() => synthPipeline(stack => ({ ...requiredProps(stack), [prop]: undefined })), prop,
      new RegExp(`${prop} is required when steps is not given \\(it builds the default steps\\); got undefined`));
  });

  test('crawlerPollInterval and crawlerTimeout shape only the default crawls', () => {
    const { definition } = synthPipeline(withSteps(() => [raw()], { crawlerPollInterval: Duration.seconds(5) }));
    expect(definition.States.WaitForRawCrawler.Seconds).toBe(30);
  });
});

describe('a custom IPipelineStep', () => {
  test('its task gets the pipeline\'s Retry, for its transient errors, and a Catch through its <TaskId>Failed Pass', () => {
    const { definition, template } = synthPipeline(withSteps(() => [raw(), new StartGlueJobStep('ExportMarts')]));
    const task = definition.States.StartExportMarts;
    expect(task.Resource).toBe('arn:aws:states:::aws-sdk:glue:startJobRun');
    expect(task.Retry).toEqual([{
      ErrorEquals: ['Glue.ThrottlingException'], IntervalSeconds: 2, MaxAttempts: 4, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: 'FULL',
    }]);
    expect(task.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'StartExportMartsFailed' }]);
    expect(definition.States.StartExportMartsFailed.Result).toBe('StartExportMarts');
    expect(definition.States.StartExportMartsFailed.Next).toBe('CheckFailureCause');
    expect(task.Next).toBe('RecordPipelineSuccess');
    expect(entriesWithoutFailedState(definition)).toEqual([]);
    // Its maxDuration counts in the default timeout: 30-minute crawl + 10 minutes + 15 minutes, raised to 2 hours.
    expect(definition.TimeoutSeconds).toBe(7200);
    expect(pipelineStatements(template)).toEqual(expect.arrayContaining([expect.objectContaining({
      Action: 'glue:StartJobRun', Resource: arn(':glue:eu-west-1:123456789012:job/export-marts'),
    })]));
  });

  test('a long maxDuration raises the default timeout', () => {
    const { definition } = synthPipeline(withSteps(() => [new StartGlueJobStep('ExportMarts', { maxDuration: Duration.hours(3) })]));
    expect(definition.TimeoutSeconds).toBe(3 * 3600 + 900);
  });

  test('its onFailure chain receives the failure after the <TaskId>Failed Pass', () => {
    const step: IPipelineStep = {
      name: 'Notify',
      bind: (scope, context) => {
        const task = new tasks.CallAwsService(scope, 'PublishNotice', {
          service: 'sns', action: 'publish', iamResources: ['arn:aws:sns:eu-west-1:123456789012:notices'],
          parameters: { TopicArn: 'arn:aws:sns:eu-west-1:123456789012:notices', Message: 'done' }, resultPath: sfn.JsonPath.DISCARD,
        });
        task.next(context.next);
        const explain = new sfn.Pass(scope, 'ExplainNoticeFailure', {
          parameters: { 'Error.$': '$.failure.Error', 'Cause': 'The notice was not published', 'State.$': '$.failure.State' },
          resultPath: context.failurePath,
        }).next(context.recordFailure);
        return { start: task, tasks: [{ task, transientErrors: ['SNS.ThrottledException'], onFailure: explain }], maxDuration: Duration.minutes(1) };
      },
    };
    const { definition } = synthPipeline(withSteps(() => [step]));
    expect(definition.States.PublishNotice.Catch[0].Next).toBe('PublishNoticeFailed');
    expect(definition.States.PublishNoticeFailed.Next).toBe('ExplainNoticeFailure');
    expect(definition.States.ExplainNoticeFailure.Next).toBe('CheckFailureCause');
    expect(entriesWithoutFailedState(definition)).toEqual([]);
  });

  test('a task without transient errors is refused, naming the step and the task', () => {
    const noErrors: IPipelineStep = {
      name: 'Export',
      bind: (scope, context) => {
        const task = new tasks.EvaluateExpression(scope, 'Evaluate', { expression: '1 + 1' });
        task.next(context.next);
        return { start: task, tasks: [{ task, transientErrors: [] }], maxDuration: Duration.minutes(1) };
      },
    };
    expectValidationError(() => synthPipeline(withSteps(() => [noErrors])), 'steps',
      /steps must name at least one transient error to retry on its task Evaluate; got "Export"/);
  });

  test.each([
    'ValidateInput', 'ApplyDefaultPipelineName', 'CheckExecutionDate', 'InvalidPipelineName', 'RecordPipelineStart', 'RecordPipelineSuccess', 'RecordPipelineFailure', 'PipelineSucceeded', 'PipelineFailed', 'PipelineFailureNotRecorded',
    'PipelineAlreadyRunning',
  ])('a step that builds the pipeline\'s own state %s is refused with the named error', (stateId) => {
    const clashing: IPipelineStep = {
      name: 'Clash',
      bind: (scope, context) => {
        const task = new tasks.CallAwsService(scope, stateId, {
          service: 'glue', action: 'getJob', iamResources: ['arn:aws:glue:eu-west-1:123456789012:job/x'], parameters: { JobName: 'x' },
        });
        task.next(context.next);
        return { start: task, tasks: [{ task, transientErrors: ['Glue.ThrottlingException'] }], maxDuration: Duration.minutes(1) };
      },
    };
    expectValidationError(() => synthPipeline(withSteps(() => [clashing])), 'steps',
      new RegExp(`steps must not build the state ${stateId}, which another step or the pipeline already has .*; got "Clash"`));
  });

  test('a step that builds a state another step already has is refused with the named error', () => {
    // Both build RawCrawlerTimedOut: the crawl "Raw" for its crawler, the query "RawCrawler" for itself.
    expectValidationError(() => synthPipeline(withSteps(() => [raw(), query({ name: 'RawCrawler' })])), 'steps',
      /steps must not build the state RawCrawlerTimedOut, which another step or the pipeline already has .*; got "Raw"/);
  });

  test('a step that builds a <TaskId>Failed state, which the pipeline adds for a task, is refused with the named error', () => {
    const clashing: IPipelineStep = {
      name: 'Export',
      bind: (scope, context) => {
        const task = new tasks.CallAwsService(scope, 'StartExport', {
          service: 'glue', action: 'startJobRun', iamResources: ['arn:aws:glue:eu-west-1:123456789012:job/x'], parameters: { JobName: 'x' },
        });
        task.next(new sfn.Pass(scope, 'StartExportFailed')).next(context.next);
        return { start: task, tasks: [{ task, transientErrors: ['Glue.ThrottlingException'] }], maxDuration: Duration.minutes(1) };
      },
    };
    expectValidationError(() => synthPipeline(withSteps(() => [clashing])), 'steps',
      /steps must not build the state StartExportFailed, which another step or the pipeline already has .*<TaskId>Failed for each task\); got "Export"/);
  });

  test('an error of a step that is not a state clash is not renamed', () => {
    const broken: IPipelineStep = { name: 'Broken', bind: () => { throw new Error('no crawler for this layer'); } };
    expect(() => synthPipeline(withSteps(() => [broken]))).toThrow(/^no crawler for this layer$/);
  });

  test('a custom step\'s wildcard resources are acknowledged only when its config declares them', () => {
    const jobs = 'arn:aws:glue:eu-west-1:123456789012:job/export-*';
    const step = (declare: boolean) => new StartGlueJobStep('ExportMarts',
      { wildcardResources: declare ? [{ resource: jobs, reason: 'The export jobs are created per environment' }] : undefined }, jobs);
    const undeclared = nagFindings(stack => new LakehousePipeline(stack, 'Pipeline', withSteps(() => [step(false)])(stack)));
    expect(undeclared.map(f => f.rule)).toEqual([`AwsSolutions-IAM5[Resource::${jobs}]`]);
    const declared = nagFindings(stack => new LakehousePipeline(stack, 'Pipeline', withSteps(() => [step(true)])(stack)));
    expect(formatFindings(declared)).toBe('');
  });

  test('a foreign Resource "*" statement fails synthesis, naming its actions, instead of hiding under the log-delivery acknowledgement', () => {
    expect(() => synthPipeline(withSteps(() => [new StartGlueJobStep('ExportMarts', {}, '*')])))
      .toThrow(/Pipeline\/StateMachineRole\/DefaultPolicy\] the role of Test\/Pipeline\/StateMachine allows glue:StartJobRun on Resource "\*"/);
  });
});

describe('PipelineStep.crawl', () => {
  test('pollInterval and timeout set the wait and the poll bound, rounded up', () => {
    const { definition } = synthPipeline(withSteps(() => [
      PipelineStep.crawl({ name: 'Raw', crawlerName: RAW_CRAWLER, pollInterval: Duration.seconds(20), timeout: Duration.minutes(15) }),
      PipelineStep.crawl({ name: 'Curated', crawlerName: CURATED_CRAWLER, pollInterval: Duration.seconds(40), timeout: Duration.minutes(1) }),
    ]));
    expect(definition.States.WaitForRawCrawler.Seconds).toBe(20);
    expect(definition.States.IsRawCrawlerReady.Choices[1].NumericGreaterThanEquals).toBe(45);
    expect(definition.States.WaitForCuratedCrawler.Seconds).toBe(40);
    expect(definition.States.IsCuratedCrawlerReady.Choices[1].NumericGreaterThanEquals).toBe(2);
    expect(definition.States.CuratedCrawlerTimedOut.Parameters['Cause.$']).toContain('polls, 40 seconds apart');
  });

  test.each([
    ['name', { name: 'raw' }],
    ['name', { name: 'Raw-Layer' }],
    ['name', { name: 'R'.repeat(41) }],
    ['crawlerName', { crawlerName: 'a b' }],
    ['crawlerName', { crawlerName: 'x'.repeat(256) }],
    ['pollInterval', { pollInterval: Duration.millis(1500) }],
    ['pollInterval', { pollInterval: Duration.seconds(3601) }],
    ['timeout', { pollInterval: Duration.minutes(1), timeout: Duration.seconds(59) }],
    ['timeout', { pollInterval: Duration.seconds(1), timeout: Duration.seconds(1001) }],
  ])('rejects a bad %s', (prop, options) => {
    expectValidationError(() => synthPipeline(withSteps(() => [PipelineStep.crawl({ name: 'Raw', crawlerName: RAW_CRAWLER, ...options })])), prop);
  });
});

describe('PipelineStep.athenaQuery', () => {
  let defaults: ReturnType<typeof synthPipeline>;
  beforeAll(() => {
    defaults = queryOnlyPipeline();
  });

  test('defaults: step Query, SELECT 1, request-response, no result location, no database', () => {
    const run = defaults.definition.States.RunQuery;
    expect(run.Resource).toBe('arn:aws:states:::athena:startQueryExecution');
    expect(run.Parameters.QueryString).toBe('SELECT 1');
    expect(run.Parameters.WorkGroup).toBe(WORKGROUP);
    // aws-cdk-lib renders an empty ResultConfiguration; the workgroup's enforced location then applies.
    expect(run.Parameters.ResultConfiguration ?? {}).toEqual({});
    expect(run.Parameters).not.toHaveProperty('QueryExecutionContext');
  });

  test('it waits: the start keeps the query id and a poll count of 0, which each poll carries and counts', () => {
    const states = defaults.definition.States;
    expect(states.RunQuery).toMatchObject({ ResultSelector: { 'QueryExecutionId.$': '$.QueryExecutionId', 'polls': 0 }, ResultPath: '$.query_query', Next: 'WaitForQuery' });
    expect(states.WaitForQuery).toEqual(expect.objectContaining({ Type: 'Wait', Seconds: 10, Next: 'CountQueryPoll' }));
    expect(states.CountQueryPoll).toMatchObject({
      Type: 'Pass',
      ResultPath: '$.query_query',
      Parameters: { 'QueryExecutionId.$': '$.query_query.QueryExecutionId', 'polls.$': 'States.MathAdd($.query_query.polls, 1)' },
      Next: 'GetQueryStatus',
    });
    expect(states.GetQueryStatus).toMatchObject({
      Resource: 'arn:aws:states:::aws-sdk:athena:getQueryExecution',
      Parameters: { 'QueryExecutionId.$': '$.query_query.QueryExecutionId' },
      ResultSelector: { 'State.$': '$.QueryExecution.Status.State' },
      ResultPath: '$.query_query.status',
      Next: 'IsQueryDone',
    });
  });

  test('SUCCEEDED goes on, FAILED or CANCELLED fails the run with Lakehouse.QueryFailed, 180 polls time it out, else it waits again', () => {
    const states = defaults.definition.States;
    const state = '$.query_query.status.State';
    expect(states.IsQueryDone).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: state, StringEquals: 'SUCCEEDED', Next: 'RecordPipelineSuccess' },
        { Or: [{ Variable: state, StringEquals: 'FAILED' }, { Variable: state, StringEquals: 'CANCELLED' }], Next: 'QueryQueryFailed' },
        { Variable: '$.query_query.polls', NumericGreaterThanEquals: 180, Next: 'QueryTimedOut' },
      ],
      Default: 'WaitForQuery',
    });
    expect(states.QueryQueryFailed).toMatchObject({
      Type: 'Pass', ResultPath: '$.failure', Next: 'CheckFailureCause',
      Parameters: { Error: 'Lakehouse.QueryFailed', State: 'WaitForQuery' },
    });
    expect(states.QueryQueryFailed.Parameters['Cause.$']).toBe(`States.Format('Athena query {} in workgroup ${WORKGROUP} ended {}; its StateChangeReason (GetQueryExecution) says why', $.query_query.QueryExecutionId, ${state})`);
    expect(states.QueryTimedOut).toMatchObject({
      Type: 'Pass', ResultPath: '$.failure', Next: 'CheckFailureCause',
      Parameters: { Error: 'Lakehouse.QueryTimeout', State: 'WaitForQuery' },
    });
    expect(states.QueryTimedOut.Parameters['Cause.$']).toContain('$.query_query.polls');
  });

  test('both query tasks retry Athena\'s throttling and server errors and catch the rest with their own state id', () => {
    for (const name of ['RunQuery', 'GetQueryStatus']) {
      const state = defaults.definition.States[name];
      expect(state.Retry[0].ErrorEquals).toEqual(['Athena.TooManyRequestsException', 'Athena.InternalServerException']);
      expect(state.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: `${name}Failed` }]);
      expect(defaults.definition.States[`${name}Failed`].Result).toBe(name);
    }
  });

  test('the default poll bound is 30 minutes, counted in the default timeout', () => {
    expect(defaults.definition.TimeoutSeconds).toBe(7200);
    const { definition } = synthPipeline(withSteps(() => [query({ pollInterval: Duration.minutes(1), timeout: Duration.hours(3) })]));
    expect(definition.States.WaitForQuery.Seconds).toBe(60);
    expect(definition.States.IsQueryDone.Choices[2].NumericGreaterThanEquals).toBe(180);
    expect(definition.TimeoutSeconds).toBe(3 * 3600 + 900);
  });

  test('pollInterval and timeout set the wait and the bound, rounded up', () => {
    const { definition } = synthPipeline(withSteps(() => [query({ pollInterval: Duration.seconds(7), timeout: Duration.minutes(1) })]));
    expect(definition.States.WaitForQuery.Seconds).toBe(7);
    expect(definition.States.IsQueryDone.Choices[2].NumericGreaterThanEquals).toBe(9);
  });

  test('IAM without results bucket or database: start and get query executions on the workgroup only; no S3, Glue, KMS or Lake Formation', () => {
    const statements = pipelineStatements(defaults.template);
    const athena = statements.filter(s => asList<string>(s.Action).some(a => a.startsWith('athena:')));
    const workgroup = arn(`:athena:eu-west-1:123456789012:workgroup/${WORKGROUP}`);
    expect(athena).toEqual([
      expect.objectContaining({ Action: ['athena:StartQueryExecution', 'athena:GetQueryExecution'], Resource: workgroup }),
      expect.objectContaining({ Action: 'athena:GetQueryExecution', Resource: workgroup }),
    ]);
    const actions = statements.flatMap(s => asList<string>(s.Action));
    expect(actions.filter(a => /^(s3|lakeformation|kms|glue):/.test(a))).toEqual([]);
  });

  test('results bucket, prefix, key and catalog database shape the query and its grants', () => {
    const { definition, template } = synthPipeline(withSteps(stack => [query({
      name: 'Quality',
      queryString: 'SELECT count(*) FROM fct_events',
      workGroup: 'quality',
      resultsBucket: dataLakeOf(stack),
      resultsPrefix: 'query-results/pipeline/',
      resultsKey: kms.Key.fromKeyArn(stack, 'ResultsKey', 'arn:aws:kms:eu-west-1:123456789012:key/1111-2222'),
      catalogDatabaseName: DATABASE,
    })]));
    expect(definition.States.RunQuality.Parameters).toEqual({
      QueryString: 'SELECT count(*) FROM fct_events',
      WorkGroup: 'quality',
      QueryExecutionContext: { Database: DATABASE },
      ResultConfiguration: { OutputLocation: `s3://${DATA_LAKE_BUCKET}/query-results/pipeline/` },
    });
    const statements = pipelineStatements(template);
    const resourcesOf = (prefix: string) => statements.filter(s => asList<string>(s.Action).some(a => a.startsWith(prefix)))
      .flatMap(s => asList(s.Resource)).map(r => JSON.stringify(r)).sort();
    expect(resourcesOf('s3:')).toEqual([
      JSON.stringify(arn(`:s3:::${DATA_LAKE_BUCKET}`)),
      JSON.stringify(arn(`:s3:::${DATA_LAKE_BUCKET}/query-results/pipeline/*`)),
    ].sort());
    expect(statements.flatMap(s => asList<string>(s.Action))).not.toContain('s3:CreateBucket');
    expect(statements).toEqual(expect.arrayContaining([expect.objectContaining({
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: 'arn:aws:kms:eu-west-1:123456789012:key/1111-2222',
    })]));
    const glue = statements.filter(s => asList<string>(s.Action).some(a => a.startsWith('glue:')));
    expect(glue).toHaveLength(1);
    expect(asList(glue[0].Action)).not.toContain('glue:CreateTable');
    expect(glue[0].Resource).toEqual([
      arn(':glue:eu-west-1:123456789012:catalog'),
      arn(`:glue:eu-west-1:123456789012:database/${DATABASE}`),
      arn(`:glue:eu-west-1:123456789012:table/${DATABASE}/*`),
    ]);
    expect(statements.flatMap(s => asList<string>(s.Action)).filter(a => a.startsWith('lakeformation:'))).toEqual([]);
  });

  test('resultsPrefix left out: results under athena-results/ of the results bucket', () => {
    const { definition } = synthPipeline(withSteps(stack => [query({ resultsBucket: dataLakeOf(stack) })]));
    expect(definition.States.RunQuery.Parameters.ResultConfiguration).toEqual({ OutputLocation: `s3://${DATA_LAKE_BUCKET}/athena-results/` });
  });

  test('cdk-nag is clean with every option; the results objects and the tables are the only acknowledged wildcards', () => {
    const findings = nagFindings(stack => new LakehousePipeline(stack, 'Pipeline', withSteps(() => [query({
      resultsBucket: new s3.Bucket(stack, 'Results', { enforceSSL: true, serverAccessLogsPrefix: 'logs/' }),
      resultsKey: new kms.Key(stack, 'ResultsKey', { enableKeyRotation: true }),
      catalogDatabaseName: DATABASE,
    })])(stack)));
    expect(formatFindings(findings)).toBe('');
  });

  test.each([
    ['queryString', { queryString: '' }],
    ['queryString', { queryString: 'x'.repeat(262_145) }],
    ['workGroup', { workGroup: 'a b' }],
    ['workGroup', { workGroup: '' }],
    ['catalogDatabaseName', { catalogDatabaseName: 'Lakehouse-DB' }],
    ['resultsPrefix', { resultsPrefix: '/athena-results/' }],
    ['resultsPrefix', { resultsPrefix: 'athena-results' }],
    ['pollInterval', { pollInterval: Duration.millis(500) }],
    ['timeout', { pollInterval: Duration.seconds(1), timeout: Duration.hours(1) }],
    ['name', { name: 'quality check' }],
  ])('rejects a bad %s', (prop, options) => {
    expectValidationError(() => synthPipeline(withSteps(() => [query(options)])), prop);
  });

  test.each([
    ['a*/', 'would grant s3:PutObject on every key starting with "a"'],
    ['../', 'would point OutputLocation outside the bucket path'],
    ['athena/./results/', 'holds a "." segment'],
  ])('refuses resultsPrefix %j, which %s, with the named error', (prefix) => {
    expectValidationError(() => synthPipeline(withSteps(stack => [query({ resultsBucket: new s3.Bucket(stack, 'Results'), resultsPrefix: prefix })])),
      'resultsPrefix', new RegExp(`Pipeline: resultsPrefix must be a relative S3 key prefix.*no wildcard such as "\\*", no "\\." or "\\.\\." segment.*; got ${JSON.stringify(prefix).replace(/[.*]/g, '\\$&')}`));
  });
});

describe('PipelineStep.dbt', () => {
  const overridesOf = (definition: any, state = 'RunDbtTransformations') => Object.fromEntries(
    definition.States[state].Parameters.EnvironmentVariablesOverride.map((v: any) => {
      expect(v.Type).toBe('PLAINTEXT');
      return [v.Name, v.Value ?? { path: v['Value.$'] }];
    }));
  const dbtPipeline = (options?: DbtStepOptions) => synthPipeline(withSteps(stack => [PipelineStep.dbt(dbtJob(stack), options)]));

  let defaults: ReturnType<typeof synthPipeline>;
  beforeAll(() => {
    defaults = dbtPipeline();
  });

  test('starts the CodeBuild project and waits for it: startBuild.sync, keeping only the build id and status', () => {
    const run = defaults.definition.States.RunDbtTransformations;
    expect(run.Resource).toBe('arn:aws:states:::codebuild:startBuild.sync');
    expect(run.Parameters.ProjectName).toMatch(/^\$\{DbtProject[0-9A-F]{8}\}$/);
    expect(run.ResultSelector).toEqual({ 'BuildId.$': '$.Build.Id', 'BuildStatus.$': '$.Build.BuildStatus' });
    expect(run.ResultPath).toBe('$.dbt_transformations');
  });

  test('default overrides: the execution date, the pipeline name, this execution, no full refresh, maintenance on Sundays', () => {
    expect(overridesOf(defaults.definition)).toEqual({
      LAKEHOUSE_EXECUTION_DATE: { path: '$.execution_date' },
      LAKEHOUSE_PIPELINE_NAME: { path: '$.pipeline_name' },
      LAKEHOUSE_EXECUTION_ARN: { path: '$$.Execution.Id' },
      LAKEHOUSE_DBT_FULL_REFRESH: 'false',
      LAKEHOUSE_ICEBERG_MAINTENANCE: 'SUN',
    });
  });

  test('select, full refresh, extra arguments and maintenance days become overrides', () => {
    const { definition } = dbtPipeline({
      select: 'marts tag:daily', fullRefresh: true, extraArgs: ['--threads', '8', '--fail-fast'], icebergMaintenanceDays: [Weekday.MONDAY, Weekday.THURSDAY],
    });
    expect(overridesOf(definition)).toMatchObject({
      LAKEHOUSE_DBT_SELECT: 'marts tag:daily',
      LAKEHOUSE_DBT_FULL_REFRESH: 'true',
      LAKEHOUSE_DBT_ARGS: '--threads 8 --fail-fast',
      LAKEHOUSE_ICEBERG_MAINTENANCE: 'MON,THU',
    });
  });

  test('no maintenance days turn maintenance off; no extra arguments set no override', () => {
    const { definition } = dbtPipeline({ icebergMaintenanceDays: [], extraArgs: [] });
    const overrides = overridesOf(definition);
    expect(overrides.LAKEHOUSE_ICEBERG_MAINTENANCE).toBe('never');
    expect(overrides).not.toHaveProperty('LAKEHOUSE_DBT_ARGS');
    expect(overrides).not.toHaveProperty('LAKEHOUSE_DBT_SELECT');
  });

  test('retries only the account\'s concurrent-build limit', () => {
    expect(defaults.definition.States.RunDbtTransformations.Retry[0].ErrorEquals).toEqual(['CodeBuild.AccountLimitExceededException']);
  });

  test('on failure: ReadDbtTransformationsSummary reads the summary message of this run\'s record, consistently', () => {
    const states = defaults.definition.States;
    expect(states.RunDbtTransformations.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'RunDbtTransformationsFailed' }]);
    expect(states.RunDbtTransformationsFailed.Next).toBe('ReadDbtTransformationsSummary');
    expect(states.ReadDbtTransformationsSummary).toMatchObject({
      Resource: 'arn:aws:states:::dynamodb:getItem',
      Parameters: {
        Key: { pipeline_name: { 'S.$': '$.pipeline_name' }, execution_date: { 'S.$': '$.execution_date' } },
        ConsistentRead: true,
        ExpressionAttributeNames: { '#summary': 'summary', '#message': 'message' },
        ProjectionExpression: '#summary.#message',
      },
      ResultPath: '$.dbt_transformations_summary',
      Next: 'CheckDbtTransformationsSummary',
    });
  });

  test('with a summary message, DescribeDbtTransformationsFailure makes it the cause; without one, CodeBuild\'s error is kept', () => {
    const states = defaults.definition.States;
    const message = '$.dbt_transformations_summary.Item.summary.M.message.S';
    expect(states.CheckDbtTransformationsSummary).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: message, IsPresent: true, Next: 'DescribeDbtTransformationsFailure' }],
      Default: 'CheckFailureCause',
    });
    expect(states.DescribeDbtTransformationsFailure).toEqual({
      Type: 'Pass',
      ResultPath: '$.failure',
      Parameters: { 'Error': 'Lakehouse.DbtBuildFailed', 'Cause.$': message, 'State': 'RunDbtTransformations' },
      Next: 'CheckFailureCause',
    });
  });

  test('a failed summary read still records the failure, keeping the $.failure of the build', () => {
    expect(defaults.definition.States.ReadDbtTransformationsSummary.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: null, Next: 'CheckFailureCause' },
    ]);
    expect(entriesWithoutFailedState(defaults.definition)).toEqual([]);
  });

  test('the default timeout covers the job\'s timeout and its queue', () => {
    expect(defaults.definition.TimeoutSeconds).toBe(7200);
    const { definition } = synthPipeline(withSteps(stack => [PipelineStep.dbt(dbtJob(stack, { timeout: Duration.hours(2) }))]));
    expect(definition.TimeoutSeconds).toBe(2 * 3600 + 900 + 900);
  });

  test.each([
    ['select', { select: "marts'; rm -rf /" }],
    ['select', { select: 'marts  tag:x' }],
    ['select', { select: '' }],
    ['extraArgs', { extraArgs: ['--vars', '{"a": 1}'] }],
    ['extraArgs', { extraArgs: ['two words'] }],
    ['icebergMaintenanceDays', { icebergMaintenanceDays: ['SUNDAY' as Weekday] }],
    ['icebergMaintenanceDays', { icebergMaintenanceDays: [Weekday.SUNDAY, Weekday.SUNDAY] }],
    ['name', { name: 'dbt' }],
  ])('rejects a bad %s', (prop, options) => {
    expectValidationError(() => dbtPipeline(options as DbtStepOptions), prop);
  });

  test('the default list\'s transformation is this step too', () => {
    const { definition } = synthPipeline(requiredProps);
    expect(definition.States.RunDbtTransformations.Resource).toBe('arn:aws:states:::codebuild:startBuild.sync');
  });
});

describe('a pipeline of every kind of step', () => {
  test('synthesizes with cdk-nag clean', () => {
    const findings = nagFindings(stack => new LakehousePipeline(stack, 'Pipeline', withSteps(s => [
      raw(), PipelineStep.dbt(dbtJob(s), { select: 'marts' }), query({ name: 'QualityCheck' }), new StartGlueJobStep('ExportMarts'), curated(),
    ])(stack)));
    expect(formatFindings(findings)).toBe('');
  });

  test('the stack builds twice from the same step objects without sharing state', () => {
    const steps = [raw(), query()];
    const first = synth(stack => new LakehousePipeline(stack, 'Pipeline', { runsTable: runsTableOf(stack), steps }));
    const second = synth(stack => new LakehousePipeline(stack, 'Pipeline', { runsTable: runsTableOf(stack), steps }));
    expect(definitionOf(first.template)).toEqual(definitionOf(second.template));
    expect(definitionOf(first.template).States).toHaveProperty(['RunQuery']);
  });
});
