import { Naming } from '@lakehouse-cdk/core';
import { asList, expectValidationError, policyStatements, synth } from '@lakehouse-cdk/testing';
import { Duration, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import * as fc from 'fast-check';
import { DbtStepOptions, IPipelineStep, LakehousePipeline, LakehousePipelineProps, PipelineStep, Weekday } from '../src';
import {
  CURATED_CRAWLER, DATABASE, RAW_CRAWLER, WORKGROUP, aslErrors, dataLakeOf, dbtJob, definitionOf, entriesWithoutFailedState, everyPathTerminates,
  requiredProps, runsTableOf, taskStates,
} from './helpers';

/** Synthesis of a pipeline with a dbt job takes a few hundred milliseconds; a property runs it many times. */
const PROPERTY_TIMEOUT = 300_000;

/** A poll loop: interval and a timeout that gives `polls` polls (any whole-second timeout in ((polls - 1) × interval, polls × interval]). */
interface Poll {
  readonly intervalSeconds: number;
  readonly polls: number;
  readonly timeoutSeconds: number;
}

const polls: fc.Arbitrary<Poll> = fc.record({
  intervalSeconds: fc.integer({ min: 1, max: 600 }),
  polls: fc.integer({ min: 1, max: 1000 }),
  remainder: fc.double({ min: 0, max: 1, noNaN: true }),
}).map(({ intervalSeconds, polls: count, remainder }) => ({
  intervalSeconds,
  polls: count,
  timeoutSeconds: Math.max(intervalSeconds, (count - 1) * intervalSeconds + Math.max(1, Math.ceil(remainder * intervalSeconds))),
}));

const weekdays = fc.uniqueArray(fc.constantFrom(...Object.values(Weekday)), { maxLength: 7 });
const dbtOptions: fc.Arbitrary<DbtStepOptions> = fc.record({
  select: fc.option(fc.constantFrom('marts', 'staging+ marts', 'tag:daily', 'fct_events+'), { nil: undefined }),
  fullRefresh: fc.option(fc.boolean(), { nil: undefined }),
  extraArgs: fc.option(fc.array(fc.constantFrom('--threads', '8', '--fail-fast', '--warn-error'), { maxLength: 4 }), { nil: undefined }),
  icebergMaintenanceDays: fc.option(weekdays, { nil: undefined }),
}, { requiredKeys: [] });

/** One step of a generated list, described as data so the expected durations can be computed. */
type StepChoice =
  | { readonly kind: 'crawl'; readonly poll?: Poll }
  | { readonly kind: 'athena'; readonly poll?: Poll; readonly resultsBucket: boolean; readonly database: boolean; readonly key: boolean }
  | { readonly kind: 'dbt'; readonly jobMinutes?: number; readonly options: DbtStepOptions }
  | { readonly kind: 'custom'; readonly minutes: number };

const stepChoice: fc.Arbitrary<StepChoice> = fc.oneof(
  fc.record({ kind: fc.constant('crawl' as const), poll: fc.option(polls, { nil: undefined }) }),
  fc.record({
    kind: fc.constant('athena' as const), poll: fc.option(polls, { nil: undefined }),
    resultsBucket: fc.boolean(), database: fc.boolean(), key: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('dbt' as const), jobMinutes: fc.option(fc.integer({ min: 5, max: 2160 }), { nil: undefined }), options: dbtOptions }),
  fc.record({ kind: fc.constant('custom' as const), minutes: fc.integer({ min: 1, max: 600 }) }),
);

interface ValidChoice {
  readonly steps?: StepChoice[];
  /** For the default steps: the crawl poll, and the dbt job's timeout and options. */
  readonly crawlPoll?: Poll;
  readonly jobMinutes?: number;
  readonly dbt?: DbtStepOptions;
  /** Seconds added to the steps' longest durations for an explicit timeout, or none for the default. */
  readonly extraTimeoutSeconds?: number;
  readonly pipelineName?: string;
  readonly alarmTopic: boolean;
  readonly naming: boolean;
  readonly ownKey: boolean;
  readonly retention?: logs.RetentionDays;
}

const common = {
  extraTimeoutSeconds: fc.option(fc.integer({ min: 1, max: 7 * 24 * 3600 }), { nil: undefined }),
  pipelineName: fc.option(fc.stringMatching(/^[A-Za-z0-9_.-]{1,128}$/), { nil: undefined }),
  alarmTopic: fc.boolean(),
  naming: fc.boolean(),
  ownKey: fc.boolean(),
  retention: fc.option(fc.constantFrom(logs.RetentionDays.ONE_WEEK, logs.RetentionDays.ONE_YEAR), { nil: undefined }),
};

const validChoices: fc.Arbitrary<ValidChoice> = fc.oneof(
  fc.record({
    ...common,
    crawlPoll: fc.option(polls, { nil: undefined }),
    jobMinutes: fc.option(fc.integer({ min: 5, max: 2160 }), { nil: undefined }),
    dbt: dbtOptions,
  }, { requiredKeys: ['alarmTopic', 'naming', 'ownKey', 'dbt'] }),
  fc.record({ ...common, steps: fc.array(stepChoice, { minLength: 1, maxLength: 5 }) }, { requiredKeys: ['alarmTopic', 'naming', 'ownKey', 'steps'] }),
);

/** The step name a generated step gets: unique by its position. */
function nameOf(choice: StepChoice, index: number): string {
  return { crawl: 'Layer', athena: 'Query', dbt: 'Dbt', custom: 'Custom' }[choice.kind] + index;
}

/** The longest a step may take, as the pipeline counts it. */
function maxSeconds(choice: StepChoice): number {
  switch (choice.kind) {
    case 'crawl': return choice.poll ? choice.poll.polls * choice.poll.intervalSeconds : 1800;
    case 'athena': return choice.poll ? choice.poll.polls * choice.poll.intervalSeconds : 1800;
    case 'dbt': return (choice.jobMinutes ?? 60) * 60 + 900;
    case 'custom': return choice.minutes * 60;
  }
}

/** A step as a user writes one: a Glue job started request-response. */
function customStep(name: string, minutes: number): IPipelineStep {
  return {
    name,
    bind: (scope, context) => {
      const task = new tasks.CallAwsService(scope, `Start${name}`, {
        service: 'glue', action: 'startJobRun', iamAction: 'glue:StartJobRun', parameters: { JobName: 'export' },
        iamResources: [Stack.of(scope).formatArn({ service: 'glue', resource: 'job', resourceName: 'export' })],
      });
      task.next(context.next);
      return { start: task, tasks: [{ task, transientErrors: ['Glue.ThrottlingException'] }], maxDuration: Duration.minutes(minutes) };
    },
  };
}

function stepOf(stack: Stack, choice: StepChoice, index: number): IPipelineStep {
  const name = nameOf(choice, index);
  const poll = (p?: Poll) => p ? { pollInterval: Duration.seconds(p.intervalSeconds), timeout: Duration.seconds(p.timeoutSeconds) } : {};
  switch (choice.kind) {
    case 'crawl':
      return PipelineStep.crawl({ name, crawlerName: `${RAW_CRAWLER}-${index}`, ...poll(choice.poll) });
    case 'athena':
      return PipelineStep.athenaQuery({
        name, workGroup: WORKGROUP, queryString: `SELECT ${index}`, ...poll(choice.poll),
        resultsBucket: choice.resultsBucket ? dataLakeOf(stack) : undefined,
        catalogDatabaseName: choice.database ? DATABASE : undefined,
        resultsKey: choice.key ? kms.Key.fromKeyArn(stack, `ResultsKey${index}`, `arn:aws:kms:eu-west-1:123456789012:key/k${index}`) : undefined,
      });
    case 'dbt': {
      const job = dbtJob(stack, choice.jobMinutes ? { timeout: Duration.minutes(choice.jobMinutes) } : {}, `Dbt${index}`);
      return PipelineStep.dbt(job, { ...choice.options, name });
    }
    case 'custom':
      return customStep(name, choice.minutes);
  }
}

function build(choice: ValidChoice) {
  let pipeline: LakehousePipeline | undefined;
  const { template } = synth(stack => {
    const steps = choice.steps?.map((step, index) => stepOf(stack, step, index));
    const stepProps: Partial<LakehousePipelineProps> = steps ? { steps } : {
      rawCrawlerName: RAW_CRAWLER,
      curatedCrawlerName: CURATED_CRAWLER,
      transformation: PipelineStep.dbt(dbtJob(stack, choice.jobMinutes ? { timeout: Duration.minutes(choice.jobMinutes) } : {}), choice.dbt),
      crawlerPollInterval: choice.crawlPoll ? Duration.seconds(choice.crawlPoll.intervalSeconds) : undefined,
      crawlerTimeout: choice.crawlPoll ? Duration.seconds(choice.crawlPoll.timeoutSeconds) : undefined,
    };
    pipeline = new LakehousePipeline(stack, 'Pipeline', {
      runsTable: runsTableOf(stack),
      ...stepProps,
      timeout: choice.extraTimeoutSeconds === undefined ? undefined : Duration.seconds(Math.ceil(stepsSeconds(choice)) + choice.extraTimeoutSeconds),
      pipelineName: choice.pipelineName,
      alarmTopic: choice.alarmTopic ? new sns.Topic(stack, 'Alerts') : undefined,
      naming: choice.naming ? new Naming({ project: 'lakehouse', environment: 'sandbox' }) : undefined,
      encryptionKey: choice.ownKey ? new kms.Key(stack, 'OwnLogKey', { enableKeyRotation: true }) : undefined,
      logRetention: choice.retention,
    });
  });
  return { template, pipeline: pipeline!, definition: definitionOf(template), closer: definitionOf(template, 'EXPRESS') };
}

/** The steps of a choice as step choices (the default list is two crawls and a dbt step). */
function stepsOf(choice: ValidChoice): StepChoice[] {
  return choice.steps ?? [
    { kind: 'crawl', poll: choice.crawlPoll },
    { kind: 'dbt', jobMinutes: choice.jobMinutes, options: choice.dbt ?? {} },
    { kind: 'crawl', poll: choice.crawlPoll },
  ];
}

function stepsSeconds(choice: ValidChoice): number {
  return stepsOf(choice).reduce((sum, step) => sum + maxSeconds(step), 0);
}

/** Catches that do not go to the task's own `<TaskId>Failed` Pass, each documented. */
function documentedCatch(task: string, error: string): string | undefined {
  if (task === 'RecordPipelineStart' && error === 'DynamoDB.ConditionalCheckFailedException') return 'PipelineAlreadyRunning';
  if (task === 'RecordPipelineFailure' && error === 'States.ALL') return 'PipelineFailureNotRecorded';
  const crawl = /^Start(.+)Crawler$/.exec(task);
  if (crawl && error === 'Glue.CrawlerRunningException') return `${crawl[1]}CrawlerAlreadyRunning`;
  if (/^Read.+Summary$/.test(task) && error === 'States.ALL') return 'CheckFailureCause';
  return undefined;
}

const LOGS_AND_XRAY = /^(logs|xray):/;

test('for any valid props: every task retries and catches, every failure reaches RecordPipelineFailure with a State, every path ends, and only log delivery and X-Ray use Resource "*"', () => {
  fc.assert(fc.property(validChoices, choice => {
    const { template, definition, closer, pipeline } = build(choice);
    const steps = stepsOf(choice);

    for (const name of taskStates(definition)) {
      const state = definition.States[name];
      expect(state.Retry?.length ?? 0).toBeGreaterThan(0);
      for (const retry of state.Retry) {
        expect(retry.JitterStrategy).toBe('FULL');
        expect(retry.BackoffRate).toBeGreaterThan(1);
        expect(retry.ErrorEquals).not.toContain('States.ALL');
        expect(retry.ErrorEquals).not.toContain('States.TaskFailed');
      }
      expect(state.Catch?.length ?? 0).toBeGreaterThan(0);
      expect(state.Catch[state.Catch.length - 1].ErrorEquals).toEqual(['States.ALL']);
      for (const handler of state.Catch) {
        const documented = documentedCatch(name, handler.ErrorEquals[0]);
        if (documented) {
          expect(handler.Next).toBe(documented);
        } else {
          expect(handler.Next).toBe(`${name}Failed`);
          expect(definition.States[`${name}Failed`].Result).toBe(name);
        }
      }
    }
    expect(entriesWithoutFailedState(definition)).toEqual([]);
    expect(everyPathTerminates(definition)).toEqual([]);
    expect(everyPathTerminates(closer)).toEqual([]);
    expect(aslErrors(definition)).toBe('');
    expect(aslErrors(closer)).toBe('');

    const stars = policyStatements(template).map(s => s.statement).filter(s => asList(s.Resource).includes('*'));
    for (const statement of stars) expect(asList<string>(statement.Action).every(action => LOGS_AND_XRAY.test(action))).toBe(true);
    expect(policyStatements(template).flatMap(s => asList<string>(s.statement.Action)).filter(a => a.startsWith('lakeformation:'))).toEqual([]);

    // The steps, in order, with their polls; the timeout outlasts them all.
    const names = choice.steps ? steps.map(nameOf) : ['Raw', 'DbtTransformations', 'Curated'];
    expect(pipeline.stepStartStates).toEqual(steps.map((step, i) => ({
      crawl: `Start${names[i]}Crawler`, athena: `Run${names[i]}`, dbt: `Run${names[i]}`, custom: `Start${names[i]}`,
    })[step.kind]));
    steps.forEach((step, i) => {
      if (step.kind === 'crawl' && step.poll) {
        expect(definition.States[`WaitFor${names[i]}Crawler`].Seconds).toBe(step.poll.intervalSeconds);
        expect(definition.States[`Is${names[i]}CrawlerReady`].Choices[1].NumericGreaterThanEquals).toBe(step.poll.polls);
      }
      if (step.kind === 'athena' && step.poll) {
        expect(definition.States[`WaitFor${names[i]}`].Seconds).toBe(step.poll.intervalSeconds);
        expect(definition.States[`Is${names[i]}Done`].Choices[2].NumericGreaterThanEquals).toBe(step.poll.polls);
      }
    });
    const seconds = stepsSeconds(choice);
    const expected = choice.extraTimeoutSeconds === undefined
      ? Math.max(7200, Math.ceil(seconds + 900))
      : Math.ceil(seconds) + choice.extraTimeoutSeconds;
    expect(definition.TimeoutSeconds).toBe(expected);
    expect(definition.TimeoutSeconds).toBeGreaterThan(seconds);
  }), { numRuns: 40 });
}, PROPERTY_TIMEOUT);

type InvalidCase = [prop: string, props: (stack: Stack) => Partial<LakehousePipelineProps>];

const crawlStep = (options: object) => (): Partial<LakehousePipelineProps> =>
  ({ steps: [PipelineStep.crawl({ name: 'Raw', crawlerName: RAW_CRAWLER, ...options })] });
const queryStep = (options: object) => (): Partial<LakehousePipelineProps> =>
  ({ steps: [PipelineStep.athenaQuery({ workGroup: WORKGROUP, ...options })] });
const dbtStep = (options: object) => (stack: Stack): Partial<LakehousePipelineProps> =>
  ({ steps: [PipelineStep.dbt(dbtJob(stack, {}, 'StepDbt'), options as DbtStepOptions)] });
const noDefaults = { rawCrawlerName: undefined, curatedCrawlerName: undefined, transformation: undefined };

const invalidCases: fc.Arbitrary<InvalidCase> = fc.oneof(
  fc.string({ minLength: 1, maxLength: 20 }).filter(s => /[^A-Za-z0-9_.-]/.test(s))
    .map((name): InvalidCase => ['pipelineName', () => ({ pipelineName: name })]),
  fc.constantFrom('', 'a b', 'x/y', 'a'.repeat(256))
    .map((name): InvalidCase => ['crawlerName', () => ({ rawCrawlerName: name })]),
  fc.oneof(fc.integer({ min: 3601, max: 100_000 }).map(s => Duration.seconds(s)), fc.integer({ min: 1, max: 999 }).map(ms => Duration.millis(ms)))
    .map((interval): InvalidCase => ['crawlerPollInterval', () => ({ crawlerPollInterval: interval })]),
  fc.integer({ min: 1001, max: 50_000 })
    .map((seconds): InvalidCase => ['crawlerTimeout', () => ({ crawlerPollInterval: Duration.seconds(1), crawlerTimeout: Duration.seconds(seconds), timeout: Duration.days(30) })]),
  // The default steps last 8,100 seconds: two 30-minute crawls and a 1-hour job that may queue 15 minutes.
  fc.integer({ min: 60, max: 8100 })
    .map((seconds): InvalidCase => ['timeout', () => ({ timeout: Duration.seconds(seconds) })]),
  fc.integer({ min: 366, max: 1000 })
    .map((days): InvalidCase => ['timeout', () => ({ timeout: Duration.days(days) })]),
  fc.constantFrom('rawCrawlerName', 'curatedCrawlerName', 'transformation')
    .map((prop): InvalidCase => [prop, () => ({ [prop]: undefined })]),
  fc.constantFrom('rawCrawlerName', 'curatedCrawlerName')
    .map((prop): InvalidCase => ['steps', () => ({ ...noDefaults, [prop]: 'x', steps: [PipelineStep.crawl({ name: 'Raw', crawlerName: 'x' })] })]),
  fc.constantFrom(['Raw', 'Raw'], ['Raw', 'Curated', 'Raw'])
    .map((names): InvalidCase => ['steps', () => ({ ...noDefaults, steps: names.map(name => PipelineStep.crawl({ name, crawlerName: 'x' })) })]),
  fc.constant<InvalidCase>(['steps', () => ({ ...noDefaults, steps: [] })]),
  fc.constantFrom('raw', 'Raw Layer', 'Raw-1', '1Raw', '')
    .map((name): InvalidCase => ['name', stack => ({ ...noDefaults, ...crawlStep({ name })(stack) })]),
  fc.constantFrom('', 'a b', 'a:b', 'a'.repeat(129))
    .map((workGroup): InvalidCase => ['workGroup', stack => ({ ...noDefaults, ...queryStep({ workGroup })(stack) })]),
  fc.constantFrom('/x/', 'x', 'a//', 'a b/', 'a*/', '../', './x/', 'x/../y/')
    .map((prefix): InvalidCase => ['resultsPrefix', stack => ({ ...noDefaults, ...queryStep({ resultsPrefix: prefix })(stack) })]),
  fc.constantFrom('Lakehouse', 'a-b', 'a b')
    .map((database): InvalidCase => ['catalogDatabaseName', stack => ({ ...noDefaults, ...queryStep({ catalogDatabaseName: database })(stack) })]),
  fc.constantFrom("a'b", 'a;b', 'a  b', ' a', 'a\nb', '$(x)')
    .map((select): InvalidCase => ['select', stack => ({ ...noDefaults, ...dbtStep({ select })(stack) })]),
  fc.constantFrom('a b', '"x"', "'", ';', '`x`')
    .map((arg): InvalidCase => ['extraArgs', stack => ({ ...noDefaults, ...dbtStep({ extraArgs: ['--threads', arg] })(stack) })]),
  weekdays.filter(days => days.length > 0).map(days => [...days, days[0]])
    .map((days): InvalidCase => ['icebergMaintenanceDays', stack => ({ ...noDefaults, ...dbtStep({ icebergMaintenanceDays: days })(stack) })]),
  fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 2161, max: 10_000 }))
    .map((minutes): InvalidCase => ['timeout (minutes)', stack => ({ transformation: PipelineStep.dbt(dbtJob(stack, { timeout: Duration.minutes(minutes) }, 'OtherDbt')) })]),
);

test('for invalid props: synthesis fails with the shared validation error, naming the prop', () => {
  fc.assert(fc.property(invalidCases, ([prop, props]) => {
    expectValidationError(() => synth(stack => new LakehousePipeline(stack, 'Pipeline', { ...requiredProps(stack), ...props(stack) })), prop);
  }), { numRuns: 120 });
}, PROPERTY_TIMEOUT);
