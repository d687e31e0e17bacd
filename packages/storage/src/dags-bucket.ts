import { CostAllocationTags, DataRetention, NagAcknowledgements, Naming, PropType, Validate } from '@lakehouse-cdk/core';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { grantOnPrefix } from './private/grants';
import { housekeepingRule, MAX_LIFECYCLE_DAYS } from './private/lifecycle';
import { acknowledgeAutoDeleteProvider } from './private/removal';
import { createSecureBucket } from './private/secure-bucket';

/** Properties of the MWAA DAGs bucket. */
export interface DagsBucketProps {
  /**
   * The customer-managed KMS key of the bucket. MWAA reads a CMK-encrypted
   * bucket as long as its execution role may decrypt with the key:
   * `grantRead` gives that, and so does `MwaaEnvironment` for the key of the
   * DAGs bucket it is given.
   * @default - a customer-managed key with yearly rotation, created for this bucket (the bucket holds code that MWAA runs, so who may read or change it is controlled by the key policy too)
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
   * The naming convention for the bucket name, which holds the account and
   * region (`Naming.bucketName`) because S3 bucket names are global:
   * `{project}-{environment}-dags-{account}-{region}`.
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
  /** The customer-managed key of the bucket. */
  public readonly encryptionKey: kms.IKey;

  constructor(scope: Construct, id: string, props: DagsBucketProps = {}) {
    super(scope, id);
    // Log delivery by bucket policy works with ACLs disabled on the target bucket.
    this.node.setContext(cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);
    Validate.propTypes(props, {
      encryptionKey: PropType.CONSTRUCT,
      accessLogsBucket: PropType.CONSTRUCT,
      noncurrentExpiration: PropType.DURATION,
      removalPolicy: PropType.REMOVAL_POLICY,
      naming: PropType.NAMING,
    }, [], this);

    const noncurrentExpiration = props.noncurrentExpiration ?? Duration.days(30);
    Validate.wholeDays('noncurrentExpiration', noncurrentExpiration, 1, MAX_LIFECYCLE_DAYS, this);
    const removalPolicy = DataRetention.removalPolicy(this, props.removalPolicy);
    const destroy = removalPolicy === RemovalPolicy.DESTROY;

    this.encryptionKey = props.encryptionKey ?? new kms.Key(this, 'Key', {
      description: 'Encrypts the MWAA DAGs bucket: the DAGs, plugins and requirements MWAA runs',
      enableKeyRotation: true,
      removalPolicy,
    });
    // MWAA refuses a DAGs bucket without versioning or not blocked from
    // public access; the secure baseline has both.
    const dagsBucket = createSecureBucket(this, 'Bucket', {
      bucketName: props.naming?.bucketName(this, 'dags'),
      encryptionKey: this.encryptionKey,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: props.accessLogsBucket ? 'dags/' : undefined,
      lifecycleRules: [housekeepingRule(noncurrentExpiration)],
      removalPolicy,
    });
    this.bucket = dagsBucket;

    if (!props.accessLogsBucket) {
      const reason = 'No accessLogsBucket was given: the DAGs bucket holds only code deployed by CloudFormation and read by MWAA, and its changes are traced by its object versions and CloudTrail.';
      Validations.of(dagsBucket).acknowledge({ id: 'AwsSolutions-S1', reason });
      NagAcknowledgements.complianceRule(dagsBucket, 'S3BucketLoggingEnabled', reason);
    }
    if (destroy) acknowledgeAutoDeleteProvider(this);
    CostAllocationTags.tagLayer(this, 'storage');
  }

  /**
   * Lets `grantee` (the MWAA execution role) read the DAGs, plugins and
   * requirements: GetObject on every object, ListBucket, and the bucket facts
   * MWAA checks at start-up (location, versioning, public access block,
   * encryption), and kms:Decrypt on the bucket's key.
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
