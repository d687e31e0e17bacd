import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { IPipelineRunsTable } from '../pipeline-runs-table-ref';

/**
 * What a created and an adopted runs table share: the grants, worked out
 * from the table ARN, the status index and the key each one holds. jsii
 * erases this class: its members show on `PipelineRunsTable` itself.
 *
 * @internal
 */
export abstract class PipelineRunsTableBase extends Construct implements IPipelineRunsTable {
  public abstract readonly table: dynamodb.ITable;
  public abstract readonly tableName: string;
  public abstract readonly tableArn: string;
  public abstract readonly statusIndexName: string;
  public abstract readonly encryptionKey?: kms.IKey;

  /**
   * Lets `grantee` (the pipeline) record runs: PutItem, UpdateItem and GetItem
   * on this table only, and the key actions a customer-managed key needs.
   */
  public grantRecordRuns(grantee: iam.IGrantable): iam.Grant {
    this.encryptionKey?.grant(grantee, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey');
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:GetItem'],
      resourceArns: [this.tableArn],
    });
  }

  /**
   * Lets `grantee` read runs: GetItem and Query on the table, Query on the
   * status index, and kms:Decrypt with a customer-managed key.
   */
  public grantReadRuns(grantee: iam.IGrantable): iam.Grant {
    this.encryptionKey?.grant(grantee, 'kms:Decrypt');
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:GetItem', 'dynamodb:Query'],
      resourceArns: [this.tableArn, `${this.tableArn}/index/${this.statusIndexName}`],
    });
  }
}
