import {
  assertFuzz, badStrings, boundaryNumbers, built, constant, durations, FuzzSpec, logRetentions, MISSING, oneOfValues, removalPolicies, reportFuzzCounts, strings, tokenNumbers, wrongTypes,
} from '@lakehouse-cdk/testing';
import { Naming } from '@lakehouse-cdk/core';
import { Duration, Stack, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as fc from 'fast-check';
import { DBT_PROJECT, requiredJobProps, runsTableOf } from './helpers';
import { DbtJob, LakehousePipeline, PipelineStep, Weekday } from '../src';

afterAll(reportFuzzCounts);

const seconds = (...valid: number[]) => fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...valid).map(n => constant(`Duration.seconds(${n})`, Duration.seconds(n))) },
  durations(), wrongTypes(), fc.constant(MISSING));
const naming = () => fc.oneof(fc.constant(constant('Naming(lakehouse, sandbox)', new Naming({ project: 'lakehouse', environment: 'sandbox' }))), wrongTypes(), fc.constant(MISSING));
const runsTables = () => fc.oneof(
  { weight: 2, arbitrary: built('an imported table', stack => dynamodb.Table.fromTableName(stack, 'FuzzRuns', 'runs')) },
  built('a table keyed pipeline_name/execution_date', stack => new dynamodb.Table(stack, 'FuzzRuns', {
    partitionKey: { name: 'pipeline_name', type: dynamodb.AttributeType.STRING }, sortKey: { name: 'execution_date', type: dynamodb.AttributeType.STRING },
  })),
  built('a table keyed id', stack => new dynamodb.Table(stack, 'FuzzRuns', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } })),
  wrongTypes(), fc.constant(MISSING));

/** The state machine definitions, with the references in them replaced by a placeholder. */
function definitions(template: Template): string[] {
  return Object.values<any>(template.findResources('AWS::StepFunctions::StateMachine')).map(machine => {
    const body = machine.Properties.DefinitionString;
    if (typeof body === 'string') return body;
    const [, parts] = body['Fn::Join'];
    return (parts as unknown[]).map(part => typeof part === 'string' ? part : 'REF').join('');
  });
}

/** The documented rules of the pipeline's definitions: every poll bound and wait is a positive whole number, the timeout too. */
function pipelineRules(template: Template): void {
  for (const definition of definitions(template)) {
    for (const [, bound] of definition.matchAll(/"Variable":"[^"]*\.polls","NumericGreaterThanEquals":(-?[0-9.e+]+)/g)) {
      const polls = Number(bound);
      if (!Number.isInteger(polls) || polls < 1 || polls > 1000) throw new Error(`a poll bound is ${bound}`);
    }
    for (const [, wait] of definition.matchAll(/"Seconds":(-?[0-9.e+]+)/g)) {
      if (!Number.isInteger(Number(wait)) || Number(wait) < 1) throw new Error(`a wait is ${wait} seconds`);
    }
    for (const [, timeout] of definition.matchAll(/"TimeoutSeconds":(-?[0-9.e+]+)/g)) {
      if (!Number.isInteger(Number(timeout)) || Number(timeout) < 1) throw new Error(`the timeout is ${timeout} seconds`);
    }
  }
}

