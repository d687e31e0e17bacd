import { DataLayer } from '@lakehouse-cdk/core';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';

/**
 * A lakehouse data lake: a bucket with one prefix per data layer and one for
 * Athena query results, and the grants on them. `DataLakeStorage` creates
 * one; `DataLakeStorage.fromDataLakeStorageAttributes` adopts one that exists.
 */
export interface IDataLakeStorage extends IConstruct {
  /** The data-lake bucket. */
  readonly bucket: s3.IBucket;
  /**
   * The customer-managed KMS key that encrypts the bucket; the grants add the
   * KMS actions on it. Every lakehouse data lake has one.
   */
  readonly encryptionKey: kms.IKey;
  /** The key prefix of Athena query results, for example `athena-results/`. */
  readonly queryResultsPrefix: string;
  /** `s3://<bucket>/<queryResultsPrefix>`, the Athena result location. */
  readonly queryResultsUri: string;

  /** The key prefix of a data layer, for example `raw/`. */
  layerPrefix(layer: DataLayer): string;

  /** The S3 URI of a data layer: `s3://<bucket>/raw/`. */
  layerUri(layer: DataLayer): string;

  /**
   * Lets `grantee` read the objects of one layer: GetObject on
   * `<bucket>/<layer prefix>*`, ListBucket limited to that prefix, and
   * kms:Decrypt on the key.
   */
  grantReadLayer(grantee: iam.IGrantable, layer: DataLayer): iam.Grant;

  /**
   * Lets `grantee` write and delete the objects of one layer, with the KMS
   * actions that SSE-KMS uploads need.
   */
  grantWriteLayer(grantee: iam.IGrantable, layer: DataLayer): iam.Grant;

  /** Lets `grantee` read and write Athena query results under `queryResultsPrefix`. */
  grantReadWriteQueryResults(grantee: iam.IGrantable): iam.Grant;
}

/**
 * A data lake that exists already, for
 * `DataLakeStorage.fromDataLakeStorageAttributes`. Give the bucket once:
 * as `bucket`, `bucketName` or `bucketArn`, and the customer-managed key
 * that encrypts it: as `encryptionKey`, `encryptionKeyArn` or the
 * `encryptionKey` of `bucket`. A bucket under SSE-S3 is not a lakehouse
 * data lake: use aws-cdk-lib's own bucket grants for it.
 */
export interface DataLakeStorageAttributes {
  /**
   * The data-lake bucket. Its `encryptionKey`, when it has one, is the lake's
   * key unless `encryptionKey` or `encryptionKeyArn` is given.
   * @default - none; give one of `bucket`, `bucketName` and `bucketArn`
   */
  readonly bucket?: s3.IBucket;

  /**
   * The name of the data-lake bucket.
   * @default - none; give one of `bucket`, `bucketName` and `bucketArn`
   */
  readonly bucketName?: string;

  /**
   * The ARN of the data-lake bucket.
   * @default - none; give one of `bucket`, `bucketName` and `bucketArn`
   */
  readonly bucketArn?: string;

  /**
   * The customer-managed KMS key that encrypts the bucket. Give at most one
   * of `encryptionKey` and `encryptionKeyArn`.
   * @default - `bucket.encryptionKey`; required when `bucket` has none
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * The ARN of the customer-managed KMS key that encrypts the bucket.
   * @default - `bucket.encryptionKey`; one of the three is required
   */
  readonly encryptionKeyArn?: string;

  /**
   * The key prefix of the raw layer: a relative S3 key prefix
   * (`Validate.keyPrefix`) that neither holds nor lies inside another
   * prefix of the lake.
   * @default 'raw/'
   */
  readonly rawPrefix?: string;

  /**
   * The key prefix of the processed layer, under the same rule as `rawPrefix`.
   * @default 'processed/'
   */
  readonly processedPrefix?: string;

  /**
   * The key prefix of the curated layer, under the same rule as `rawPrefix`.
   * @default 'curated/'
   */
  readonly curatedPrefix?: string;

  /**
   * The key prefix of Athena query results, under the same rule as `rawPrefix`.
   * @default 'athena-results/'
   */
  readonly queryResultsPrefix?: string;
}
