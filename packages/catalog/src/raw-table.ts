/** The file format of a raw table. */
export enum RawTableFormat {
  /**
   * Newline-delimited JSON, one object per line, read with the OpenX JSON
   * SerDe (`org.openx.data.jsonserde.JsonSerDe`) with
   * `ignore.malformed.json` = `true`: a line that is not valid JSON becomes
   * a row whose columns are all null instead of failing the query.
   */
  JSON = 'JSON',
}

/** One column (or partition key) of a raw table. */
export interface RawTableColumn {
  /**
   * Column name: 1 to 255 lowercase letters, digits and underscores (Athena
   * reads column names in lowercase). For JSON, the key of the same name
   * in each object.
   */
  readonly name: string;
  /**
   * Hive type of the column, in lowercase: `string`, `boolean`, `tinyint`,
   * `smallint`, `int`, `bigint`, `float`, `double`, `decimal(p,s)`,
   * `char(n)`, `varchar(n)`, `date`, `timestamp`, `binary`, or
   * `array<…>`, `map<…,…>`, `struct<name:type,…>` of those. Partition keys
   * take primitive types only.
   *
   * For JSON, a `string` column receives any value as text: a nested
   * object or array arrives as its JSON text, which makes `string` the
   * type that never fails on a producer's change of shape.
   * @default 'string'
   */
  readonly type?: string;
  /**
   * What the column holds, up to 255 characters.
   * @default - no comment
   */
  readonly comment?: string;
}

/**
 * A table of the raw layer, defined up front instead of inferred by the
 * crawler: the catalog creates it as an external Glue table over
 * `s3://<bucket>/raw/<folder>`, and the raw crawler only adds its partitions.
 */
export interface RawTableDefinition {
  /** Table name in the Glue database: 1 to 255 lowercase letters, digits and underscores. */
  readonly name: string;
  /**
   * The folder under `raw/` that holds the table's files, ending with `/`:
   * `events/` makes the location `s3://<bucket>/raw/events/`. Letters,
   * digits and `!_.'()=-` per segment, no wildcard, no `.` or `..`
   * segment; two tables' folders may not overlap.
   */
  readonly folder: string;
  /** The columns of each record, at least one, in order. */
  readonly columns: RawTableColumn[];
  /**
   * The partition keys, in the order of the folders below `folder`. The
   * raw layout is `raw/<folder>/ingest_date=YYYY-MM-DD/<file>.json`. An
   * empty list makes an unpartitioned table.
   * @default - one key: `ingest_date` of type `string`
   */
  readonly partitionKeys?: RawTableColumn[];
  /**
   * The format of the files.
   * @default RawTableFormat.JSON
   */
  readonly format?: RawTableFormat;
  /**
   * Description of the table, up to 2048 characters.
   * @default - `Raw records under raw/<folder>, newline-delimited JSON`
   */
  readonly description?: string;
}
