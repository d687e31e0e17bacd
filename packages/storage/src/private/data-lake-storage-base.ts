import { DataLayer } from '@lakehouse-cdk/core';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { IDataLakeStorage } from '../data-lake-storage-ref';
import { grantQueryResultsPrefix, grantReadPrefix, grantWritePrefix } from './lake-grants';

/**
 * What a created and an adopted data lake share: the URIs and the grants,
 * worked out from the bucket, the key and the prefixes each one holds.
 * jsii erases this class: its members show on `DataLakeStorage` itself.
 *
 * @internal
 */
export abstract class DataLakeStorageBase extends Construct implements IDataLakeStorage {
  public abstract readonly bucket: s3.IBucket;
  public abstract readonly encryptionKey: kms.IKey;
  public abstract readonly queryResultsPrefix: string;

  /** The key prefix of a data layer, for example `raw/`. */
  public abstract layerPrefix(layer: DataLayer): string;

  /** `s3://<bucket>/<queryResultsPrefix>`, the Athena result location. */
  public get queryResultsUri(): string {
    return `s3://${this.bucket.bucketName}/${this.queryResultsPrefix}`;
  }

  /** The S3 URI of a data layer: `s3://<bucket>/raw/`. */
  public layerUri(layer: DataLayer): string {
    return `s3://${this.bucket.bucketName}/${this.layerPrefix(layer)}`;
  }

  /**
   * Lets `grantee` read the objects of one layer: GetObject on `<bucket>/<layer>/*`,
   * ListBucket limited to the layer's prefix, and kms:Decrypt on the key.
   */
  public grantReadLayer(grantee: iam.IGrantable, layer: DataLayer): iam.Grant {
    return grantReadPrefix(grantee, this.bucket, this.encryptionKey, this.layerPrefix(layer));
  }

  /**
   * Lets `grantee` write and delete the objects of one layer: PutObject,
   * DeleteObject and AbortMultipartUpload on `<bucket>/<layer>/*`, and the KMS
   * actions that SSE-KMS uploads need (GenerateDataKey, and Decrypt for multipart uploads).
   */
  public grantWriteLayer(grantee: iam.IGrantable, layer: DataLayer): iam.Grant {
    return grantWritePrefix(grantee, this.bucket, this.encryptionKey, this.layerPrefix(layer));
  }

  /**
   * Lets `grantee` (an Athena user or workgroup role) read and write query
   * results under `queryResultsPrefix`, list that prefix, find the bucket's
   * region, and use the key.
   */
  public grantReadWriteQueryResults(grantee: iam.IGrantable): iam.Grant {
    return grantQueryResultsPrefix(grantee, this.bucket, this.encryptionKey, this.queryResultsPrefix);
  }
}
