import { CostAllocationTags, DataLayer, DataLayers, DataRetention, NagAcknowledgements, Naming, PropType, ResourceKind, Validate } from '@lakehouse-cdk/core';
import { Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { namedQuerySql } from './private/named-query-sql';

/** Properties of an {@link AnalyticsWorkgroup}. */
export interface AnalyticsWorkgroupProps {
  /** The bucket that holds the query results (the data-lake bucket, in the lakehouse). */
  readonly resultsBucket: s3.IBucket;
  /**
   * Key prefix of the query results in `resultsBucket`: a relative S3 key
   * prefix (`Validate.keyPrefix`): segments of letters, digits and
   * `!_.'()=-` each followed by `/`, no wildcard, no `.` or `..` segment,
   * 2 to 512 characters.
   * The workgroup never expires results: the bucket's lifecycle rule on this
   * prefix does.
   * @default 'athena-results/'
   */
  readonly resultsPrefix?: string;
  /**
   * The KMS key that encrypts the query results (SSE_KMS) and that the data
   * is encrypted with.
   * @default - results are encrypted with S3-managed keys (SSE_S3)
   */
  readonly encryptionKey?: kms.IKey;
  /** The Glue database of the lakehouse, which the named queries and grants use. */
  readonly databaseName: string;
  /**
   * The bucket that holds the data layers.
   * @default - the results bucket
   */
  readonly dataBucket?: s3.IBucket;
  /**
   * The data layers that `grantRunQueries` lets a user read.
   * @default DataLayers.ALL
   */
  readonly queryableLayers?: DataLayer[];
  /**
   * The naming convention. When given, the workgroup is named by it.
   * @default - see `workGroupName`
   */
  readonly naming?: Naming;
  /**
   * Name of the workgroup: up to 128 letters, digits, dots, hyphens and underscores.
   * @default - `naming.name(ResourceKind.ATHENA_WORKGROUP, 'workgroup')` when `naming` is given, else derived from the construct path
   */
  readonly workGroupName?: string;
  /**
   * Description of the workgroup.
   * @default 'Lakehouse analytics: Athena engine v3 over the lakehouse catalog'
   */
  readonly description?: string;
  /**
   * The most a single query may scan, in bytes; Athena cancels a query that
   * scans more. Athena's minimum is 10 MB (10,485,760 bytes).
   * @default 10737418240 (10 GiB, about USD 0.05 of scanning at USD 5 per TB)
   */
  readonly bytesScannedCutoffPerQuery?: number;
  /**
   * Name of the example Iceberg table that the named queries create and read
   * in the curated layer: lowercase letters, digits and underscores.
   * @default 'lakehouse_events'
   */
  readonly icebergTableName?: string;
  /**
   * Save the named queries (create an Iceberg table, time travel) in the
   * workgroup. A workgroup that only runs jobs, such as dbt's, needs none.
   * @default true
   */
  readonly namedQueries?: boolean;
  /**
   * Keep or destroy the workgroup, its saved queries and its query history
   * when the stack is deleted. DESTROY takes effect only when the app also
   * sets the context `@lakehouse-cdk/core:removeDataOnDestroy`, and then also
   * deletes the named queries that users saved in the workgroup.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Athena's minimum bytes-scanned cutoff: 10 MB. */
const MIN_BYTES_SCANNED_CUTOFF = 10 * 1024 * 1024;
const DEFAULT_BYTES_SCANNED_CUTOFF = 10 * 1024 * 1024 * 1024;
const DEFAULT_RESULTS_PREFIX = 'athena-results/';
const DEFAULT_DESCRIPTION = 'Lakehouse analytics: Athena engine v3 over the lakehouse catalog';
const DEFAULT_ICEBERG_TABLE = 'lakehouse_events';
/** Iceberg tables need engine version 3. */
const ENGINE_VERSION = 'Athena engine version 3';

/** The named queries this construct saves in the workgroup, by file in `queries/`. */
const NAMED_QUERIES: Array<{ id: string; file: string; name: string; description: string }> = [
  { id: 'CreateIcebergTable', file: 'create-iceberg-table.sql', name: 'Create Iceberg table in the curated layer', description: 'Creates a day-partitioned Iceberg table (parquet) in the curated layer' },
  { id: 'TimeTravelByTimestamp', file: 'time-travel-by-timestamp.sql', name: 'Iceberg time travel by timestamp', description: 'Reads the Iceberg table as it was one day ago (FOR TIMESTAMP AS OF)' },
  { id: 'ListSnapshots', file: 'list-snapshots.sql', name: 'Iceberg snapshots', description: 'Lists the snapshots of the Iceberg table, whose ids FOR VERSION AS OF takes' },
  { id: 'TimeTravelByVersion', file: 'time-travel-by-version.sql', name: 'Iceberg time travel by snapshot', description: 'Reads the Iceberg table at one snapshot (FOR VERSION AS OF)' },
];

/**
 * The lakehouse Athena workgroup: engine version 3, an enforced and
 * encrypted result location, a bytes-scanned cutoff per query and CloudWatch
 * metrics, with named queries that create an Iceberg table in the curated
 * layer and read it back in time.
 */
export class AnalyticsWorkgroup extends Construct {
  /** Name of the workgroup. */
  public readonly workGroupName: string;
  /** ARN of the workgroup. */
  public readonly workGroupArn: string;
  /** Where query results are written: `s3://<bucket>/<prefix>`. */
  public readonly resultsLocation: string;
  /** The Glue database the named queries and grants use. */
  public readonly databaseName: string;
  /** IDs of the named queries, in the order they were saved. */
  public readonly namedQueryIds: string[];

  private readonly resultsBucket: s3.IBucket;
  private readonly resultsPrefix: string;
  private readonly dataBucket: s3.IBucket;
  private readonly queryableLayers: DataLayer[];
  private readonly encryptionKey?: kms.IKey;

  constructor(scope: Construct, id: string, props: AnalyticsWorkgroupProps) {
    super(scope, id);
    const stack = Stack.of(this);
    Validate.propTypes(props, {
      resultsBucket: PropType.CONSTRUCT,
      resultsPrefix: PropType.STRING,
      encryptionKey: PropType.CONSTRUCT,
      databaseName: PropType.STRING,
      dataBucket: PropType.CONSTRUCT,
      queryableLayers: PropType.LIST,
      naming: PropType.NAMING,
      workGroupName: PropType.STRING,
      description: PropType.STRING,
      bytesScannedCutoffPerQuery: PropType.NUMBER,
      icebergTableName: PropType.STRING,
      namedQueries: PropType.BOOLEAN,
      removalPolicy: PropType.REMOVAL_POLICY,
    }, ['resultsBucket', 'databaseName'], this);

    this.resultsBucket = props.resultsBucket;
    this.dataBucket = props.dataBucket ?? props.resultsBucket;
    this.encryptionKey = props.encryptionKey;
    this.resultsPrefix = props.resultsPrefix ?? DEFAULT_RESULTS_PREFIX;
    Validate.keyPrefix('resultsPrefix', this.resultsPrefix, this);
    const cutoff = props.bytesScannedCutoffPerQuery ?? DEFAULT_BYTES_SCANNED_CUTOFF;
    Validate.integerAtLeast('bytesScannedCutoffPerQuery', cutoff, MIN_BYTES_SCANNED_CUTOFF, 'bytes', "Athena's minimum is 10 MB", this);

    const glueNames = Naming.rulesFor(ResourceKind.GLUE_DATABASE);
    this.databaseName = props.databaseName;
    Validate.length('databaseName', this.databaseName, glueNames.minLength, glueNames.maxLength, this);
    Validate.matches('databaseName', this.databaseName, '[a-z_][a-z0-9_]*', 'must be lowercase letters, digits and underscores, not starting with a digit (a Glue database Athena can name unquoted)', this);
    const tableName = props.icebergTableName ?? DEFAULT_ICEBERG_TABLE;
    Validate.length('icebergTableName', tableName, 1, 255, this);
    Validate.matches('icebergTableName', tableName, '[a-z_][a-z0-9_]*', 'must be lowercase letters, digits and underscores, not starting with a digit', this);

    this.queryableLayers = props.queryableLayers ?? DataLayers.ALL;
    if (this.queryableLayers.length === 0) Validate.fail('queryableLayers', '[]', 'must name at least one data layer', this);
    for (const layer of this.queryableLayers) Validate.oneOf('queryableLayers', layer, DataLayers.ALL, this);

    const workGroupRules = Naming.rulesFor(ResourceKind.ATHENA_WORKGROUP);
    this.workGroupName = props.workGroupName
      ?? props.naming?.name(ResourceKind.ATHENA_WORKGROUP, 'workgroup')
      ?? Names.uniqueResourceName(this, { maxLength: workGroupRules.maxLength, separator: '-' });
    Validate.length('workGroupName', this.workGroupName, workGroupRules.minLength, workGroupRules.maxLength, this);
    Validate.matches('workGroupName', this.workGroupName, workGroupRules.pattern, 'must be letters, digits, dots, hyphens and underscores', this);
    const description = props.description ?? DEFAULT_DESCRIPTION;
    Validate.length('description', description, 0, 1024, this);

    this.resultsLocation = `s3://${this.resultsBucket.bucketName}/${this.resultsPrefix}`;
    const removalPolicy = DataRetention.removalPolicy(this, props.removalPolicy);
    const workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: this.workGroupName,
      description,
      state: 'ENABLED',
      // Deleting a workgroup that still holds saved queries fails unless this is set; only allow it when DESTROY really applies.
      recursiveDeleteOption: removalPolicy === RemovalPolicy.DESTROY,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: cutoff,
        engineVersion: { selectedEngineVersion: ENGINE_VERSION },
        resultConfiguration: {
          outputLocation: this.resultsLocation,
          encryptionConfiguration: this.encryptionKey
            ? { encryptionOption: 'SSE_KMS', kmsKey: this.encryptionKey.keyArn }
            : { encryptionOption: 'SSE_S3' },
        },
      },
    });
    workGroup.applyRemovalPolicy(removalPolicy);
    this.workGroupArn = stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: this.workGroupName });

    const placeholders = {
      database: this.databaseName,
      table: tableName,
      location: `s3://${this.dataBucket.bucketName}/${DataLayers.prefix(DataLayer.CURATED)}${tableName}/`,
    };
    this.namedQueryIds = ((props.namedQueries ?? true) ? NAMED_QUERIES : []).map(query => new athena.CfnNamedQuery(this, query.id, {
      name: query.name,
      description: query.description,
      database: this.databaseName,
      workGroup: workGroup.ref,
      queryString: namedQuerySql(query.file, placeholders),
    }).attrNamedQueryId);

    CostAllocationTags.tagLayer(this, 'analytics');
  }

  /**
   * Lets `grantee` run queries in this workgroup and read the lakehouse:
   * - Athena: start, stop and read query executions and results, read the
   *   workgroup and its named queries, on this workgroup only;
   * - Glue: read the catalog, the database and its tables and partitions;
   * - S3: read the queryable layers, read and write the results prefix;
   * - KMS: encrypt and decrypt with the key (and decrypt with the data bucket's key).
   *
   * It does not allow DDL: running the create-table named query also needs
   * glue:CreateTable and write access to the curated layer.
   */
  public grantRunQueries(grantee: iam.IGrantable): iam.Grant {
    const stack = Stack.of(this);
    const catalogArn = stack.formatArn({ service: 'glue', resource: 'catalog' });
    const databaseArn = stack.formatArn({ service: 'glue', resource: 'database', resourceName: this.databaseName });
    const tablesArn = stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${this.databaseName}/*` });
    const layerPrefixes = this.queryableLayers.map(layer => DataLayers.prefix(layer));
    const layerObjects = layerPrefixes.map(prefix => this.dataBucket.arnForObjects(`${prefix}*`));
    const resultObjects = this.resultsBucket.arnForObjects(`${this.resultsPrefix}*`);

    const grants: iam.Grant[] = [
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StopQueryExecution',
          'athena:GetWorkGroup', 'athena:GetNamedQuery', 'athena:BatchGetNamedQuery', 'athena:ListNamedQueries'],
        resourceArns: [this.workGroupArn],
      }),
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['glue:GetDatabase', 'glue:GetDatabases', 'glue:GetTable', 'glue:GetTables',
          'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition'],
        resourceArns: [catalogArn, databaseArn, tablesArn],
      }),
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['s3:GetObject'],
        resourceArns: layerObjects,
      }),
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        resourceArns: [resultObjects],
      }),
      // Athena checks the bucket's region and in-flight uploads; neither action lists or reads objects.
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['s3:GetBucketLocation', 's3:ListBucketMultipartUploads'],
        resourceArns: unique([this.dataBucket.bucketArn, this.resultsBucket.bucketArn]),
      }),
    ];
    const listed = new Map<s3.IBucket, string[]>();
    listed.set(this.dataBucket, [...layerPrefixes]);
    listed.set(this.resultsBucket, [...(listed.get(this.resultsBucket) ?? []), this.resultsPrefix]);
    for (const [bucket, prefixes] of listed) {
      grants.push(iam.Grant.addToPrincipal({
        grantee,
        actions: ['s3:ListBucket'],
        resourceArns: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': prefixes.flatMap(prefix => [prefix, `${prefix}*`]) } },
      }));
    }
    // Results are written with the workgroup key, or with the results bucket's default key when there is none.
    const resultKeys = [...new Set([this.encryptionKey, this.resultsBucket.encryptionKey])].filter(isKey);
    for (const key of resultKeys) grants.push(key.grant(grantee, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'));
    const dataKey = this.dataBucket.encryptionKey;
    if (dataKey && !resultKeys.includes(dataKey)) grants.push(dataKey.grantDecrypt(grantee));

    const objectsReason = 'Athena reads every object under a queried layer prefix and writes results under the results prefix; S3 object ARNs can only name such a set with a trailing wildcard, which stays inside that prefix.';
    NagAcknowledgements.grantWildcardResources(grantee, [
      {
        resource: tablesArn,
        reason: `Querying the lakehouse reads every table of database ${this.databaseName}; Glue table ARNs can only name them with a wildcard, which stays inside that database.`,
      },
      ...[...layerObjects, resultObjects].map(resource => ({ resource, reason: objectsReason })),
    ]);
    return grants.reduce((all, grant) => all.combine(grant));
  }
}

function isKey(key: kms.IKey | undefined): key is kms.IKey {
  return key !== undefined;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