test('LakehousePipeline: any fuzzed props give bounded polls and a valid timeout, or a named error', () => {
  const spec: FuzzSpec = {
    construct: 'LakehousePipeline',
    props: {
      runsTable: runsTables(),
      steps: fc.oneof(
        built('[crawl Raw, query]', () => [PipelineStep.crawl({ name: 'Raw', crawlerName: 'raw' }), PipelineStep.athenaQuery({ workGroup: 'wg' })]),
        oneOfValues([], 'Raw', [{}], [{ name: 'Raw' }], [null]), wrongTypes(), fc.constant(MISSING)),
      rawCrawlerName: strings('raw', 'lakehouse-sandbox-raw'),
      curatedCrawlerName: strings('curated'),
      transformation: fc.oneof(built('an Athena query step', () => PipelineStep.athenaQuery({ workGroup: 'wg', name: 'Transform' })), wrongTypes(), fc.constant(MISSING)),
      pipelineName: strings('lakehouse', 'events.daily-v2'),
      crawlerPollInterval: seconds(30, 1, 3600),
      crawlerTimeout: seconds(1800, 60, 30000),
      timeout: fc.oneof(seconds(7200, 86400), fc.constant(constant('Duration.days(366)', Duration.days(366)))),
      logRetention: fc.oneof(logRetentions(), wrongTypes(), fc.constant(MISSING)),
      encryptionKey: fc.oneof(built('a kms.Key', stack => new kms.Key(stack, 'FuzzKey')), wrongTypes(), fc.constant(MISSING)),
      alarmTopic: fc.oneof(built('an sns.Topic', stack => new sns.Topic(stack, 'FuzzTopic')), oneOfValues('arn:aws:sns:eu-west-1:123456789012:alarms'), wrongTypes(), fc.constant(MISSING)),
      naming: naming(),
      removalPolicy: fc.oneof(removalPolicies(), wrongTypes()),
    },
    maxFuzzed: 3,
    aliases: {
      // The default steps need all three; a pipeline given steps takes none of them, so either may be named.
      steps: ['rawCrawlerName', 'curatedCrawlerName', 'transformation'],
      rawCrawlerName: ['steps', 'crawlerName'], curatedCrawlerName: ['steps', 'crawlerName'], transformation: ['steps'],
      crawlerPollInterval: ['crawlerTimeout'], crawlerTimeout: ['crawlerPollInterval', 'timeout'],
    },
    build: (stack, fuzzed) => new LakehousePipeline(stack, 'Pipeline', {
      runsTable: runsTableOf(stack),
      rawCrawlerName: 'raw',
      curatedCrawlerName: 'curated',
      transformation: PipelineStep.athenaQuery({ workGroup: 'wg', name: 'Transform' }),
      ...('steps' in fuzzed && fuzzed.steps !== undefined ? { rawCrawlerName: undefined, curatedCrawlerName: undefined, transformation: undefined } : {}),
      ...fuzzed,
    } as any),
    rules: (template, fuzzed) => {
      pipelineRules(template);
      if ('alarmTopic' in fuzzed && fuzzed.alarmTopic !== undefined) {
        for (const alarm of Object.values<any>(template.findResources('AWS::CloudWatch::Alarm'))) {
          if (!(alarm.Properties.AlarmActions?.length > 0)) throw new Error('an alarm has no action although alarmTopic was given');
        }
      }
    },
  };
  assertFuzz(spec);
});

test('PipelineStep factories: any fuzzed options give bounded polls, or a named error', () => {
  const spec: FuzzSpec = {
    construct: 'PipelineStep',
    props: {
      crawl: fc.record({
        name: strings('Raw', 'Events2'), crawlerName: strings('raw-crawler'),
        pollInterval: seconds(30, 1), timeout: seconds(600, 3600),
      }).map(options => built(`crawl(${Object.entries(options).map(([k, v]) => `${k}=${v.label}`).join(', ')})`, stack =>
        Object.fromEntries(Object.entries(options).map(([k, v]) => [k, v.make(stack)])))).chain(x => x),
      athenaQuery: fc.record({
        name: strings('Quality'), queryString: strings('SELECT 1', 'x'.repeat(262_145)), workGroup: strings('wg', 'a.b_c-d'),
        resultsBucket: fc.oneof(built('a bucket', stack => s3.Bucket.fromBucketName(stack, 'FuzzResults', 'results')), wrongTypes(), fc.constant(MISSING)),
        resultsPrefix: strings('athena-results/', 'q(1)/'), catalogDatabaseName: strings('lakehouse'),
        pollInterval: seconds(10, 1), timeout: seconds(600),
      }).map(options => built(`athenaQuery(${Object.entries(options).map(([k, v]) => `${k}=${v.label}`).join(', ')})`, stack =>
        Object.fromEntries(Object.entries(options).map(([k, v]) => [k, v.make(stack)])))).chain(x => x),
      dbt: fc.record({
        name: strings('Dbt'), select: strings('marts', 'tag:daily +orders'), fullRefresh: fc.oneof(oneOfValues(true, false), wrongTypes()),
        extraArgs: fc.oneof(oneOfValues(['--threads', '4'], [], ['a b'], 'x'), wrongTypes()),
        icebergMaintenanceDays: fc.oneof(oneOfValues([Weekday.SUNDAY], [], [Weekday.MONDAY, Weekday.MONDAY], ['SUNDAY'], 'SUN'), wrongTypes()),
      }).map(options => built(`dbt(${Object.entries(options).map(([k, v]) => `${k}=${v.label}`).join(', ')})`, stack =>
        Object.fromEntries(Object.entries(options).map(([k, v]) => [k, v.make(stack)])))).chain(x => x),
    },
    maxFuzzed: 3,
    // A step's errors name its option, without the factory's name.
    aliases: {
      crawl: ['name', 'crawlerName', 'pollInterval', 'timeout', 'steps'],
      athenaQuery: ['name', 'queryString', 'workGroup', 'resultsBucket', 'resultsPrefix', 'catalogDatabaseName', 'pollInterval', 'timeout', 'steps'],
      dbt: ['name', 'select', 'fullRefresh', 'extraArgs', 'icebergMaintenanceDays', 'steps'],
    },
    build: (stack, fuzzed) => {
      const steps = [];
      if (fuzzed.crawl) steps.push(PipelineStep.crawl(fuzzed.crawl as any));
      if (fuzzed.athenaQuery) steps.push(PipelineStep.athenaQuery(fuzzed.athenaQuery as any));
      if (fuzzed.dbt) steps.push(PipelineStep.dbt(new DbtJob(stack, 'Dbt', requiredJobProps(stack)), fuzzed.dbt as any));
      new LakehousePipeline(stack, 'Pipeline', { runsTable: runsTableOf(stack), steps });
    },
    rules: pipelineRules,
  };
  assertFuzz(spec);
});

