import { expectValidationError, synth } from '@lakehouse-cdk/testing';
import { CfnParameter, Duration, RemovalPolicy } from 'aws-cdk-lib';
import { DagsBucket, DataLakeStorage } from '../src';

describe('bad props that crashed or synthesized a template CloudFormation refuses', () => {
  test('RemovalPolicy.SNAPSHOT, which buckets and keys do not support', () => {
    expectValidationError(() => synth(stack => new DataLakeStorage(stack, 'S', { removalPolicy: RemovalPolicy.SNAPSHOT })), 'removalPolicy', /can't snapshot/);
    expectValidationError(() => synth(stack => new DagsBucket(stack, 'D', { removalPolicy: RemovalPolicy.SNAPSHOT })), 'removalPolicy', /can't snapshot/);
  });

  test('an unbalanced parenthesis in the query results prefix', () => {
    expectValidationError(() => synth(stack => new DataLakeStorage(stack, 'S', { queryResultsPrefix: 'results(/' })), 'queryResultsPrefix', /parentheses closed/);
  });

  test('wrong runtime types name the prop', () => {
    expectValidationError(() => synth(stack => new DataLakeStorage(stack, 'S', { accessLogsBucket: 'team-logs' as any })), 'accessLogsBucket', /must be a construct/);
    expectValidationError(() => synth(stack => new DagsBucket(stack, 'D', { accessLogsBucket: 'team-logs' as any })), 'accessLogsBucket', /must be a construct/);
    expectValidationError(() => synth(stack => new DataLakeStorage(stack, 'S', { rawInfrequentAccessAfter: 45 as any })), 'rawInfrequentAccessAfter', /must be a Duration/);
    expectValidationError(() => synth(stack => new DagsBucket(stack, 'D', { naming: { project: 'a', environment: 'b' } as any })), 'naming', /must be a Naming/);
  });

  test('a token duration in another unit than days names the prop; in days it is kept', () => {
    expectValidationError(() => synth(stack => new DataLakeStorage(stack, 'S', {
      queryResultsRetention: Duration.hours(new CfnParameter(stack, 'Hours', { type: 'Number' }).valueAsNumber),
    })), 'queryResultsRetention', /must be given as Duration.days/);
    const { template } = synth(stack => new DataLakeStorage(stack, 'S', {
      queryResultsRetention: Duration.days(new CfnParameter(stack, 'Days', { type: 'Number' }).valueAsNumber),
    }));
    expect(JSON.stringify(template.toJSON())).toContain('"ExpirationInDays":{"Ref":"Days"}');
  });
});
