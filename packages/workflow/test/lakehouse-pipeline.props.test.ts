import { Naming } from '@lakehouse-cdk/core';
import { synth } from '@lakehouse-cdk/testing';
import { Duration } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import * as fc from 'fast-check';
import { ITransformationStep, LakehousePipeline, LakehousePipelineProps, TransformationContext, TransformationStep } from '../src';
import { definitionOf, everyPathTerminates, reachableStates, requiredProps } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator = require('asl-validator');

/** The documented catches that do not lead to RecordPipelineFailure. */
const DOCUMENTED_EXCEPTIONS: Record<string, Record<string, string>> = {
  RecordPipelineStart: { 'DynamoDB.ConditionalCheckFailedException': 'PipelineAlreadyRunning' },
  StartRawCrawler: { 'Glue.CrawlerRunningException': 'RawCrawlerAlreadyRunning' },
  StartCuratedCrawler: { 'Glue.CrawlerRunningException': 'CuratedCrawlerAlreadyRunning' },
  RecordPipelineFailure: { 'States.ALL': 'PipelineFailureNotRecorded' },
};

const codeBuildStep: ITransformationStep = {
  bind: (scope: Construct, context: TransformationContext) => ({
    task: new tasks.CallAwsService(scope, context.stateId, {
      service: 'codebuild', action: 'startBuild', parameters: { ProjectName: 'dbt' },
      iamResources: ['arn:aws:codebuild:eu-west-1:123456789012:project/dbt'], resultPath: context.resultPath,
    }),
    transientErrors: ['CodeBuild.AccountLimitExceededException'],
  }),
};

interface ValidChoice {
  readonly pollSeconds: number;
  readonly polls: number;
  readonly crawlerSeconds: number;
  readonly timeoutSeconds: number;
  readonly step: 'default' | 'athena' | 'custom';
  readonly alarmTopic: boolean;
  readonly naming: boolean;
  readonly resultsBucket: boolean;
  readonly catalogDatabase: boolean;
}

const validChoices: fc.Arbitrary<ValidChoice> = fc.record({
  pollSeconds: fc.integer({ min: 1, max: 600 }),
  polls: fc.integer({ min: 1, max: 1000 }),
  remainder: fc.double({ min: 0, max: 1, noNaN: true }),
  extraSeconds: fc.integer({ min: 1, max: 7 * 24 * 3600 }),
  step: fc.constantFrom<'default' | 'athena' | 'custom'>('default', 'athena', 'custom'),
  alarmTopic: fc.boolean(),
  naming: fc.boolean(),
  resultsBucket: fc.boolean(),
  catalogDatabase: fc.boolean(),
}).map(({ remainder, extraSeconds, ...choice }) => {
  // Any whole-second crawler timeout in ((polls - 1) × interval, polls × interval] gives `polls` polls.
  const crawlerSeconds = Math.max(choice.pollSeconds,
    (choice.polls - 1) * choice.pollSeconds + Math.max(1, Math.ceil(remainder * choice.pollSeconds)));
  return { ...choice, crawlerSeconds, timeoutSeconds: 2 * crawlerSeconds + extraSeconds };
});

function build(choice: ValidChoice) {
  return synth(stack => {
    const props: LakehousePipelineProps = {
      ...requiredProps(stack),
      crawlerPollInterval: Duration.seconds(choice.pollSeconds),
      crawlerTimeout: Duration.seconds(choice.crawlerSeconds),
      timeout: Duration.seconds(choice.timeoutSeconds),
      transformationStep: choice.step === 'default' ? undefined
        : choice.step === 'athena' ? TransformationStep.athenaQuery({ queryString: 'SELECT 2' }) : codeBuildStep,
      alarmTopic: choice.alarmTopic ? new sns.Topic(stack, 'Alerts') : undefined,
      naming: choice.naming ? new Naming({ project: 'lakehouse', environment: 'sandbox' }) : undefined,
      resultsBucket: choice.resultsBucket ? s3.Bucket.fromBucketName(stack, 'Results', 'lakehouse-sandbox-data-lake') : undefined,
      catalogDatabaseName: choice.catalogDatabase ? 'lakehouse_sandbox' : undefined,
    };
    new LakehousePipeline(stack, 'Pipeline', props);
  });
}

