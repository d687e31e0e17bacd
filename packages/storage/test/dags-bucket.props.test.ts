import { DataRetention } from '@lakehouse-cdk/core';
import { synth } from '@lakehouse-cdk/testing';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as fc from 'fast-check';
import { DagsBucket } from '../src';
import { expectEveryBucketSecure } from './helpers';

test('the DAGs bucket is versioned, encrypted, private, SSL-only and has lifecycle rules for any valid props', () => {
  fc.assert(fc.property(
    fc.record({ noncurrent: fc.integer({ min: 1, max: 3650 }), withKey: fc.boolean(), withLogs: fc.boolean(), destroy: fc.boolean() }),
    v => {
      const { template } = synth(stack => {
        new DagsBucket(stack, 'Dags', {
          noncurrentExpiration: Duration.days(v.noncurrent),
          encryptionKey: v.withKey ? new kms.Key(stack, 'Key', { enableKeyRotation: true }) : undefined,
          accessLogsBucket: v.withLogs ? s3.Bucket.fromBucketName(stack, 'Logs', 'shared-access-logs') : undefined,
          removalPolicy: v.destroy ? RemovalPolicy.DESTROY : undefined,
        });
      }, v.destroy ? { [DataRetention.REMOVE_DATA_ON_DESTROY]: true } : {});
      expectEveryBucketSecure(template);
    }), { numRuns: 25 });
});
