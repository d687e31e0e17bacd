import { RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeNoReplication } from './replication';

/** What one bucket of this package chooses; `createSecureBucket` sets the rest. */
export interface SecureBucketProps {
  readonly bucketName?: string;
  /**
   * The customer-managed key: SSE-KMS with an S3 Bucket Key. Without one the
   * bucket uses SSE-S3, which only a server-access-logs target needs.
   */
  readonly encryptionKey?: kms.IKey;
  readonly serverAccessLogsBucket?: s3.IBucket;
  readonly serverAccessLogsPrefix?: string;
  readonly lifecycleRules: s3.LifecycleRule[];
  /** Also empties the bucket before deletion when it is DESTROY. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * A bucket with the baseline every bucket of this package shares: versioned,
 * blocked from public access, objects owned by the bucket owner, TLS 1.2 or
 * later only, and no replication (acknowledged).
 */
export function createSecureBucket(scope: Construct, id: string, props: SecureBucketProps): s3.Bucket {
  const bucket = new s3.Bucket(scope, id, {
    bucketName: props.bucketName,
    encryption: props.encryptionKey ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
    encryptionKey: props.encryptionKey,
    // One data key per bucket instead of one KMS request per object: far fewer KMS calls for Athena scans.
    bucketKeyEnabled: props.encryptionKey ? true : undefined,
    versioned: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    serverAccessLogsBucket: props.serverAccessLogsBucket,
    serverAccessLogsPrefix: props.serverAccessLogsPrefix,
    lifecycleRules: props.lifecycleRules,
    removalPolicy: props.removalPolicy,
    autoDeleteObjects: props.removalPolicy === RemovalPolicy.DESTROY,
  });
  acknowledgeNoReplication(bucket);
  return bucket;
}
