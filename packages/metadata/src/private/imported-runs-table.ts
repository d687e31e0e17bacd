import { Validate } from '@lakehouse-cdk/core';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { PipelineRunsTableAttributes } from '../pipeline-runs-table-ref';
import { PipelineRunsTableBase } from './pipeline-runs-table-base';

/** DynamoDB's rule for index names. */
const INDEX_NAME_PATTERN = '[a-zA-Z0-9_.-]{3,255}';

/** A runs table that exists already: the same grants, no new resources. */
export class ImportedPipelineRunsTable extends PipelineRunsTableBase {
  public readonly table: dynamodb.ITable;
  public readonly tableName: string;
  public readonly tableArn: string;
  public readonly statusIndexName: string;
  public readonly encryptionKey?: kms.IKey;

  constructor(scope: Construct, id: string, attrs: PipelineRunsTableAttributes, defaultIndexName: string) {
    super(scope, id);
    if ((attrs.tableName === undefined) === (attrs.tableArn === undefined)) {
      Validate.fail('tableName', attrs.tableName === undefined ? 'neither tableName nor tableArn' : 'both tableName and tableArn',
        'must be given, or tableArn instead: exactly one of the two names the table', this);
    }
    if (attrs.encryptionKey !== undefined && attrs.encryptionKeyArn !== undefined) {
      Validate.fail('encryptionKeyArn', JSON.stringify(attrs.encryptionKeyArn), 'must not be given together with encryptionKey', this);
    }
    this.statusIndexName = attrs.statusIndexName ?? defaultIndexName;
    Validate.matches('statusIndexName', this.statusIndexName, INDEX_NAME_PATTERN,
      'must be a DynamoDB index name of 3-255 letters, digits, "_", "-" and "."', this);

    this.encryptionKey = attrs.encryptionKey
      ?? (attrs.encryptionKeyArn !== undefined ? kms.Key.fromKeyArn(this, 'Key', attrs.encryptionKeyArn) : undefined);
    this.table = dynamodb.Table.fromTableAttributes(this, 'Table', {
      tableName: attrs.tableName,
      tableArn: attrs.tableArn,
      encryptionKey: this.encryptionKey,
      globalIndexes: [this.statusIndexName],
    });
    this.tableName = this.table.tableName;
    this.tableArn = this.table.tableArn;
  }
}