test('DbtJob: any fuzzed props give a job within CodeBuild rules, or a named error', () => {
  const spec: FuzzSpec = {
    construct: 'DbtJob',
    props: {
      projectDirectory: fc.oneof({ weight: 3, arbitrary: oneOfValues(DBT_PROJECT) }, oneOfValues('/nonexistent', '.'), badStrings()),
      entrypoint: strings('scripts/lakehouse_dbt.py', '../x.py', '/etc/passwd'),
      requirementsFile: strings('requirements-athena.txt'),
      dataLakeBucket: fc.oneof({ weight: 3, arbitrary: built('an imported bucket', stack => s3.Bucket.fromBucketName(stack, 'FuzzLake', 'lake')) }, wrongTypes(), fc.constant(MISSING)),
      dataLakeKey: fc.oneof(built('a kms.Key', stack => new kms.Key(stack, 'FuzzDataKey')), wrongTypes(), fc.constant(MISSING)),
      rawPrefix: strings('raw/', 'raw/events/', 'a(/'),
      curatedPrefix: strings('curated/'),
      queryResultsPrefix: strings('athena-results/'),
      athenaWorkGroupName: strings('wg', 'lakehouse-sandbox'),
      maintenanceWorkGroupName: strings('wg-maintenance'),
      databaseName: strings('lakehouse_sandbox'),
      rawDatabaseName: strings('raw_db'),
      runsTable: runsTables(),
      timeout: fc.oneof(
        fc.constantFrom(5, 60, 2160).map(n => constant(`Duration.minutes(${n})`, Duration.minutes(n))),
        fc.constant(constant('Duration.hours(1)', Duration.hours(1))),
        durations(), wrongTypes(), fc.constant(MISSING)),
      computeType: fc.oneof(oneOfValues(codebuild.ComputeType.SMALL, codebuild.ComputeType.MEDIUM), badStrings()),
      logRetention: fc.oneof(logRetentions(), wrongTypes(), fc.constant(MISSING)),
      logEncryptionKey: fc.oneof(built('a kms.Key', stack => new kms.Key(stack, 'FuzzLogKey')), wrongTypes(), fc.constant(MISSING)),
      naming: naming(),
      removalPolicy: fc.oneof(removalPolicies(), wrongTypes()),
    },
    maxFuzzed: 3,
    aliases: { athenaWorkGroupName: ['maintenanceWorkGroupName'], databaseName: ['rawDatabaseName'], projectDirectory: ['entrypoint', 'requirementsFile'] },
    build: (stack, fuzzed) => new DbtJob(stack, 'Dbt', { ...requiredJobProps(stack), ...fuzzed } as any),
    rules: (template, fuzzed) => {
      for (const [id, project] of Object.entries<any>(template.findResources('AWS::CodeBuild::Project'))) {
        const minutes = project.Properties.TimeoutInMinutes;
        if (!Token.isUnresolved(fuzzed.timeout) && typeof minutes === 'number' && !(Number.isInteger(minutes) && minutes >= 5 && minutes <= 2160)) {
          throw new Error(`${id} TimeoutInMinutes ${minutes}`);
        }
      }
    },
  };
  assertFuzz(spec);
});

// Keeps the imports used when a suite is trimmed.
void Stack; void boundaryNumbers; void tokenNumbers;
