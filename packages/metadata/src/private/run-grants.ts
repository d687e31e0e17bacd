import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';

/** PutItem, UpdateItem and GetItem on the table only, and the key actions a customer-managed key needs. */
export function grantRecordRuns(grantee: iam.IGrantable, tableArn: string, key: kms.IKey | undefined): iam.Grant {
  key?.grant(grantee, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey');
  return iam.Grant.addToPrincipal({
    grantee,
    actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:GetItem'],
    resourceArns: [tableArn],
  });
}

/** GetItem and Query on the table, Query on the status index, and kms:Decrypt with a customer-managed key. */
export function grantReadRuns(grantee: iam.IGrantable, tableArn: string, statusIndexName: string, key: kms.IKey | undefined): iam.Grant {
  key?.grant(grantee, 'kms:Decrypt');
  return iam.Grant.addToPrincipal({
    grantee,
    actions: ['dynamodb:GetItem', 'dynamodb:Query'],
    resourceArns: [tableArn, `${tableArn}/index/${statusIndexName}`],
  });
}
