import { Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { PropType, Validate } from './validation';

/** The status of a pipeline run, as stored in the run record's `status` attribute. */
export enum RunStatus {
  /** The run has started and not finished. A second start for the same pipeline and date is refused. */
  RUNNING = 'RUNNING',
  /** Every step of the run finished. */
  SUCCEEDED = 'SUCCEEDED',
  /** A step failed, or the execution timed out or was aborted; `error`, `cause` and `failed_state` say why. */
  FAILED = 'FAILED',
}

/**
 * The run record: one DynamoDB item per pipeline and execution date, written
 * by the pipeline (workflow), stored in the pipeline-runs table (metadata) and
 * read by operators. Its attribute names, statuses and conditions are defined
 * here once, so that the layers that write and store it cannot drift apart.
 *
 * Conditions use placeholders: `#<attribute>` names bound to the attribute of
 * the same name (`RunRecord.conditionNames()`), and the values `:running`
 * (`RUNNING`) and `:execution_arn` (the writing execution's ARN).
 */
export class RunRecord {
  /** Partition key: the pipeline's name (String). */
  public static readonly PIPELINE_NAME = 'pipeline_name';
  /** Sort key: the run's logical date, `YYYY-MM-DD` (String). */
  public static readonly EXECUTION_DATE = 'execution_date';
  /** The run's status, one of `RunStatus` (String). */
  public static readonly STATUS = 'status';
  /** When the run started, ISO-8601 UTC (String). */
  public static readonly START_TIME = 'start_time';
  /** When the run finished, ISO-8601 UTC (String). */
  public static readonly END_TIME = 'end_time';
  /** The Step Functions execution ARN of the run (String). Only that execution may update the record. */
  public static readonly EXECUTION_ARN = 'execution_arn';
  /** The error name of a failed run, for example `Lakehouse.CrawlFailed` (String). */
  public static readonly ERROR = 'error';
  /** What went wrong in a failed run, in words (String). */
  public static readonly CAUSE = 'cause';
  /** The id of the state that failed, for example `RunDbtTransformations` (String). */
  public static readonly FAILED_STATE = 'failed_state';
  /**
   * The transformation job's summary (Map), written by the job itself into
   * the record of the execution that started it: status, counts, failed
   * nodes, warnings (a failed Iceberg maintenance is one), rejected rows and
   * a `message` of at most 1,000 characters.
   */
  public static readonly SUMMARY = 'summary';
  /** The summary's field that says, in words, what the job did or why it failed (String). */
  public static readonly SUMMARY_MESSAGE = 'message';

  /**
   * The condition of the PutItem that records a run's start. It is refused
   * while another execution's run of the same pipeline and date is RUNNING;
   * a FAILED or SUCCEEDED run may be started again, and a retried PutItem of
   * the same execution succeeds.
   */
  public static readonly START_CONDITION =
    'attribute_not_exists(#pipeline_name) OR #status <> :running OR #execution_arn = :execution_arn';

  /** The condition of every later update: the record belongs to this execution. */
  public static readonly OWN_RUN_CONDITION = '#execution_arn = :execution_arn';

  /**
   * The condition that closes a run its execution could not close (timed out
   * or aborted): the record belongs to that execution and is still RUNNING.
   */
  public static readonly STUCK_RUN_CONDITION = '#execution_arn = :execution_arn AND #status = :running';

  /** The attributes every run record has from its start. */
  public static readonly START_ATTRIBUTES = [
    RunRecord.PIPELINE_NAME, RunRecord.EXECUTION_DATE, RunRecord.STATUS, RunRecord.START_TIME, RunRecord.EXECUTION_ARN,
  ];

  /**
   * The `ExpressionAttributeNames` for `attributes`: `{'#status': 'status', …}`.
   * DynamoDB reserves `status` and other words, so every condition and update
   * names its attributes through placeholders.
   */
  /**
   * Throws unless `table` is a construct whose key schema, when this app
   * defines it, is the run record's: partition key `pipeline_name` and sort
   * key `execution_date`, both String. A table this app defines (a
   * `dynamodb.Table` or `TableV2`) is checked on its CloudFormation
   * resource; an imported table's keys are not known at synth time and
   * pass, as does a key schema that holds tokens.
   *
   * @param prop the prop that holds the table, for example `runsTable`
   * @param table the table as given
   * @param scope the construct that checks it
   */
  public static validateTable(prop: string, table: any, scope?: IConstruct): void {
    Validate.propTypes({ [prop]: table }, { [prop]: PropType.CONSTRUCT }, [prop], scope);
    const resource: any = (table as IConstruct).node.defaultChild;
    if (!resource || typeof resource !== 'object' || !('keySchema' in resource)) return;
    const stack = Stack.of(table as IConstruct);
    const keySchema: any = stack.resolve(resource.keySchema);
    const definitions: any = stack.resolve(resource.attributeDefinitions);
    if (!Array.isArray(keySchema) || !Array.isArray(definitions)) return;
    // A key given as a parameter resolves to an object: not known here.
    if (keySchema.some((key: any) => typeof key?.attributeName !== 'string')) return;
    const typeOf = (name: string) => definitions.find((d: any) => d?.attributeName === name)?.attributeType;
    const keys = keySchema.map((key: any) => `${key.attributeName} ${key.keyType} ${typeOf(key.attributeName)}`);
    const expected = [`${RunRecord.PIPELINE_NAME} HASH S`, `${RunRecord.EXECUTION_DATE} RANGE S`];
    if (keys.length !== expected.length || keys.some((key: string, i: number) => key !== expected[i])) {
      Validate.fail(prop, `a table keyed ${keys.join(', ')}`,
        `must have the run record's keys: partition key ${RunRecord.PIPELINE_NAME} and sort key ${RunRecord.EXECUTION_DATE}, both String`, scope);
    }
  }

  public static conditionNames(attributes: string[]): { [placeholder: string]: string } {
    const names: { [placeholder: string]: string } = {};
    for (const attribute of attributes) names[`#${attribute}`] = attribute;
    return names;
  }

  private constructor() {}
}
