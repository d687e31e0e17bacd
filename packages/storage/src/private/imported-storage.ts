import { DataLayer, Validate } from '@lakehouse-cdk/core';
import { Token } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { DataLakeStorageAttributes } from '../data-lake-storage-ref';
import { DataLakeStorageBase } from './data-lake-storage-base';

/** A data lake that exists already: the same grants as a created one, and no resources. */
export class ImportedDataLakeStorage extends DataLakeStorageBase {
  public readonly bucket: s3.IBucket;
  public readonly encryptionKey: kms.IKey;
  public readonly queryResultsPrefix: string;
  private readonly prefixes: Record<DataLayer, string>;

  constructor(scope: Construct, id: string, attrs: DataLakeStorageAttributes) {
    super(scope, id);
    const bucketsGiven = (['bucket', 'bucketName', 'bucketArn'] as const).filter(prop => attrs[prop] !== undefined);
    if (bucketsGiven.length !== 1) {
      Validate.fail('bucket', bucketsGiven.length === 0 ? 'none' : bucketsGiven.join(', '),
        'must be given exactly once: as bucket, bucketName or bucketArn', this);
    }
    if (attrs.encryptionKey !== undefined && attrs.encryptionKeyArn !== undefined) {
      Validate.fail('encryptionKeyArn', JSON.stringify(attrs.encryptionKeyArn), 'must not be given together with encryptionKey', this);
    }

    this.prefixes = {
      [DataLayer.RAW]: attrs.rawPrefix ?? 'raw/',
      [DataLayer.PROCESSED]: attrs.processedPrefix ?? 'processed/',
      [DataLayer.CURATED]: attrs.curatedPrefix ?? 'curated/',
    };
    this.queryResultsPrefix = attrs.queryResultsPrefix ?? 'athena-results/';
    validateDisjointPrefixes(this, [
      ['rawPrefix', this.prefixes[DataLayer.RAW]],
      ['processedPrefix', this.prefixes[DataLayer.PROCESSED]],
      ['curatedPrefix', this.prefixes[DataLayer.CURATED]],
      ['queryResultsPrefix', this.queryResultsPrefix],
    ]);

    const key = attrs.encryptionKey
      ?? (attrs.encryptionKeyArn !== undefined ? kms.Key.fromKeyArn(this, 'Key', attrs.encryptionKeyArn) : attrs.bucket?.encryptionKey);
    if (!key) {
      Validate.fail('encryptionKey', 'undefined',
        'is required (as encryptionKey, encryptionKeyArn or the encryptionKey of bucket): a lakehouse data lake is encrypted with a customer-managed key, and the grants need it', this);
    }
    this.encryptionKey = key!;
    this.bucket = attrs.bucket ?? s3.Bucket.fromBucketAttributes(this, 'Bucket', {
      bucketName: attrs.bucketName,
      bucketArn: attrs.bucketArn,
      encryptionKey: this.encryptionKey,
    });
  }

  public layerPrefix(layer: DataLayer): string {
    return this.prefixes[layer];
  }
}

/**
 * Each prefix is a key prefix, and none lies inside another: a layer grant
 * would otherwise reach into a second layer, and the query results would
 * fall under a layer's crawler.
 */
function validateDisjointPrefixes(scope: Construct, prefixes: Array<[string, string]>): void {
  for (const [prop, prefix] of prefixes) Validate.keyPrefix(prop, prefix, scope);
  prefixes.forEach(([prop, prefix], index) => {
    for (const [otherProp, other] of prefixes.slice(0, index)) {
      if (Token.isUnresolved(prefix) || Token.isUnresolved(other)) continue;
      if (prefix.startsWith(other) || other.startsWith(prefix)) {
        Validate.fail(prop, JSON.stringify(prefix),
          `must neither hold nor lie inside ${otherProp} (${JSON.stringify(other)}): each layer's grants and crawler must stay within its own prefix`, scope);
      }
    }
  });
}
