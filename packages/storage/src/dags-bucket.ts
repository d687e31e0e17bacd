import { CostAllocationTags, DataRetention, Naming, ResourceKind, Validate } from '@lakehouse-cdk/core';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { grantOnPrefix } from './private/grants';
import { housekeepingRule, MAX_LIFECYCLE_DAYS } from './private/lifecycle';
import { acknowledgeAutoDeleteProvider } from './private/removal';

/** Properties of the MWAA DAGs bucket. */
export interface DagsBucketProps {
  /**
   * A customer-managed KMS key for the bucket, for example the storage
   * layer's key. MWAA reads a CMK-encrypted bucket as long as its execution
   * role may decrypt with the key, which `grantRead` gives.
   * @default - SSE-S3 (S3-managed keys): DAG code is not data, and MWAA needs no key grant
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * The bucket that receives this bucket's server access logs, for example
   * `DataLakeStorage.accessLogsBucket`.
   * @default - no server access logs (acknowledged as AwsSolutions-S1)
   */
  readonly accessLogsBucket?: s3.IBucket;

  /**
   * Days after a DAG file version becomes noncurrent before it is deleted.
   * MWAA requires versioning; this keeps old DAG versions from piling up.
   * Whole days, at least 1.
   * @default Duration.days(30)
   */
  readonly noncurrentExpiration?: Duration;

  /**
   * Keep or destroy the bucket when the stack is deleted. DESTROY takes effect
   * only when the app also sets the context `@lakehouse-cdk/core:removeDataOnDestroy`;
   * then the bucket is emptied first.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * The naming convention for the bucket name: `dags`.
   * @default - CloudFormation generates the bucket name
   */
  readonly naming?: Naming;
}

/**
 * The versioned, private bucket that Amazon MWAA reads DAGs, plugins and
 * requirements from.
 */
export class DagsBucket extends Construct {
  /** The DAGs bucket. */
  public readonly bucket: s3.IBucket;
  /** The customer-managed key of the bucket, if it has one. */
  public readonly encryptionKey?: kms.IKey;

  constructor(scope: Construct, id: string, props: DagsBucketProps = {}) {
    super(scope, id);
    // Log delivery by bucket policy works with ACLs disabled on the target bucket.
    this.node.setContext(cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);

    const noncurrentExpiration = props.noncurrentExpiration ?? Duration.days(30);
    Validate.wholeDays('noncurrentExpiration', noncurrentExpiration, 1, MAX_LIFECYCLE_DAYS, this);
    const removalPolicy = DataRetention.removalPolicy(this, props.removalPolicy);
    const destroy = removalPolicy === RemovalPolicy.DESTROY;

    this.encryptionKey = props.encryptionKey;
    const dagsBucket = new s3.Bucket(this, 'Bucket', {
      bucketName: props.naming?.name(ResourceKind.S3_BUCKET, 'dags'),
      encryption: props.encryptionKey ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: props.encryptionKey ? true : undefined,
      // MWAA refuses a DAGs bucket without versioning.
      versioned: true,
      // MWAA refuses a DAGs bucket that is not blocked from public access.
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: props.accessLogsBucket ? 'dags/' : undefined,
      lifecycleRules: [housekeepingRule(noncurrentExpiration)],
      removalPolicy,
      autoDeleteObjects: destroy,
    });
    this.bucket = dagsBucket;

    if (!props.accessLogsBucket) {
      Validations.of(dagsBucket).acknowledge({
        id: 'AwsSolutions-S1',
        reason: 'No accessLogsBucket was given: the DAGs bucket holds only code deployed by CloudFormation and read by MWAA, and its changes are traced by its object versions and CloudTrail.',
      });
    }
    if (destroy) acknowledgeAutoDeleteProvider(this);
    CostAllocationTags.tagLayer(this, 'storage');
  }

  /**
   * Lets `grantee` (the MWAA execution role) read the DAGs, plugins and
   * requirements: GetObject on every object, ListBucket, and the bucket facts
   * MWAA checks at start-up (location, versioning, public access block,
   * encryption), plus kms:Decrypt when the bucket has a customer key.
   */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return grantOnPrefix(grantee, this.bucket, this.encryptionKey, {
      prefix: '',
      objectActions: ['s3:GetObject', 's3:GetObjectVersion'],
      bucketActions: ['s3:ListBucket', 's3:GetBucketLocation', 's3:GetBucketVersioning', 's3:GetBucketPublicAccessBlock', 's3:GetEncryptionConfiguration'],
      keyActions: ['kms:Decrypt'],
    });
  }
}
