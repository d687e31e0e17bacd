import { synth } from '@lakehouse-cdk/testing';
import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { DataLakeStorage, DataLakeStorageProps } from '../src';
import { lifecycleRule } from './helpers';

function storageTemplate(props: DataLakeStorageProps = {}): Template {
  return synth(stack => { new DataLakeStorage(stack, 'Storage', props); }).template;
}

/**
 * The data-lake bucket is versioned: an expired query result only becomes a
 * noncurrent version, so the query-results rule must also expire those, and
 * before the bucket-wide noncurrent transition could move them to Glacier IR.
 */
describe('query results disappear from the versioned data-lake bucket', () => {
  let template: Template;
  beforeAll(() => { template = storageTemplate(); });

  test('the query-results rule expires results after 30 days and their noncurrent versions 1 day later', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({
          Id: 'query-results-expiry',
          Prefix: 'athena-results/',
          Status: 'Enabled',
          ExpirationInDays: 30,
          NoncurrentVersionExpiration: { NoncurrentDays: 1 },
        })]),
      },
    });
  });

  test('the query-results rule itself never transitions a result to another storage class', () => {
    const rule = lifecycleRule(template, 'StorageBucket', 'query-results-expiry');
    expect(rule.Transitions).toBeUndefined();
    expect(rule.NoncurrentVersionTransitions).toBeUndefined();
  });

  test('noncurrent results expire before the bucket-wide rule would move them to Glacier IR', () => {
    const results = lifecycleRule(template, 'StorageBucket', 'query-results-expiry');
    const housekeeping = lifecycleRule(template, 'StorageBucket', 'noncurrent-versions-and-incomplete-uploads');
    // The housekeeping rule has no prefix: it also covers athena-results/.
    expect(housekeeping.Prefix).toBeUndefined();
    const [transition] = housekeeping.NoncurrentVersionTransitions;
    expect(transition.StorageClass).toBe('GLACIER_IR');
    expect(results.NoncurrentVersionExpiration.NoncurrentDays).toBeLessThan(transition.TransitionInDays);
    // The delete markers left behind once the results have gone are removed too.
    expect(housekeeping.ExpiredObjectDeleteMarker).toBe(true);
  });

  test('with the shortest noncurrent transition (1 day) both are due together, and S3 deletes rather than transitions', () => {
    const shortest = storageTemplate({ noncurrentTransitionAfter: Duration.days(1), noncurrentExpiration: Duration.days(2) });
    const results = lifecycleRule(shortest, 'StorageBucket', 'query-results-expiry');
    const [transition] = lifecycleRule(shortest, 'StorageBucket', 'noncurrent-versions-and-incomplete-uploads').NoncurrentVersionTransitions;
    expect(transition).toEqual({ StorageClass: 'GLACIER_IR', TransitionInDays: 1 });
    expect(results.NoncurrentVersionExpiration).toEqual({ NoncurrentDays: 1 });
  });

  test('a custom prefix and retention keep the one-day noncurrent expiry', () => {
    const custom = storageTemplate({ queryResultsPrefix: 'query/results/', queryResultsRetention: Duration.days(7) });
    custom.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({
          Id: 'query-results-expiry',
          Prefix: 'query/results/',
          ExpirationInDays: 7,
          NoncurrentVersionExpiration: { NoncurrentDays: 1 },
        })]),
      },
    });
  });

  test('the access-logs bucket is not given a query-results rule', () => {
    expect(lifecycleRule(template, 'StorageAccessLogsBucket', 'query-results-expiry')).toBeUndefined();
  });
});
