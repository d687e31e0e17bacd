import { CostAllocationTags, DataLayer, DataLayers, DataRetention, NagAcknowledgements, Naming, PropType, Validate } from '@lakehouse-cdk/core';
import { Duration, RemovalPolicy, Resource, Token, TokenComparison, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { DataLakeStorageAttributes, IDataLakeStorage } from './data-lake-storage-ref';
import { ImportedDataLakeStorage } from './private/imported-storage';
import { DataLakeStorageBase } from './private/data-lake-storage-base';
import { housekeepingRule, MAX_LIFECYCLE_DAYS, queryResultsRule } from './private/lifecycle';
import { acknowledgeAutoDeleteProvider } from './private/removal';
import { createSecureBucket } from './private/secure-bucket';

/** Properties of the lakehouse data-lake storage. */
export interface DataLakeStorageProps {
  /**
   * A data-lake bucket of your own, instead of the one this construct
   * creates. The construct then creates no data-lake bucket and no key, and
   * changes nothing on this bucket: its encryption, versioning, access
   * logging, lifecycle rules and bucket policy stay yours. The layer
   * prefixes, the query results prefix and the grants work as for a created
   * bucket. The bucket must be encrypted with a customer-managed key, given
   * as `encryptionKey` or as the bucket's own `encryptionKey`; the lifecycle
   * props must not be given.
   * @default - a versioned, KMS-encrypted data-lake bucket is created
   */
  readonly bucket?: s3.IBucket;

  /**
   * The KMS key that encrypts the data-lake bucket. Bring one to share a key
   * across stacks or accounts; it should have rotation on. With `bucket`,
   * the key that encrypts that bucket.
   * @default - one customer-managed key with yearly rotation is created for
   * the storage layer; with `bucket`, the bucket's `encryptionKey`
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * An existing bucket to receive the server access logs, so that teams keep
   * one logging bucket instead of one per stack. It must accept S3 log
   * delivery (SSE-S3, or SSE-KMS with a customer key the logging service may use).
   * @default - an access-logs bucket is created
   */
  readonly accessLogsBucket?: s3.IBucket;

  /**
   * How long server access logs are kept in the access-logs bucket that this
   * construct creates. Ignored when `accessLogsBucket` is given. Whole days.
   * @default Duration.days(90)
   */
  readonly accessLogsRetention?: Duration;

  /**
   * The key prefix for Athena query results, outside the layer prefixes: a
   * relative S3 key prefix (`Validate.keyPrefix`): segments of letters,
   * digits and `!_.'()=-` each followed by `/`, no wildcard, no `.` or `..`
   * segment, 2 to 512 characters.
   * @default 'athena-results/'
   */
  readonly queryResultsPrefix?: string;

  /**
   * How long Athena query results are kept. Whole days.
   * @default Duration.days(30)
   */
  readonly queryResultsRetention?: Duration;

  /**
   * Age at which objects in the raw layer move to S3 Standard-IA. S3
   * requires at least 30 days.
   * @default Duration.days(30)
   */
  readonly rawInfrequentAccessAfter?: Duration;

  /**
   * Age at which objects in the raw layer move to S3 Glacier Instant
   * Retrieval. At least 30 days after `rawInfrequentAccessAfter`, because S3
   * keeps objects 30 days in Standard-IA before a later transition.
   * @default Duration.days(90)
   */
  readonly rawGlacierInstantRetrievalAfter?: Duration;

  /**
   * Age at which objects in the processed layer move to S3 Standard-IA. At least 30 days.
   * @default Duration.days(90)
   */
  readonly processedInfrequentAccessAfter?: Duration;

  /**
   * Age at which objects in the curated layer move to S3 Standard-IA. At least
   * 30 days. Curated marts are queried most, so they stay in Standard longest.
   * @default Duration.days(180)
   */
  readonly curatedInfrequentAccessAfter?: Duration;

  /**
   * Days after an object version becomes noncurrent (overwritten or deleted)
   * before it moves to S3 Glacier Instant Retrieval. Whole days, at least 1.
   * @default Duration.days(30)
   */
  readonly noncurrentTransitionAfter?: Duration;

  /**
   * Days after an object version becomes noncurrent before it is deleted.
   * Must be later than `noncurrentTransitionAfter`.
   * @default Duration.days(365)
   */
  readonly noncurrentExpiration?: Duration;

  /**
   * Keep or destroy the buckets and the key when the stack is deleted.
   * DESTROY takes effect only when the app also sets the context
   * `@lakehouse-cdk/core:removeDataOnDestroy`; then the buckets are emptied first.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * The naming convention for the bucket names, which hold the account and
   * region (`Naming.bucketName`) because S3 bucket names are global:
   * `{project}-{environment}-data-lake-{account}-{region}` and
   * `{project}-{environment}-access-logs-{account}-{region}`.
   * @default - CloudFormation generates the bucket names
   */
  readonly naming?: Naming;
}

/** The documented defaults, in days. */
const DEFAULTS = {
  accessLogsRetention: 90,
  queryResultsRetention: 30,
  rawInfrequentAccessAfter: 30,
  rawGlacierInstantRetrievalAfter: 90,
  processedInfrequentAccessAfter: 90,
  curatedInfrequentAccessAfter: 180,
  noncurrentTransitionAfter: 30,
  noncurrentExpiration: 365,
};

/** What each prop must hold, for JavaScript callers that no compiler checks. */
const PROP_TYPES: { [prop: string]: PropType } = {
  encryptionKey: PropType.CONSTRUCT,
  accessLogsBucket: PropType.CONSTRUCT,
  accessLogsRetention: PropType.DURATION,
  queryResultsPrefix: PropType.STRING,
  queryResultsRetention: PropType.DURATION,
  rawInfrequentAccessAfter: PropType.DURATION,
  rawGlacierInstantRetrievalAfter: PropType.DURATION,
  processedInfrequentAccessAfter: PropType.DURATION,
  curatedInfrequentAccessAfter: PropType.DURATION,
  noncurrentTransitionAfter: PropType.DURATION,
  noncurrentExpiration: PropType.DURATION,
  removalPolicy: PropType.REMOVAL_POLICY,
  naming: PropType.NAMING,
};

/** S3 refuses a transition to Standard-IA before an object is 30 days old. */
const STANDARD_IA_MINIMUM_DAYS = 30;

/** Noncurrent log versions are only a deleted log's shadow; keep them one day. */
const NONCURRENT_LOG_EXPIRATION = Duration.days(1);

/**
 * The lakehouse data lake: one KMS-encrypted, versioned bucket with the
 * `raw/`, `processed/` and `curated/` layer prefixes and a prefix for Athena
 * query results, lifecycle tiering per layer, and server access logs kept in
 * a separate bucket.
 */
export class DataLakeStorage extends DataLakeStorageBase {
  /**
   * A data lake that exists already, with the same prefixes and grants as
   * one this construct creates, and no new resources. Give the bucket as
   * `bucket`, `bucketName` or `bucketArn`, and its customer-managed key, if
   * it has one.
   */
  public static fromDataLakeStorageAttributes(scope: Construct, id: string, attrs: DataLakeStorageAttributes): IDataLakeStorage {
    return new ImportedDataLakeStorage(scope, id, attrs);
  }

  /** The data-lake bucket. */
  public readonly bucket: s3.IBucket;
  /** The bucket that receives the server access logs. */
  public readonly accessLogsBucket: s3.IBucket;
  /** The KMS key that encrypts the data-lake bucket (created, given, or the given bucket's). */
  public readonly encryptionKey: kms.IKey;
  /** The key prefix of Athena query results, for example `athena-results/`. */
  public readonly queryResultsPrefix: string;

  constructor(scope: Construct, id: string, props: DataLakeStorageProps = {}) {
    super(scope, id);
    // With the bucket-policy method, log delivery works on a bucket with ACLs
    // disabled (BucketOwnerEnforced); the legacy ACL method needs them on.
    this.node.setContext(cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);
    Validate.propTypes(props, PROP_TYPES, [], this);

    const queryResultsPrefix = props.queryResultsPrefix ?? 'athena-results/';
    validateQueryResultsPrefix(this, queryResultsPrefix);
    if (props.bucket) validateBroughtBucket(this, props);
    const lifecycle = this.lifecycleDays(props);

    const removalPolicy = DataRetention.removalPolicy(this, props.removalPolicy);
    const destroy = removalPolicy === RemovalPolicy.DESTROY;

    const givenKey = props.bucket ? keyOfBroughtBucket(this, props.bucket, props.encryptionKey) : props.encryptionKey;
    this.encryptionKey = givenKey ?? new kms.Key(this, 'Key', {
      description: 'Encrypts the lakehouse data-lake storage',
      enableKeyRotation: true,
      removalPolicy,
    });

    this.accessLogsBucket = props.accessLogsBucket ?? this.createAccessLogsBucket(props, removalPolicy);

    this.bucket = props.bucket ?? this.createDataLakeBucket(props, lifecycle, queryResultsPrefix, removalPolicy);
    this.queryResultsPrefix = queryResultsPrefix;

    if (destroy) acknowledgeAutoDeleteProvider(this);
    CostAllocationTags.tagLayer(this, 'storage');
  }

  /** The key prefix of a data layer, for example `raw/`. */
  public layerPrefix(layer: DataLayer): string {
    return DataLayers.prefix(layer);
  }

  private createDataLakeBucket(props: DataLakeStorageProps, lifecycle: ReturnType<DataLakeStorage['lifecycleDays']>,
    queryResultsPrefix: string, removalPolicy: RemovalPolicy): s3.IBucket {
    const dataLakeBucket = createSecureBucket(this, 'Bucket', {
      bucketName: props.naming?.bucketName(this, 'data-lake'),
      encryptionKey: this.encryptionKey,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'data-lake/',
      lifecycleRules: [
        {
          id: 'raw-tiering',
          prefix: DataLayers.prefix(DataLayer.RAW),
          transitions: [
            { storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: lifecycle.rawInfrequentAccessAfter },
            { storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: lifecycle.rawGlacierInstantRetrievalAfter },
          ],
        },
        {
          id: 'processed-tiering',
          prefix: DataLayers.prefix(DataLayer.PROCESSED),
          transitions: [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: lifecycle.processedInfrequentAccessAfter }],
        },
        {
          id: 'curated-tiering',
          prefix: DataLayers.prefix(DataLayer.CURATED),
          transitions: [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: lifecycle.curatedInfrequentAccessAfter }],
        },
        queryResultsRule(queryResultsPrefix, lifecycle.queryResultsRetention),
        housekeepingRule(lifecycle.noncurrentExpiration, {
          // Glacier IR keeps an overwritten version restorable in milliseconds at a fraction of Standard's price.
          storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
          transitionAfter: lifecycle.noncurrentTransitionAfter,
        }),
      ],
      removalPolicy,
    });
    denyUploadsWithAnotherKey(dataLakeBucket, this.encryptionKey);
    return dataLakeBucket;
  }

  private createAccessLogsBucket(props: DataLakeStorageProps, removalPolicy: RemovalPolicy): s3.IBucket {
    const retention = props.accessLogsRetention ?? Duration.days(DEFAULTS.accessLogsRetention);
    Validate.wholeDays('accessLogsRetention', retention, 1, MAX_LIFECYCLE_DAYS, this);
    const accessLogsBucket = createSecureBucket(this, 'AccessLogsBucket', {
      bucketName: props.naming?.bucketName(this, 'access-logs'),
      // S3 server access logging does not deliver to buckets encrypted with the
      // AWS managed aws/s3 key, and a customer key would need a key policy for
      // the logging service and a KMS request per log object; SSE-S3 (no
      // encryptionKey) needs neither.
      lifecycleRules: [
        { id: 'access-logs-expiry', expiration: retention },
        housekeepingRule(NONCURRENT_LOG_EXPIRATION),
      ],
      removalPolicy,
    });
    Validations.of(accessLogsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-logs bucket itself: logging it to itself would log every log delivery in a loop, and logging it to the data-lake bucket would mix audit logs with data.',
    });
    NagAcknowledgements.complianceRule(accessLogsBucket, 'S3DefaultEncryptionKMS',
      'S3 server access logging delivers only to a target bucket whose default encryption is SSE-S3 (AES-256); S3 does not support SSE-KMS default encryption on that bucket, so these logs are encrypted with S3-managed keys.');
    if (props.bucket) {
      // cdk-nag counts a bucket that receives another's logs as logged; a brought data-lake bucket logs where its owner chose.
      NagAcknowledgements.complianceRule(accessLogsBucket, 'S3BucketLoggingEnabled',
        'This is an access-logs bucket, the target for the lakehouse buckets\' server access logs (for example the DAGs bucket); logging it to itself would log every delivery in a loop.');
    }
    return accessLogsBucket;
  }

  private lifecycleDays(props: DataLakeStorageProps) {
    const duration = (value: Duration | undefined, fallback: number) => value ?? Duration.days(fallback);
    const result = {
      queryResultsRetention: duration(props.queryResultsRetention, DEFAULTS.queryResultsRetention),
      rawInfrequentAccessAfter: duration(props.rawInfrequentAccessAfter, DEFAULTS.rawInfrequentAccessAfter),
      rawGlacierInstantRetrievalAfter: duration(props.rawGlacierInstantRetrievalAfter, DEFAULTS.rawGlacierInstantRetrievalAfter),
      processedInfrequentAccessAfter: duration(props.processedInfrequentAccessAfter, DEFAULTS.processedInfrequentAccessAfter),
      curatedInfrequentAccessAfter: duration(props.curatedInfrequentAccessAfter, DEFAULTS.curatedInfrequentAccessAfter),
      noncurrentTransitionAfter: duration(props.noncurrentTransitionAfter, DEFAULTS.noncurrentTransitionAfter),
      noncurrentExpiration: duration(props.noncurrentExpiration, DEFAULTS.noncurrentExpiration),
    };

    Validate.wholeDays('queryResultsRetention', result.queryResultsRetention, 1, MAX_LIFECYCLE_DAYS, this);
    const iaReason = 'S3 moves objects to Standard-IA only after 30 days';
    const rawIa = this.standardIaDays('rawInfrequentAccessAfter', result.rawInfrequentAccessAfter, iaReason);
    this.standardIaDays('processedInfrequentAccessAfter', result.processedInfrequentAccessAfter, iaReason);
    this.standardIaDays('curatedInfrequentAccessAfter', result.curatedInfrequentAccessAfter, iaReason);
    const rawGlacier = Validate.wholeDays('rawGlacierInstantRetrievalAfter', result.rawGlacierInstantRetrievalAfter, 1, MAX_LIFECYCLE_DAYS, this);
    if (rawIa !== undefined && rawGlacier !== undefined) {
      Validate.atLeast('rawGlacierInstantRetrievalAfter', rawGlacier, rawIa + STANDARD_IA_MINIMUM_DAYS, 'days',
        `S3 keeps objects 30 days in Standard-IA before a later transition, and rawInfrequentAccessAfter is ${rawIa} days`, this);
    }
    const noncurrentTransition = Validate.wholeDays('noncurrentTransitionAfter', result.noncurrentTransitionAfter, 1, MAX_LIFECYCLE_DAYS, this);
    const noncurrentExpiration = Validate.wholeDays('noncurrentExpiration', result.noncurrentExpiration, 1, MAX_LIFECYCLE_DAYS, this);
    if (noncurrentTransition !== undefined && noncurrentExpiration !== undefined) {
      Validate.after('noncurrentExpiration', noncurrentExpiration, 'noncurrentTransitionAfter', noncurrentTransition, 'days', this);
    }
    return result;
  }

  private standardIaDays(prop: string, value: Duration, reason: string): number | undefined {
    const days = Validate.wholeDays(prop, value, 1, MAX_LIFECYCLE_DAYS, this);
    if (days !== undefined) Validate.atLeast(prop, days, STANDARD_IA_MINIMUM_DAYS, 'days', reason, this);
    return days;
  }
}

