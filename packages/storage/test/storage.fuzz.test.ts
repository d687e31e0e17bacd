import {
  assertFuzz, built, constant, durations, FuzzSpec, MISSING, oddStrings, oneOfValues, removalPolicies, reportFuzzCounts, tokenStrings, wrongTypes,
} from '@lakehouse-cdk/testing';
import { Naming } from '@lakehouse-cdk/core';
import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as fc from 'fast-check';
import { DagsBucket, DataLakeStorage } from '../src';

afterAll(reportFuzzCounts);

const validDays = (...days: number[]) => fc.constantFrom(...days).map(n => constant(`Duration.days(${n})`, Duration.days(n)));
const dayDuration = (...valid: number[]) => fc.oneof({ weight: 3, arbitrary: validDays(...valid) }, durations(), wrongTypes(), fc.constant(MISSING));
const key = () => fc.oneof(built('a kms.Key', stack => new kms.Key(stack, 'FuzzKey')),
  built('an imported key', stack => kms.Key.fromKeyArn(stack, 'FuzzImportedKey', 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab')),
  wrongTypes(), fc.constant(MISSING));
const bucket = () => fc.oneof(built('an imported bucket', stack => s3.Bucket.fromBucketName(stack, 'FuzzLogs', 'team-logs')), wrongTypes(), fc.constant(MISSING));
const naming = () => fc.oneof(
  fc.constantFrom(['lakehouse', 'sandbox'], ['a', 'b'], ['x'.repeat(40), 'y'.repeat(20)]).map(([project, environment]) =>
    constant(`Naming(${project}, ${environment})`, new Naming({ project, environment }))),
  wrongTypes(), fc.constant(MISSING));
const prefix = () => fc.oneof(
  { weight: 3, arbitrary: oneOfValues('athena-results/', 'query-results/2024/', 'a(b)/', 'results=1/') },
  oneOfValues('raw/results/', 'a(/', 'a)/', '/abs/', 'a', '*/', 'curated/'), oddStrings(), tokenStrings(), wrongTypes());

/** Every bucket keeps the baseline: versioned, encrypted, public access blocked, SSL-only. */
function bucketsSecure(template: Template): void {
  for (const [id, resource] of Object.entries<any>(template.findResources('AWS::S3::Bucket'))) {
    const props = resource.Properties;
    if (props.VersioningConfiguration?.Status !== 'Enabled') throw new Error(`${id} is not versioned`);
    if (!props.BucketEncryption) throw new Error(`${id} is not encrypted`);
    if (props.PublicAccessBlockConfiguration?.BlockPublicPolicy !== true) throw new Error(`${id} does not block public access`);
    for (const rule of props.LifecycleConfiguration?.Rules ?? []) {
      for (const days of [rule.ExpirationInDays, rule.NoncurrentVersionExpiration?.NoncurrentDays, ...(rule.Transitions ?? []).map((t: any) => t.TransitionInDays)]) {
        if (typeof days === 'number' && (!Number.isInteger(days) || days < 1)) throw new Error(`${id} rule ${rule.Id} has ${days} days`);
      }
    }
  }
}

test('DataLakeStorage: any fuzzed props give a secure template or a named error', () => {
  const spec: FuzzSpec = {
    construct: 'DataLakeStorage',
    props: {
      encryptionKey: key(),
      accessLogsBucket: bucket(),
      accessLogsRetention: dayDuration(1, 90, 400),
      queryResultsPrefix: prefix(),
      queryResultsRetention: dayDuration(1, 30),
      rawInfrequentAccessAfter: dayDuration(30, 45),
      rawGlacierInstantRetrievalAfter: dayDuration(90, 120),
      processedInfrequentAccessAfter: dayDuration(30, 90),
      curatedInfrequentAccessAfter: dayDuration(180, 30),
      noncurrentTransitionAfter: dayDuration(1, 30),
      noncurrentExpiration: dayDuration(365, 31),
      removalPolicy: fc.oneof(removalPolicies(), wrongTypes()),
      naming: naming(),
    },
    // The Standard-IA and Glacier transitions are checked against each other, so the errors may name the earlier prop.
    aliases: { rawInfrequentAccessAfter: ['rawGlacierInstantRetrievalAfter'], noncurrentTransitionAfter: ['noncurrentExpiration'] },
    build: (stack, fuzzed) => new DataLakeStorage(stack, 'Storage', fuzzed as any),
    rules: bucketsSecure,
  };
  assertFuzz(spec);
});

test('DagsBucket: any fuzzed props give a secure template or a named error', () => {
  const spec: FuzzSpec = {
    construct: 'DagsBucket',
    props: {
      encryptionKey: key(),
      accessLogsBucket: bucket(),
      noncurrentExpiration: dayDuration(1, 30, 365),
      removalPolicy: fc.oneof(removalPolicies(), wrongTypes()),
      naming: naming(),
    },
    build: (stack, fuzzed) => new DagsBucket(stack, 'Dags', fuzzed as any),
    rules: bucketsSecure,
  };
  assertFuzz(spec);
});