test('P5: for any valid props, every task retries and catches, every catch records the failure (or is documented), and every path ends in Succeed or Fail', () => {
  fc.assert(fc.property(validChoices, choice => {
    const definition = definitionOf(build(choice).template);
    const reachable = reachableStates(definition);
    const taskNames = [...reachable].filter(name => definition.States[name].Type === 'Task');
    expect(taskNames).toHaveLength(10);
    for (const name of taskNames) {
      const state = definition.States[name];
      expect(state.Retry?.length ?? 0).toBeGreaterThan(0);
      for (const retry of state.Retry) {
        expect(retry.JitterStrategy).toBe('FULL');
        expect(retry.BackoffRate).toBeGreaterThan(1);
      }
      expect(state.Catch?.length ?? 0).toBeGreaterThan(0);
      const last = state.Catch[state.Catch.length - 1];
      expect(last.ErrorEquals).toEqual(['States.ALL']);
      for (const handler of state.Catch) {
        const documented = DOCUMENTED_EXCEPTIONS[name]?.[handler.ErrorEquals[0]];
        expect(handler.Next).toBe(documented ?? 'RecordPipelineFailure');
      }
    }
    // The crawl failures that are not task errors go there too.
    for (const layer of ['Raw', 'Curated']) {
      expect(definition.States[`${layer}CrawlFailed`].Next).toBe('RecordPipelineFailure');
      expect(definition.States[`${layer}CrawlerTimedOut`].Next).toBe('RecordPipelineFailure');
      expect(definition.States[`WaitFor${layer}Crawler`].Seconds).toBe(choice.pollSeconds);
      expect(definition.States[`Is${layer}CrawlerReady`].Choices[1].NumericGreaterThanEquals).toBe(choice.polls);
    }
    expect(definition.TimeoutSeconds).toBe(choice.timeoutSeconds);
    expect(everyPathTerminates(definition)).toEqual([]);
    expect(aslValidator(definition).isValid).toBe(true);
  }), { numRuns: 30 });
});

type InvalidCase = [prop: string, props: (stack: any) => Partial<LakehousePipelineProps>];

const invalidCases: fc.Arbitrary<InvalidCase> = fc.oneof(
  fc.string({ minLength: 1, maxLength: 20 }).filter(s => /[^A-Za-z0-9_.-]/.test(s))
    .map((name): InvalidCase => ['pipelineName', () => ({ pipelineName: name })]),
  fc.constantFrom('', 'a b', 'x/y', 'a'.repeat(256))
    .map((name): InvalidCase => ['rawCrawlerName', () => ({ rawCrawlerName: name })]),
  fc.constantFrom('', 'a b', 'a:b', 'a'.repeat(129))
    .map((name): InvalidCase => ['athenaWorkGroupName', () => ({ athenaWorkGroupName: name })]),
  fc.constantFrom('/x/', 'x', 'a//', 'a b/', 'a*/', '../', './x/', 'x/../y/')
    .map((prefix): InvalidCase => ['resultsPrefix', () => ({ resultsPrefix: prefix })]),
  fc.oneof(fc.integer({ min: 3601, max: 100_000 }).map(s => Duration.seconds(s)), fc.integer({ min: 1, max: 999 }).map(ms => Duration.millis(ms)))
    .map((interval): InvalidCase => ['crawlerPollInterval', () => ({ crawlerPollInterval: interval })]),
  fc.integer({ min: 1001, max: 50_000 })
    .map((seconds): InvalidCase => ['crawlerTimeout', () => ({ crawlerPollInterval: Duration.seconds(1), crawlerTimeout: Duration.seconds(seconds), timeout: Duration.days(30) })]),
  fc.integer({ min: 60, max: 3600 })
    .map((seconds): InvalidCase => ['timeout', () => ({ crawlerTimeout: Duration.seconds(1800), timeout: Duration.seconds(seconds) })]),
);

test('P5 (invalid): bad props are rejected with the named validation error', () => {
  fc.assert(fc.property(invalidCases, ([prop, props]) => {
    let error: any;
    try {
      synth(stack => new LakehousePipeline(stack, 'Pipeline', { ...requiredProps(stack), ...props(stack) }));
    } catch (e) {
      error = e;
    }
    expect(error?.name).toBe('LakehouseValidationError');
    expect(error.message).toContain(prop);
  }), { numRuns: 50 });
});