/**
 * Refuses an upload that names another encryption than this bucket's key.
 * Default encryption applies only when a request names none, so without
 * this a writer could store objects under a key the lake's readers can't
 * use, or under SSE-S3. A request that names nothing still gets the
 * bucket's key; one that names this key must give its ARN.
 */
function denyUploadsWithAnotherKey(bucket: s3.Bucket, key: kms.IKey): void {
  const uploads = { principals: [new iam.AnyPrincipal()], actions: ['s3:PutObject'], resources: [bucket.arnForObjects('*')] };
  bucket.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'DenyUploadsWithAnotherKmsKey',
    effect: iam.Effect.DENY,
    ...uploads,
    conditions: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption-aws-kms-key-id': key.keyArn } },
  }));
  bucket.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'DenyUploadsWithAnotherEncryption',
    effect: iam.Effect.DENY,
    ...uploads,
    conditions: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption': 'aws:kms' } },
  }));
}

function validateQueryResultsPrefix(scope: Construct, prefix: string): void {
  Validate.keyPrefix('queryResultsPrefix', prefix, scope);
  for (const layer of DataLayers.ALL) {
    if (DataLayers.contains(layer, prefix)) {
      Validate.fail('queryResultsPrefix', JSON.stringify(prefix),
        `must not lie inside the ${DataLayers.prefix(layer)} layer prefix: the layer's lifecycle rules and crawler would also apply to query results`, scope);
    }
  }
}

