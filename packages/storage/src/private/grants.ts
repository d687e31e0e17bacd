import { NagAcknowledgements } from '@lakehouse-cdk/core';
import { Resource, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** What a prefix grant gives. */
export interface PrefixGrant {
  /** The key prefix, with its trailing slash; '' for the whole bucket. */
  readonly prefix: string;
  /** Actions on the objects under the prefix. */
  readonly objectActions: string[];
  /** Actions on the bucket itself; s3:ListBucket is conditioned on the prefix when there is one. */
  readonly bucketActions: string[];
  /** Actions on the bucket's KMS key, if it has one. */
  readonly keyActions: string[];
}

/**
 * Grants `grant` on `bucket` to `grantee`: object actions on `<bucket>/<prefix>*`
 * only, bucket actions on the bucket ARN (listing limited to the prefix) and
 * the KMS actions that SSE-KMS needs.
 */
export function grantOnPrefix(grantee: iam.IGrantable, bucket: s3.IBucket, key: kms.IKey | undefined, grant: PrefixGrant): iam.Grant {
  const bucketArn = bucketArnFor(grantee, bucket);
  const objectsArn = `${bucketArn}/${grant.prefix}*`;
  const result = iam.Grant.addToPrincipal({ grantee, actions: grant.objectActions, resourceArns: [objectsArn] });

  const listActions = grant.bucketActions.filter(action => action === 's3:ListBucket');
  const otherBucketActions = grant.bucketActions.filter(action => action !== 's3:ListBucket');
  if (listActions.length > 0) {
    iam.Grant.addToPrincipal({
      grantee,
      actions: listActions,
      resourceArns: [bucketArn],
      conditions: grant.prefix === '' ? undefined : { StringLike: { 's3:prefix': [`${grant.prefix}*`] } },
    });
  }
  if (otherBucketActions.length > 0) {
    iam.Grant.addToPrincipal({ grantee, actions: otherBucketActions, resourceArns: [bucketArn] });
  }
  if (key && grant.keyActions.length > 0) {
    key.grant(grantee, ...grant.keyActions);
  }

  const principal = grantee.grantPrincipal;
  if (Construct.isConstruct(principal)) {
    // IAM has no way to name "every object under a prefix" other than a trailing
    // wildcard; the wildcard is limited to this bucket and this prefix.
    NagAcknowledgements.wildcardResources(principal, [{
      resource: objectsArn,
      reason: `Object actions are limited to the keys under ${grant.prefix === '' ? 'this bucket' : `the ${grant.prefix} prefix of this bucket`}; an S3 object ARN can only name a prefix with a trailing wildcard.`,
    }]);
  }
  return result;
}

/**
 * The bucket ARN as the grantee's stack will see it. Across stacks, the
 * reference becomes an export, made here explicitly so that the cdk-nag
 * acknowledgement can name the same import the template will hold.
 */
function bucketArnFor(grantee: iam.IGrantable, bucket: s3.IBucket): string {
  const principal = grantee.grantPrincipal;
  if (!Construct.isConstruct(principal) || !Resource.isOwnedResource(bucket) || !Token.isUnresolved(bucket.bucketArn)) {
    return bucket.bucketArn;
  }
  const bucketStack = Stack.of(bucket);
  const granteeStack = Stack.of(principal);
  if (bucketStack === granteeStack) return bucket.bucketArn;
  return bucketStack.exportValue(bucket.bucketArn);
}
