import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { IConstruct } from 'constructs';

/**
 * A pipeline-runs table: one item per pipeline and execution date (core's
 * `RunRecord`), and the grants to record and read runs.
 * `PipelineRunsTable` creates one; `PipelineRunsTable.fromTableAttributes`
 * adopts one that exists.
 */
export interface IPipelineRunsTable extends IConstruct {
  /**
   * The table. Pass it as the workflow's `runsTable`: its `encryptionKey`,
   * if set, is granted to the pipeline with the table.
   */
  readonly table: dynamodb.ITable;
  /** The table's name. */
  readonly tableName: string;
  /** The table's ARN. */
  readonly tableArn: string;
  /** The name of the GSI on `status` + `start_time`. */
  readonly statusIndexName: string;
  /** The customer-managed key of the table, if it has one. */
  readonly encryptionKey?: kms.IKey;

  /**
   * Lets `grantee` (the pipeline) record runs: PutItem, UpdateItem and
   * GetItem on this table only, and the key actions a customer-managed key needs.
   */
  grantRecordRuns(grantee: iam.IGrantable): iam.Grant;

  /**
   * Lets `grantee` read runs: GetItem and Query on the table, Query on the
   * status index, and kms:Decrypt with a customer-managed key.
   */
  grantReadRuns(grantee: iam.IGrantable): iam.Grant;
}

/**
 * A pipeline-runs table that exists already, for
 * `PipelineRunsTable.fromTableAttributes`: its name or its ARN (one of
 * the two), and its customer-managed key if it has one.
 */
export interface PipelineRunsTableAttributes {
  /**
   * The table's name, in this stack's account and region.
   * @default - none; give `tableName` or `tableArn`
   */
  readonly tableName?: string;

  /**
   * The table's ARN.
   * @default - none; give `tableName` or `tableArn`
   */
  readonly tableArn?: string;

  /**
   * The customer-managed KMS key of the table. Give at most one of
   * `encryptionKey` and `encryptionKeyArn`.
   * @default - the table is encrypted with an AWS owned or AWS managed key: the grants add no KMS actions
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * The ARN of the customer-managed KMS key of the table.
   * @default - the table is encrypted with an AWS owned or AWS managed key: the grants add no KMS actions
   */
  readonly encryptionKeyArn?: string;

  /**
   * The name of the GSI on `status` + `start_time`: 3 to 255 letters,
   * digits, `_`, `-` and `.`.
   * @default PipelineRunsTable.STATUS_INDEX_NAME ('status-start_time-index')
   */
  readonly statusIndexName?: string;
}
