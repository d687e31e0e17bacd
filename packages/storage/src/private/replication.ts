import { NagAcknowledgements } from '@lakehouse-cdk/core';
import { IConstruct } from 'constructs';

/**
 * Acknowledges the compliance packs' replication rule on a bucket of this
 * package. Replication is a deployment choice, not a defect of the bucket.
 */
export function acknowledgeNoReplication(bucket: IConstruct): void {
  NagAcknowledgements.complianceRule(bucket, 'S3BucketReplicationEnabled',
    'Replication needs a destination bucket, key and role that a team chooses (another region or account) and doubles the storage cost; '
    + 'the bucket is versioned, so an overwritten or deleted object stays recoverable in place, and a team that needs a second copy adds a replication rule to its own destination.');
}
