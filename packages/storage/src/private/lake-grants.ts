import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { grantOnPrefix } from './grants';

/** GetObject under `prefix`, ListBucket limited to it, GetBucketLocation and kms:Decrypt. */
export function grantReadPrefix(grantee: iam.IGrantable, bucket: s3.IBucket, key: kms.IKey | undefined, prefix: string): iam.Grant {
  return grantOnPrefix(grantee, bucket, key, {
    prefix,
    objectActions: ['s3:GetObject', 's3:GetObjectVersion'],
    bucketActions: ['s3:ListBucket', 's3:GetBucketLocation'],
    keyActions: ['kms:Decrypt'],
  });
}

/** Put, delete and multipart actions under `prefix`, and the KMS actions of SSE-KMS uploads. */
export function grantWritePrefix(grantee: iam.IGrantable, bucket: s3.IBucket, key: kms.IKey | undefined, prefix: string): iam.Grant {
  return grantOnPrefix(grantee, bucket, key, {
    prefix,
    objectActions: ['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
    bucketActions: [],
    keyActions: ['kms:GenerateDataKey', 'kms:Decrypt'],
  });
}

/** What Athena needs to read and write query results under `prefix`. */
export function grantQueryResultsPrefix(grantee: iam.IGrantable, bucket: s3.IBucket, key: kms.IKey | undefined, prefix: string): iam.Grant {
  return grantOnPrefix(grantee, bucket, key, {
    prefix,
    objectActions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
    bucketActions: ['s3:ListBucket', 's3:GetBucketLocation', 's3:ListBucketMultipartUploads'],
    keyActions: ['kms:GenerateDataKey', 'kms:Decrypt'],
  });
}