/** The lifecycle props: rules on the bucket that the construct creates, which it can't set on a brought one. */
const LIFECYCLE_PROPS: Array<keyof DataLakeStorageProps> = [
  'queryResultsRetention', 'rawInfrequentAccessAfter', 'rawGlacierInstantRetrievalAfter', 'processedInfrequentAccessAfter',
  'curatedInfrequentAccessAfter', 'noncurrentTransitionAfter', 'noncurrentExpiration',
];

function validateBroughtBucket(scope: Construct, props: DataLakeStorageProps): void {
  for (const prop of LIFECYCLE_PROPS) {
    if (props[prop] !== undefined) {
      Validate.fail(prop, describeDuration(props[prop] as Duration),
        'must not be given with bucket: the construct sets no lifecycle rules on a bucket it does not create', scope);
    }
  }
}

function describeDuration(duration: Duration): string {
  const days = duration.toDays({ integral: false });
  return Token.isUnresolved(days) ? duration.toString() : `${days} days`;
}

/**
 * The key of a brought bucket: `encryptionKey`, or the bucket's own. A new
 * key would not encrypt a bucket that exists, so none is created.
 */
function keyOfBroughtBucket(scope: Construct, bucket: s3.IBucket, given: kms.IKey | undefined): kms.IKey {
  const own = bucket.encryptionKey;
  if (given && own && given !== own) {
    const comparison = Token.compareStrings(given.keyArn, own.keyArn);
    const twoKeysOfThisApp = Resource.isOwnedResource(given) && Resource.isOwnedResource(own);
    if (comparison === TokenComparison.DIFFERENT || twoKeysOfThisApp) {
      Validate.fail('encryptionKey', given.node.path, `must be the key of bucket (${own.node.path}) when both are given`, scope);
    }
  }
  const key = given ?? own;
  if (!key) {
    Validate.fail('encryptionKey', 'undefined',
      'is required with a bucket that has no encryptionKey: the grants need the customer-managed key that encrypts the bucket '
      + '(adopt a lake without one with DataLakeStorage.fromDataLakeStorageAttributes)', scope);
  }
  return key!;
}
