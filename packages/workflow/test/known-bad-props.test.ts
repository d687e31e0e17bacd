import { expectValidationError, synth } from '@lakehouse-cdk/testing';
import { CfnParameter, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { dbtJob, requiredProps, runsTableOf } from './helpers';
import { LakehousePipeline, PipelineStep } from '../src';

function pipeline(extra: (stack: Stack) => Record<string, unknown>) {
  return () => synth(stack => new LakehousePipeline(stack, 'Pipeline', { ...requiredProps(stack), ...extra(stack) } as any));
}

describe('bad props that crashed or synthesized a template CloudFormation refuses', () => {
  test('RemovalPolicy.SNAPSHOT', () => {
    expectValidationError(pipeline(() => ({ removalPolicy: RemovalPolicy.SNAPSHOT })), 'removalPolicy', /CloudFormation can't snapshot/);
    expectValidationError(() => synth(stack => dbtJob(stack, { removalPolicy: RemovalPolicy.SNAPSHOT })), 'removalPolicy');
  });

  test.each([0, -1, 2, 1.5, 10_000, NaN, Infinity])('logRetention %d', days => {
    expectValidationError(pipeline(() => ({ logRetention: days })), 'logRetention', /1, 3, 5, 7, 14, 30/);
    expectValidationError(() => synth(stack => dbtJob(stack, { logRetention: days })), 'logRetention');
  });

  test('a token poll interval or crawler timeout, which the poll bound would be computed from', () => {
    const parameter = (stack: Stack) => new CfnParameter(stack, 'Seconds', { type: 'Number' }).valueAsNumber;
    expectValidationError(pipeline(stack => ({ crawlerPollInterval: Duration.seconds(parameter(stack)) })), 'crawlerPollInterval', /must be known at synth time/);
    expectValidationError(pipeline(stack => ({ crawlerTimeout: Duration.minutes(parameter(stack)) })), 'crawlerTimeout', /must be given as Duration.seconds/);
    expectValidationError(() => synth(stack => new LakehousePipeline(stack, 'P', {
      runsTable: runsTableOf(stack),
      steps: [PipelineStep.crawl({ name: 'Raw', crawlerName: 'raw', timeout: Duration.hours(parameter(stack)) })],
    })), 'timeout', /must be given as Duration.seconds/);
    expectValidationError(() => synth(stack => dbtJob(stack, { timeout: Duration.minutes(parameter(stack)) })), 'timeout', /must be known at synth time/);
  });

  test('a token timeout in seconds is kept as a token', () => {
    const { template } = synth(stack => new LakehousePipeline(stack, 'P', {
      ...requiredProps(stack), timeout: Duration.seconds(new CfnParameter(stack, 'Timeout', { type: 'Number' }).valueAsNumber),
    }));
    expect(JSON.stringify(template.toJSON())).toContain('"Ref":"Timeout"');
  });

  test('wrong runtime types', () => {
    expectValidationError(pipeline(() => ({ crawlerPollInterval: 30 })), 'crawlerPollInterval', /must be a Duration/);
    expectValidationError(pipeline(() => ({ naming: { project: 'a', environment: 'b' } })), 'naming', /must be a Naming/);
    expectValidationError(pipeline(() => ({ alarmTopic: 'arn:aws:sns:eu-west-1:123456789012:alarms' })), 'alarmTopic', /must be a construct/);
    expectValidationError(pipeline(() => ({ runsTable: undefined })), 'runsTable', /is required/);
    expectValidationError(pipeline(() => ({ runsTable: 'runs' })), 'runsTable', /must be a construct/);
    expectValidationError(pipeline(() => ({ transformation: 'dbt' })), 'transformation', /must be a pipeline step/);
    expectValidationError(() => synth(stack => new LakehousePipeline(stack, 'P', { runsTable: runsTableOf(stack), steps: 'Raw' as any })), 'steps', /must be a list/);
  });

  test('a runs table defined with other keys', () => {
    expectValidationError(pipeline(stack => ({
      runsTable: new dynamodb.Table(stack, 'Other', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } }),
    })), 'runsTable', /must have the run record's keys/);
  });
});
