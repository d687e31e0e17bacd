import { Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';

export const BUCKET_NAME = 'lakehouse-sandbox-data-lake';
export const DATA_KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';

/** A data-lake bucket the team already has, encrypted with its own key. */
export function existingBucket(stack: Stack, withKey = true): s3.IBucket {
  return s3.Bucket.fromBucketAttributes(stack, 'ExistingLake', {
    bucketName: BUCKET_NAME,
    encryptionKey: withKey ? kms.Key.fromKeyArn(stack, 'ExistingLakeKey', DATA_KEY_ARN) : undefined,
  });
}

export function existingKey(stack: Stack): kms.IKey {
  return kms.Key.fromKeyArn(stack, 'BroughtKey', DATA_KEY_ARN);
}
