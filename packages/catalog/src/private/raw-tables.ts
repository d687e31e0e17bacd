import { DataLayer, DataLayers, Naming, PropType, ResourceKind, Validate } from '@lakehouse-cdk/core';
import { Token } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import { IConstruct } from 'constructs';
import { HIVE_TYPE_RULE, hiveTypeProblem } from './hive-type';
import { checkItemTypes } from './prop-types';
import { RawTableColumn, RawTableDefinition, RawTableFormat } from '../raw-table';

/** The SerDe of JSON raw tables, and the property that turns a malformed line into a row of nulls. */
export const OPENX_JSON_SERDE = 'org.openx.data.jsonserde.JsonSerDe';
export const IGNORE_MALFORMED_JSON = 'ignore.malformed.json';
const TEXT_INPUT_FORMAT = 'org.apache.hadoop.mapred.TextInputFormat';
const TEXT_OUTPUT_FORMAT = 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat';

/** The raw layout: `raw/<folder>/ingest_date=YYYY-MM-DD/<file>.json`. */
export const DEFAULT_PARTITION_KEYS: RawTableColumn[] = [{ name: 'ingest_date', type: 'string' }];
const DEFAULT_COLUMN_TYPE = 'string';
const COLUMN_NAME_PATTERN = '[a-z0-9_]{1,255}';
/** Glue limits a column comment to 255 characters and a table description to 2048. */
const MAX_COLUMN_COMMENT = 255;
const MAX_TABLE_DESCRIPTION = 2048;

/** A raw table definition with its defaults applied and its props checked. */
export interface CheckedRawTable {
  readonly name: string;
  /** The key prefix of the table's files: `raw/events/`. */
  readonly prefix: string;
  readonly columns: glue.CfnTable.ColumnProperty[];
  readonly partitionKeys: glue.CfnTable.ColumnProperty[];
  readonly description: string;
}

/** Applies the defaults of each definition and throws the named error of the first bad prop. */
export function checkRawTables(scope: IConstruct, tables: RawTableDefinition[]): CheckedRawTable[] {
  const checked: CheckedRawTable[] = [];
  tables.forEach((table, index) => {
    checkItemTypes(scope, `rawTables[${index}]`, table, {
      name: PropType.STRING, folder: PropType.STRING, columns: PropType.LIST, partitionKeys: PropType.LIST, format: PropType.STRING, description: PropType.STRING,
    }, ['name', 'folder', 'columns']);
    const names = Naming.rulesFor(ResourceKind.GLUE_TABLE);
    Validate.length(`rawTables[${index}].name`, table.name, names.minLength, names.maxLength, scope);
    Validate.matches(`rawTables[${index}].name`, table.name, names.pattern, 'must be lowercase letters, digits and underscores (Glue and Athena table names)', scope);
    const prop = `rawTables[${table.name}]`;
    const twin = checked.find(other => other.name === table.name);
    if (twin) Validate.fail(`${prop}.name`, JSON.stringify(table.name), 'must be unique among the raw tables', scope);

    Validate.oneOf(`${prop}.format`, table.format ?? RawTableFormat.JSON, Object.values(RawTableFormat), scope);
    Validate.keyPrefix(`${prop}.folder`, table.folder, scope);
    const prefix = `${DataLayers.prefix(DataLayer.RAW)}${table.folder}`;
    const overlapping = checked.find(other => !Token.isUnresolved(table.folder) && (other.prefix.startsWith(prefix) || prefix.startsWith(other.prefix)));
    if (overlapping) {
      // One table's location inside another's would make the outer table read the inner one's files as its own rows.
      Validate.fail(`${prop}.folder`, JSON.stringify(table.folder), `must not overlap the folder of another raw table (${overlapping.name} reads ${overlapping.prefix})`, scope);
    }

    if (table.columns.length === 0) Validate.fail(`${prop}.columns`, '[]', 'must name at least one column', scope);
    const columns = table.columns.map((column, i) => checkColumn(scope, `${prop}.columns[${i}]`, column, false));
    const partitionKeys = (table.partitionKeys ?? DEFAULT_PARTITION_KEYS).map((key, i) => checkColumn(scope, `${prop}.partitionKeys[${i}]`, key, true));
    const seen = new Set<string>();
    [...columns, ...partitionKeys].forEach(({ name }) => {
      if (seen.has(name)) {
        Validate.fail(`${prop}.columns`, JSON.stringify(name), 'must name each column and partition key once (Hive refuses a repeated column)', scope);
      }
      seen.add(name);
    });

    const description = table.description ?? `Raw records under ${prefix}, newline-delimited JSON`;
    Validate.length(`${prop}.description`, description, 0, MAX_TABLE_DESCRIPTION, scope);
    checked.push({ name: table.name, prefix, columns, partitionKeys, description });
  });
  return checked;
}

function checkColumn(scope: IConstruct, prop: string, column: RawTableColumn, partitionKey: boolean): glue.CfnTable.ColumnProperty {
  checkItemTypes(scope, prop, column, { name: PropType.STRING, type: PropType.STRING, comment: PropType.STRING }, ['name']);
  Validate.matches(`${prop}.name`, column.name, COLUMN_NAME_PATTERN, 'must be 1 to 255 lowercase letters, digits and underscores (Athena column names)', scope);
  const type = column.type ?? DEFAULT_COLUMN_TYPE;
  if (!Token.isUnresolved(type)) {
    const problem = hiveTypeProblem(type, partitionKey);
    if (problem) Validate.fail(`${prop}.type`, JSON.stringify(type), `${HIVE_TYPE_RULE}${partitionKey ? ' (primitive only for a partition key)' : ''}: ${problem}`, scope);
  }
  if (column.comment !== undefined) Validate.length(`${prop}.comment`, column.comment, 0, MAX_COLUMN_COMMENT, scope);
  return { name: column.name, type, comment: column.comment };
}

/**
 * The Glue table input of a JSON raw table: an external table over
 * `s3://<bucket>/<prefix>` read by the OpenX JSON SerDe, which (with
 * `ignore.malformed.json`) returns a row of nulls for a line that is not JSON
 * instead of failing the whole query.
 */
export function rawTableInput(table: CheckedRawTable, bucketName: string): glue.CfnTable.TableInputProperty {
  return {
    name: table.name,
    description: table.description,
    tableType: 'EXTERNAL_TABLE',
    parameters: { EXTERNAL: 'TRUE', classification: 'json' },
    partitionKeys: table.partitionKeys,
    storageDescriptor: {
      location: `s3://${bucketName}/${table.prefix}`,
      columns: table.columns,
      inputFormat: TEXT_INPUT_FORMAT,
      outputFormat: TEXT_OUTPUT_FORMAT,
      compressed: false,
      serdeInfo: {
        serializationLibrary: OPENX_JSON_SERDE,
        parameters: { [IGNORE_MALFORMED_JSON]: 'true' },
      },
    },
  };
}
