import { CostAllocationTags, DataRetention, Naming, PropType, ResourceKind, RunRecord, Validate } from '@lakehouse-cdk/core';
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { IPipelineRunsTable, PipelineRunsTableAttributes } from './pipeline-runs-table-ref';
import { ImportedPipelineRunsTable } from './private/imported-runs-table';
import { PipelineRunsTableBase } from './private/pipeline-runs-table-base';

/** Properties of the pipeline-runs table. */
export interface PipelineRunsTableProps {
  /**
   * A customer-managed KMS key for the table. Without it, DynamoDB encrypts
   * with an AWS owned key, which costs nothing and needs no key grants.
   * @default - encrypted with an AWS owned key
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * Refuse DeleteTable while on. It must be off when removalPolicy DESTROY is in effect.
   * @default true, or false when removalPolicy DESTROY is in effect
   */
  readonly deletionProtection?: boolean;

  /**
   * A Number attribute holding an epoch-seconds expiry time, after which
   * DynamoDB deletes the run record. 1-255 letters, digits, `_`, `-` and `.`,
   * and not one of the key attributes.
   * @default - run records never expire
   */
  readonly timeToLiveAttribute?: string;

  /**
   * Keep or destroy the table when the stack is deleted. DESTROY takes effect
   * only when the app also sets the context `@lakehouse-cdk/core:removeDataOnDestroy`.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * The naming convention for the table name: `pipeline-runs`.
   * @default - CloudFormation generates the table name
   */
  readonly naming?: Naming;
}

const ATTRIBUTE_NAME_PATTERN = '[a-zA-Z0-9_.-]{1,255}';

/**
 * The pipeline-runs table: one item per pipeline and execution date, with its
 * status and timings, written by the workflow and read by operators. The
 * item's attributes, statuses and conditions are core's `RunRecord`.
 */
export class PipelineRunsTable extends PipelineRunsTableBase {
  /** The GSI on `status` + `start_time`, to find running and failed runs. */
  public static readonly STATUS_INDEX_NAME = 'status-start_time-index';

  /**
   * A runs table that exists already, with the same grants as one this
   * construct creates, and no new resources. Its `table` carries the key,
   * so a workflow given it as `runsTable` is granted the key too.
   */
  public static fromTableAttributes(scope: Construct, id: string, attrs: PipelineRunsTableAttributes): IPipelineRunsTable {
    return new ImportedPipelineRunsTable(scope, id, attrs, PipelineRunsTable.STATUS_INDEX_NAME);
  }
  /** The table. */
  public readonly table: dynamodb.ITable;
  /** The table's name. */
  public readonly tableName: string;
  /** The table's ARN. */
  public readonly tableArn: string;
  /** The name of the status index. */
  public readonly statusIndexName: string = PipelineRunsTable.STATUS_INDEX_NAME;
  /** The customer-managed key of the table, if it has one. */
  public readonly encryptionKey?: kms.IKey;

  constructor(scope: Construct, id: string, props: PipelineRunsTableProps = {}) {
    super(scope, id);
    Validate.propTypes(props, {
      encryptionKey: PropType.CONSTRUCT,
      deletionProtection: PropType.BOOLEAN,
      timeToLiveAttribute: PropType.STRING,
      removalPolicy: PropType.REMOVAL_POLICY,
      naming: PropType.NAMING,
    }, [], this);
    const keyAttributes = [RunRecord.PIPELINE_NAME, RunRecord.EXECUTION_DATE, RunRecord.STATUS, RunRecord.START_TIME];
    if (props.timeToLiveAttribute !== undefined) {
      Validate.matches('timeToLiveAttribute', props.timeToLiveAttribute, ATTRIBUTE_NAME_PATTERN,
        'must be a DynamoDB attribute name of 1-255 letters, digits, "_", "-" and "."', this);
      if (keyAttributes.includes(props.timeToLiveAttribute)) {
        Validate.fail('timeToLiveAttribute', JSON.stringify(props.timeToLiveAttribute),
          `must not be a key attribute (${keyAttributes.join(', ')}): TTL needs a Number and the keys are Strings`, this);
      }
    }

    const removalPolicy = DataRetention.removalPolicy(this, props.removalPolicy);
    const destroy = removalPolicy === RemovalPolicy.DESTROY;
    if (destroy && props.deletionProtection === true) {
      Validate.fail('deletionProtection', 'true',
        'must be false when removalPolicy DESTROY is in effect: CloudFormation cannot delete a protected table', this);
    }
    const deletionProtection = props.deletionProtection ?? !destroy;

    // dynamodb.Table (AWS::DynamoDB::Table) rather than TableV2 (AWS::DynamoDB::GlobalTable):
    // a run log needs no replicas, and the plain table resource is what local
    // stand-ins and cfn-lint know best.
    const table = new dynamodb.Table(this, 'Table', {
      tableName: props.naming?.name(ResourceKind.DYNAMODB_TABLE, 'pipeline-runs'),
      partitionKey: { name: RunRecord.PIPELINE_NAME, type: dynamodb.AttributeType.STRING },
      sortKey: { name: RunRecord.EXECUTION_DATE, type: dynamodb.AttributeType.STRING },
      // A few writes per pipeline per day: on-demand costs cents where provisioned capacity would idle.
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection,
      encryption: props.encryptionKey ? dynamodb.TableEncryption.CUSTOMER_MANAGED : dynamodb.TableEncryption.DEFAULT,
      encryptionKey: props.encryptionKey,
      timeToLiveAttribute: props.timeToLiveAttribute,
      removalPolicy,
    });
    table.addGlobalSecondaryIndex({
      indexName: PipelineRunsTable.STATUS_INDEX_NAME,
      partitionKey: { name: RunRecord.STATUS, type: dynamodb.AttributeType.STRING },
      sortKey: { name: RunRecord.START_TIME, type: dynamodb.AttributeType.STRING },
      // Run items are small; ALL lets "which runs failed" answer in one Query with no GetItem per run.
      projectionType: dynamodb.ProjectionType.ALL,
    });

    this.table = table;
    this.tableName = table.tableName;
    this.tableArn = table.tableArn;
    this.encryptionKey = props.encryptionKey;
    CostAllocationTags.tagLayer(this, 'metadata');
  }
}
