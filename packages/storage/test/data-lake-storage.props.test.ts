import { DataRetention } from '@lakehouse-cdk/core';
import { expectValidationError, synth } from '@lakehouse-cdk/testing';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as fc from 'fast-check';
import { DagsBucket, DataLakeStorage, DataLakeStorageProps } from '../src';
import { expectEveryBucketSecure } from './helpers';

const days = (min: number, max: number) => fc.integer({ min, max }).map(d => Duration.days(d));

/** Valid storage props: every ordering rule S3 and the construct impose holds. */
const validStorageProps = (): fc.Arbitrary<DataLakeStorageProps & { withDags: boolean; destroy: boolean }> =>
  fc.record({
    rawIa: fc.integer({ min: 30, max: 400 }),
    gap: fc.integer({ min: 30, max: 400 }),
    processedIa: fc.integer({ min: 30, max: 1000 }),
    curatedIa: fc.integer({ min: 30, max: 1000 }),
    noncurrentTransition: fc.integer({ min: 1, max: 300 }),
    noncurrentGap: fc.integer({ min: 1, max: 1000 }),
    queryResultsRetention: days(1, 400),
    accessLogsRetention: days(1, 3650),
    queryResultsPrefix: fc.constantFrom('athena-results/', 'query-results/', 'athena/results/', 'tmp/athena_q/'),
    withDags: fc.boolean(),
    destroy: fc.boolean(),
  }).map(v => ({
    rawInfrequentAccessAfter: Duration.days(v.rawIa),
    rawGlacierInstantRetrievalAfter: Duration.days(v.rawIa + v.gap),
    processedInfrequentAccessAfter: Duration.days(v.processedIa),
    curatedInfrequentAccessAfter: Duration.days(v.curatedIa),
    noncurrentTransitionAfter: Duration.days(v.noncurrentTransition),
    noncurrentExpiration: Duration.days(v.noncurrentTransition + v.noncurrentGap),
    queryResultsRetention: v.queryResultsRetention,
    accessLogsRetention: v.accessLogsRetention,
    queryResultsPrefix: v.queryResultsPrefix,
    removalPolicy: v.destroy ? RemovalPolicy.DESTROY : undefined,
    withDags: v.withDags,
    destroy: v.destroy,
  }));

test('every bucket of the storage layer is versioned, encrypted, private, SSL-only and has lifecycle rules', () => {
  fc.assert(fc.property(validStorageProps(), ({ withDags, destroy, ...props }) => {
    const { template } = synth(stack => {
      const storage = new DataLakeStorage(stack, 'Storage', props);
      if (withDags) new DagsBucket(stack, 'Dags', { encryptionKey: storage.encryptionKey, accessLogsBucket: storage.accessLogsBucket });
    }, destroy ? { [DataRetention.REMOVE_DATA_ON_DESTROY]: true } : {});
    expectEveryBucketSecure(template);
    template.resourceCountIs('AWS::S3::Bucket', withDags ? 3 : 2);
    template.resourceCountIs('AWS::KMS::Key', 1);
  }), { numRuns: 25 });
});

/** Invalid props, each with the prop its error must name. */
const invalidStorageProps = (): fc.Arbitrary<[string, DataLakeStorageProps]> => fc.oneof(
  fc.integer({ min: 0, max: 29 }).map(d => ['rawInfrequentAccessAfter', { rawInfrequentAccessAfter: Duration.days(d) }] as [string, DataLakeStorageProps]),
  fc.integer({ min: 0, max: 29 }).map(d => ['processedInfrequentAccessAfter', { processedInfrequentAccessAfter: Duration.days(d) }] as [string, DataLakeStorageProps]),
  fc.integer({ min: 0, max: 29 }).map(d => ['curatedInfrequentAccessAfter', { curatedInfrequentAccessAfter: Duration.days(d) }] as [string, DataLakeStorageProps]),
  fc.record({ ia: fc.integer({ min: 30, max: 300 }), gap: fc.integer({ min: -100, max: 29 }) })
    .map(v => ['rawGlacierInstantRetrievalAfter', { rawInfrequentAccessAfter: Duration.days(v.ia), rawGlacierInstantRetrievalAfter: Duration.days(Math.max(1, v.ia + v.gap)) }] as [string, DataLakeStorageProps]),
  fc.record({ t: fc.integer({ min: 1, max: 300 }), gap: fc.integer({ min: 0, max: 299 }) })
    .map(v => ['noncurrentExpiration', { noncurrentTransitionAfter: Duration.days(v.t), noncurrentExpiration: Duration.days(Math.max(1, v.t - v.gap)) }] as [string, DataLakeStorageProps]),
  fc.integer({ min: 1, max: 1000 }).filter(h => h % 24 !== 0).map(h => ['queryResultsRetention', { queryResultsRetention: Duration.hours(h) }] as [string, DataLakeStorageProps]),
  fc.constant(0).map(d => ['accessLogsRetention', { accessLogsRetention: Duration.days(d) }] as [string, DataLakeStorageProps]),
  fc.oneof(
    fc.constantFrom('raw/', 'processed/x/', 'curated/athena/', '/athena/', 'athena', '', './', 'a//', 'a b/', 'a*/', '../', 'x/../y/'),
    fc.stringMatching(/^[a-z]{1,10}$/),
  ).map(p => ['queryResultsPrefix', { queryResultsPrefix: p }] as [string, DataLakeStorageProps]),
);

test('invalid props raise the named validation error naming the prop', () => {
  fc.assert(fc.property(invalidStorageProps(), ([prop, props]) => {
    expectValidationError(() => synth(stack => { new DataLakeStorage(stack, 'Storage', props); }), prop);
  }), { numRuns: 100 });
});
