import { CostAllocationTags, DataLayer, DataLayers, DataRetention, LogEncryption, NagAcknowledgements, Naming, PropType, ResourceKind, ServiceTrust, Validate } from '@lakehouse-cdk/core';
import { Annotations, ArnFormat, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { checkItemTypes } from './private/prop-types';
import { CheckedRawTable, checkRawTables, rawTableInput } from './private/raw-tables';
import { RawTableDefinition } from './raw-table';

/** What a crawler does with the catalog when it finds a changed schema. */
export enum SchemaUpdateBehavior {
  /** Update the table definition in the catalog. */
  UPDATE_IN_DATABASE = 'UPDATE_IN_DATABASE',
  /** Leave the table as it is and only log the change. */
  LOG = 'LOG',
}

/** What a crawler does with the catalog when data it catalogued has gone. */
export enum SchemaDeleteBehavior {
  /** Only log that the data has gone. */
  LOG = 'LOG',
  /** Mark the table as deprecated. */
  DEPRECATE_IN_DATABASE = 'DEPRECATE_IN_DATABASE',
  /** Delete the table from the catalog. */
  DELETE_FROM_DATABASE = 'DELETE_FROM_DATABASE',
}

/** Which folders a crawler reads on each run. */
export enum RecrawlBehavior {
  /** Read every folder on every run. */
  CRAWL_EVERYTHING = 'CRAWL_EVERYTHING',
  /** Read only the folders added since the last run (needs LOG/LOG schema change behaviour). */
  CRAWL_NEW_FOLDERS_ONLY = 'CRAWL_NEW_FOLDERS_ONLY',
}

/** Settings of the crawler of one data layer. */
export interface LayerCrawlerOptions {
  /** The layer these settings are for. */
  readonly layer: DataLayer;
  /**
   * The key prefix the crawler reads, inside the layer: `raw/events/`.
   * It must lie within the layer's prefix and end with `/`, so that the
   * crawler and its role read that folder only (`raw/events` would also
   * match `raw/events_old/`).
   * @default - the whole layer: `raw/`, `processed/` or `curated/`
   */
  readonly prefix?: string;
  /**
   * When the crawler runs by itself: a six-field `cron(...)` expression.
   * The pipeline starts the raw and curated crawlers itself, and a schedule
   * that fires while the pipeline runs one makes it fail with
   * CrawlerRunningException, so there is no schedule unless one is asked for.
   * @default - no schedule: the crawler runs only when started
   */
  readonly schedule?: string;
  /**
   * Prefix of the names of the tables the crawler creates: lowercase letters,
   * digits and underscores.
   * @default - `raw_` and `processed_`; none for curated, whose Iceberg tables keep the names dbt gives them
   */
  readonly tablePrefix?: string;
}

/** Properties of a {@link LakehouseCatalog}. */
export interface LakehouseCatalogProps {
  /** The data-lake bucket whose layers the crawlers read. */
  readonly bucket: s3.IBucket;
  /**
   * The KMS key of the crawler security configuration, which encrypts the
   * crawler logs and output with it; the crawler role may use it. CloudWatch
   * Logs encrypts the crawler log group with this key itself, so the key
   * policy must let `logs.<region>.amazonaws.com` use it for that log group:
   * the catalog adds that statement to a key of this app. A key it can't
   * change (an imported key) gets a warning,
   * `@lakehouse-cdk/catalog:crawlerLogKeyPolicy`, that names the log group;
   * acknowledge it with `Annotations.of(scope).acknowledgeWarning` once the
   * key's owner has allowed it.
   * @default - a new key (rotated, kept like the database) for the security configuration; the crawler role decrypts the bucket with the bucket's own key, if it has one
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * The naming convention. When given, the database, crawlers, role and
   * security configuration are named by it.
   * @default - CloudFormation names the crawlers and the role; see `databaseName`
   */
  readonly naming?: Naming;
  /**
   * Name of the Glue database: up to 255 lowercase letters, digits and
   * underscores (so that Athena can query it without quoting).
   * @default - `naming.name(ResourceKind.GLUE_DATABASE, 'catalog')` when `naming` is given, else derived from the construct path
   */
  readonly databaseName?: string;
  /**
   * Description of the Glue database.
   * @default 'Lakehouse catalog: raw, processed and curated data layers'
   */
  readonly databaseDescription?: string;
  /**
   * Default location of the database's tables, an `s3://` URI.
   * @default - none: each table has its own location
   */
  readonly locationUri?: string;
  /**
   * The layers that get a crawler, each at most once.
   * @default DataLayers.ALL (raw, processed and curated)
   */
  readonly layers?: DataLayer[];
  /**
   * Settings of individual crawlers: prefix, schedule and table prefix.
   * @default - every crawler reads its whole layer, has no schedule and the default table prefix
   */
  readonly crawlerOptions?: LayerCrawlerOptions[];
  /**
   * What the raw and processed crawlers do with a changed schema. A raw
   * crawler that crawls `rawTables` always only logs: it must keep the
   * defined tables as they are.
   * @default SchemaUpdateBehavior.UPDATE_IN_DATABASE
   */
  readonly schemaUpdateBehavior?: SchemaUpdateBehavior;
  /**
   * What the raw and processed crawlers do when data has gone. A raw
   * crawler that crawls `rawTables` always only logs (Glue requires LOG for
   * crawlers of catalog tables).
   * @default SchemaDeleteBehavior.LOG
   */
  readonly schemaDeleteBehavior?: SchemaDeleteBehavior;
  /**
   * Which folders the raw and processed crawlers read on each run.
   * CRAWL_NEW_FOLDERS_ONLY is cheaper on a large layer, but Glue accepts it
   * only with schemaUpdateBehavior LOG and schemaDeleteBehavior LOG, and
   * only for S3 targets: a raw crawler that crawls `rawTables` always
   * crawls everything.
   * @default RecrawlBehavior.CRAWL_EVERYTHING
   */
  readonly recrawlBehavior?: RecrawlBehavior;
  /**
   * The folder depth, counted from the bucket (level 1), at which the raw
   * and processed crawlers make one table per folder. With 3, every folder
   * directly under `raw/` is a table: `raw/events/...` becomes `raw_events`.
   * It must be an integer from 1 to 10 whatever the crawled layers, and for
   * raw and processed crawlers at least the depth of the crawled prefix. A
   * raw crawler that crawls `rawTables` creates no tables and ignores it.
   * @default 3
   */
  readonly tableLevel?: number;
  /**
   * Tables of the raw layer to define up front, each an external Glue table
   * over `s3://<bucket>/raw/<folder>`. JSON tables are read by the OpenX
   * JSON SerDe with `ignore.malformed.json` = `true`, which a crawler-made
   * table never has: a malformed line becomes a row of nulls instead of
   * failing every query of the table.
   *
   * When given and the raw layer is crawled, the raw crawler crawls these
   * tables instead of the raw prefix: it creates no tables, never changes
   * these, and only adds their partitions (which inherit the table's SerDe).
   * `crawlerOptions` for the raw layer may then set only a schedule. The
   * tables are data descriptions and follow `removalPolicy`, like the
   * database.
   * @default - no tables are defined: the raw crawler reads the raw prefix and creates the tables itself
   */
  readonly rawTables?: RawTableDefinition[];
  /**
   * How many folders deep the curated crawler looks for Iceberg metadata
   * folders, from 1 to 20. Deeper costs more crawl time.
   * @default 10
   */
  readonly icebergTraversalDepth?: number;
  /**
   * Keep or destroy the Glue database (with the table definitions in it,
   * among them the curated Iceberg tables dbt registered) and the key this
   * construct creates when the stack is deleted. DESTROY takes effect only
   * when the app also sets the context `@lakehouse-cdk/core:removeDataOnDestroy`.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Default table-level depth: one table per folder directly under the layer prefix. */
const DEFAULT_TABLE_LEVEL = 3;
/** Glue's deepest TableLevelConfiguration that this construct accepts. */
const MAX_TABLE_LEVEL = 10;
const DEFAULT_ICEBERG_TRAVERSAL_DEPTH = 10;
/** Glue's limit on MaximumTraversalDepth of an Iceberg target. */
const MAX_ICEBERG_TRAVERSAL_DEPTH = 20;
const DEFAULT_DESCRIPTION = 'Lakehouse catalog: raw, processed and curated data layers';
/** Characters allowed in a crawled prefix; `*` and `?` would widen the IAM grants. */
const PREFIX_PATTERN = "[A-Za-z0-9!_.'()=/-]+";
/**
 * Where Glue writes the logs of a crawler with a security configuration:
 * `/aws-glue/crawlers-role/<role name>-<security configuration name>`.
 */
const CRAWLER_LOG_GROUP_PREFIX = '/aws-glue/crawlers-role/';
/** The id of the warning about a crawler log key whose policy this app can't change. */
export const CRAWLER_LOG_KEY_WARNING = '@lakehouse-cdk/catalog:crawlerLogKeyPolicy';
/**
 * What a crawler that creates tables does with them: read, create and
 * update tables and their partitions. Glue checks these on the catalog, the
 * database and each table.
 */
const TABLE_CRAWLER_ACTIONS = [
  'glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:CreateTable', 'glue:UpdateTable',
  'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition',
  'glue:CreatePartition', 'glue:BatchCreatePartition', 'glue:UpdatePartition', 'glue:BatchUpdatePartition',
];
/** What a crawler with schemaDeleteBehavior DELETE_FROM_DATABASE also does. */
const TABLE_DELETE_ACTIONS = ['glue:DeleteTable', 'glue:BatchDeleteTable', 'glue:DeletePartition', 'glue:BatchDeletePartition'];
/**
 * Partitions a crawler adds to a defined table copy the table's storage
 * descriptor, SerDe properties included: Athena reads each partition with
 * the partition's own SerDe settings, so a partition without
 * `ignore.malformed.json` would fail on a bad line again.
 */
const INHERIT_FROM_TABLE_CONFIGURATION = { Version: 1.0, CrawlerOutput: { Partitions: { AddOrUpdateBehavior: 'InheritFromTable' } } };
/**
 * What a crawler of catalog tables does with them: read the tables and add
 * or update their partitions. Glue checks these on the catalog, the
 * database and each table.
 */
const RAW_TABLE_CRAWLER_ACTIONS = [
  'glue:GetDatabase', 'glue:GetTable', 'glue:UpdateTable',
  'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition',
  'glue:CreatePartition', 'glue:BatchCreatePartition', 'glue:UpdatePartition', 'glue:BatchUpdatePartition',
];

interface Crawled {
  readonly layer: DataLayer;
  /** The layer prefix or the prefix the options set. */
  readonly prefix: string;
  /** The key prefixes the crawler reads: its prefix, or the folders of the raw tables it crawls. */
  readonly readPrefixes: string[];
  /** The prefix of the names of the tables it creates; undefined for a crawler of defined tables, which creates none. */
  readonly createsTables?: string;
  /** Whether it deletes tables and partitions whose data has gone. */
  readonly deletesTables: boolean;
  readonly crawler: glue.CfnCrawler;
}

/**
 * The lakehouse Glue catalog: a database, one crawler per data layer, the
 * crawlers' IAM role and the security configuration that encrypts their
 * logs.
 *
 * The raw and processed crawlers read loose files; the curated crawler reads
 * the curated layer as Iceberg tables, so that Iceberg metadata and data
 * files never become tables of their own.
 */
export class LakehouseCatalog extends Construct {
  /** Name of the Glue database. */
  public readonly databaseName: string;
  /** ARN of the Glue database. */
  public readonly databaseArn: string;
  /** ARN of the account's Glue Data Catalog. */
  public readonly catalogArn: string;
  /** ARN pattern of every table in the database: `.../table/<database>/*`. */
  public readonly tableArnPattern: string;
  /** The role every crawler runs as. */
  public readonly crawlerRole: iam.IRole;
  /** The key that encrypts the crawler logs. */
  public readonly encryptionKey: kms.IKey;
  /** Name of the Glue security configuration the crawlers use. */
  public readonly securityConfigurationName: string;
  /** The layers that have a crawler. */
  public readonly crawledLayers: DataLayer[];
  /** Names of the tables defined by `rawTables`, in order. */
  public readonly rawTableNames: string[];
  /**
   * The log group the crawlers write to, which Glue names after the role
   * and the security configuration: `/aws-glue/crawlers-role/<role name>-<security configuration name>`.
   */
  public readonly crawlerLogGroupName: string;

  private readonly crawlers = new Map<DataLayer, Crawled>();

  constructor(scope: Construct, id: string, props: LakehouseCatalogProps) {
    super(scope, id);
    const stack = Stack.of(this);
    Validate.propTypes(props, {
      bucket: PropType.CONSTRUCT,
      encryptionKey: PropType.CONSTRUCT,
      naming: PropType.NAMING,
      databaseName: PropType.STRING,
      databaseDescription: PropType.STRING,
      locationUri: PropType.STRING,
      layers: PropType.LIST,
      crawlerOptions: PropType.LIST,
      schemaUpdateBehavior: PropType.STRING,
      schemaDeleteBehavior: PropType.STRING,
      recrawlBehavior: PropType.STRING,
      tableLevel: PropType.NUMBER,
      rawTables: PropType.LIST,
      icebergTraversalDepth: PropType.NUMBER,
      removalPolicy: PropType.REMOVAL_POLICY,
    }, ['bucket'], this);

    this.crawledLayers = this.checkLayers(props.layers ?? DataLayers.ALL);
    const rawTables = checkRawTables(this, props.rawTables ?? []);
    this.rawTableNames = rawTables.map(table => table.name);
    const options = this.checkCrawlerOptions(props.crawlerOptions ?? [], rawTables.length > 0);
    const updateBehavior = props.schemaUpdateBehavior ?? SchemaUpdateBehavior.UPDATE_IN_DATABASE;
    const deleteBehavior = props.schemaDeleteBehavior ?? SchemaDeleteBehavior.LOG;
    const recrawlBehavior = props.recrawlBehavior ?? RecrawlBehavior.CRAWL_EVERYTHING;
    this.checkRecrawl(recrawlBehavior, updateBehavior, deleteBehavior);
    const tableLevel = props.tableLevel ?? DEFAULT_TABLE_LEVEL;
    // Checked whatever the layers: a curated-only catalog ignores it, and a bad value must not wait to fail until a raw crawler is added.
    Validate.integerInRange('tableLevel', tableLevel, 1, MAX_TABLE_LEVEL, this);
    const icebergDepth = props.icebergTraversalDepth ?? DEFAULT_ICEBERG_TRAVERSAL_DEPTH;
    Validate.integerInRange('icebergTraversalDepth', icebergDepth, 1, MAX_ICEBERG_TRAVERSAL_DEPTH, this);

    this.databaseName = props.databaseName ?? props.naming?.name(ResourceKind.GLUE_DATABASE, 'catalog') ?? this.derivedDatabaseName();
    const glueDatabaseRules = Naming.rulesFor(ResourceKind.GLUE_DATABASE);
    Validate.length('databaseName', this.databaseName, glueDatabaseRules.minLength, glueDatabaseRules.maxLength, this);
    Validate.matches('databaseName', this.databaseName, glueDatabaseRules.pattern, 'must be lowercase letters, digits and underscores (Glue and Athena database names)', this);
    const description = props.databaseDescription ?? DEFAULT_DESCRIPTION;
    Validate.length('databaseDescription', description, 0, 2048, this);
    if (props.locationUri !== undefined) {
      Validate.matches('locationUri', props.locationUri, 's3://[^/]+(/.*)?', 'must be an S3 URI starting with s3://', this);
    }

    this.catalogArn = stack.formatArn({ service: 'glue', resource: 'catalog' });
    this.databaseArn = stack.formatArn({ service: 'glue', resource: 'database', resourceName: this.databaseName });
    this.tableArnPattern = stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${this.databaseName}/*` });

    if (props.removalPolicy !== undefined) {
      // Neither a Glue database nor a KMS key can be snapshotted: CloudFormation refuses DeletionPolicy Snapshot on them.
      Validate.oneOf('removalPolicy', props.removalPolicy, [RemovalPolicy.RETAIN, RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE, RemovalPolicy.DESTROY], this);
    }
    // Asked once, so a refused DESTROY warns once for the database and the key.
    const removalPolicy = DataRetention.removalPolicy(this, props.removalPolicy);
    const database = new glue.CfnDatabase(this, 'Database', {
      catalogId: stack.account,
      databaseInput: { name: this.databaseName, description, locationUri: props.locationUri },
    });
    // Deleting the database deletes its tables, and the curated Iceberg tables are only registered here.
    database.applyRemovalPolicy(removalPolicy);
    const tables = rawTables.map(table => {
      // Table names are unique, so they make unique construct ids.
      const cfnTable = new glue.CfnTable(this, `RawTable-${table.name}`, {
        catalogId: stack.account,
        databaseName: database.ref,
        tableInput: rawTableInput(table, props.bucket.bucketName),
      });
      cfnTable.applyRemovalPolicy(removalPolicy);
      return cfnTable;
    });

    this.encryptionKey = props.encryptionKey ?? new kms.Key(this, 'CrawlerLogKey', {
      description: 'Encrypts the logs and output of the lakehouse catalog crawlers',
      enableKeyRotation: true,
      removalPolicy,
    });
    const roleName = props.naming?.name(ResourceKind.IAM_ROLE, 'catalog-crawler');
    const role = new iam.Role(this, 'CrawlerRole', {
      roleName,
      // Glue does not document sending aws:SourceAccount and aws:SourceArn when it assumes a crawler role,
      // so they are tested whenever Glue sends them, and a crawl without them is not locked out.
      assumedBy: ServiceTrust.principal(this, 'glue.amazonaws.com', {
        sourceArn: stack.formatArn({ service: 'glue', resource: '*' }),
        onlyWhenSent: true,
      }),
      description: 'Runs the lakehouse catalog crawlers: reads the crawled prefixes, writes this database and its own logs',
    });
    this.crawlerRole = role;

    this.securityConfigurationName = props.naming?.name(ResourceKind.GLUE_CRAWLER, 'catalog-crawler-security')
      ?? Names.uniqueResourceName(this, { maxLength: 255 - '-crawler-security'.length, separator: '-' }) + '-crawler-security';
    this.crawlerLogGroupName = `${CRAWLER_LOG_GROUP_PREFIX}${roleName ?? role.roleName}-${this.securityConfigurationName}`;
    this.allowCrawlerLogs(roleName !== undefined);
    const securityConfiguration = new glue.CfnSecurityConfiguration(this, 'CrawlerSecurity', {
      name: this.securityConfigurationName,
      encryptionConfiguration: {
        cloudWatchEncryption: { cloudWatchEncryptionMode: 'SSE-KMS', kmsKeyArn: this.encryptionKey.keyArn },
        jobBookmarksEncryption: { jobBookmarksEncryptionMode: 'CSE-KMS', kmsKeyArn: this.encryptionKey.keyArn },
        s3Encryptions: [{ s3EncryptionMode: 'SSE-KMS', kmsKeyArn: this.encryptionKey.keyArn }],
      },
    });

    for (const layer of this.crawledLayers) {
      const layerOptions = options.get(layer);
      const prefix = this.checkPrefix(layer, layerOptions?.prefix);
      const tablePrefix = layerOptions?.tablePrefix ?? (layer === DataLayer.CURATED ? '' : `${DataLayers.id(layer)}_`);
      Validate.matches(`crawlerOptions[${layer}].tablePrefix`, tablePrefix, '[a-z0-9_]{0,128}', 'must be up to 128 lowercase letters, digits and underscores', this);
      if (layerOptions?.schedule !== undefined) {
        Validate.cronExpression(`crawlerOptions[${layer}].schedule`, layerOptions.schedule, this);
      }
      const path = `s3://${props.bucket.bucketName}/${prefix}`;
      const isCurated = layer === DataLayer.CURATED;
      const crawlsRawTables = layer === DataLayer.RAW && rawTables.length > 0;
      if (!isCurated && !crawlsRawTables) this.checkTableLevel(tableLevel, prefix);
      const schedule = layerOptions?.schedule === undefined ? undefined : { scheduleExpression: layerOptions.schedule };
      const common = {
        name: props.naming?.name(ResourceKind.GLUE_CRAWLER, `${DataLayers.id(layer)}-crawler`),
        role: role.roleArn,
        databaseName: database.ref,
        crawlerSecurityConfiguration: securityConfiguration.ref,
        schedule,
      };

      const crawler = crawlsRawTables
        ? new glue.CfnCrawler(this, `${pascal(layer)}Crawler`, {
          ...common,
          description: `Adds the partitions of the ${rawTables.length} raw tables defined in the lakehouse catalog (raw/)`,
          targets: { catalogTargets: [{ databaseName: database.ref, tables: this.rawTableNames }] },
          // Glue requires DeleteBehavior LOG for catalog targets; UpdateBehavior LOG keeps the defined tables (and their SerDe properties) as they are.
          schemaChangePolicy: { updateBehavior: SchemaUpdateBehavior.LOG, deleteBehavior: SchemaDeleteBehavior.LOG },
          // Incremental crawls exist for S3 targets only.
          recrawlPolicy: { recrawlBehavior: RecrawlBehavior.CRAWL_EVERYTHING },
          configuration: JSON.stringify(INHERIT_FROM_TABLE_CONFIGURATION),
        })
        : new glue.CfnCrawler(this, `${pascal(layer)}Crawler`, {
          ...common,
          description: `Catalogs the ${layer} layer of the lakehouse (${prefix})`,
          tablePrefix: tablePrefix === '' ? undefined : tablePrefix,
          targets: isCurated
            ? { icebergTargets: [{ paths: [path], maximumTraversalDepth: icebergDepth }] }
            : { s3Targets: [{ path }] },
          // Iceberg tables carry their own schema history, so the curated crawler only updates and logs.
          schemaChangePolicy: isCurated
            ? { updateBehavior: SchemaUpdateBehavior.UPDATE_IN_DATABASE, deleteBehavior: SchemaDeleteBehavior.LOG }
            : { updateBehavior, deleteBehavior },
          recrawlPolicy: { recrawlBehavior: isCurated ? RecrawlBehavior.CRAWL_EVERYTHING : recrawlBehavior },
          configuration: JSON.stringify(isCurated
            ? { Version: 1.0 }
            : { Version: 1.0, Grouping: { TableLevelConfiguration: tableLevel } }),
        });
      // The crawler's first run must find its read permissions in place.
      crawler.node.addDependency(role);
      // Glue refuses a catalog target whose tables do not exist yet; they are named, not referenced.
      if (crawlsRawTables) crawler.node.addDependency(...tables);
      const readPrefixes = crawlsRawTables ? rawTables.map(table => table.prefix) : [prefix];
      this.crawlers.set(layer, {
        layer, prefix, readPrefixes, crawler,
        createsTables: crawlsRawTables ? undefined : tablePrefix,
        deletesTables: !isCurated && !crawlsRawTables && deleteBehavior === SchemaDeleteBehavior.DELETE_FROM_DATABASE,
      });
    }

    const policy = this.grantCrawlerAccess(role, props.bucket, this.crawlers.has(DataLayer.RAW) ? rawTables : []);
    for (const { crawler } of this.crawlers.values()) crawler.node.addDependency(policy);
    CostAllocationTags.tagLayer(this, 'catalog');
  }

  /** Name of the crawler of `layer`. */
  public crawlerName(layer: DataLayer): string {
    return this.crawled(layer).crawler.ref;
  }

  /** ARN of the crawler of `layer`. */
  public crawlerArn(layer: DataLayer): string {
    return Stack.of(this).formatArn({ service: 'glue', resource: 'crawler', resourceName: this.crawlerName(layer) });
  }

  /**
   * The S3 key prefix the crawler of `layer` reads: `raw/`. A raw crawler
   * of `rawTables` reads only the tables' folders, all under this prefix.
   */
  public crawledPrefix(layer: DataLayer): string {
    return this.crawled(layer).prefix;
  }

  /**
   * Lets `grantee` start the crawler of `layer` and see its state
   * (glue:StartCrawler and glue:GetCrawler on that crawler only), as the
   * pipeline and Airflow do.
   */
  public grantStartCrawler(grantee: iam.IGrantable, layer: DataLayer): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['glue:StartCrawler', 'glue:GetCrawler'],
      resourceArns: [this.crawlerArn(layer)],
    });
  }

  /**
   * Lets `grantee` read the database and its tables and partitions, as an
   * Athena user needs: glue:GetDatabase(s), GetTable(s), GetPartition(s) and
   * BatchGetPartition on the catalog, this database and its tables.
   */
  public grantReadCatalog(grantee: iam.IGrantable): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['glue:GetDatabase', 'glue:GetDatabases', 'glue:GetTable', 'glue:GetTables',
        'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition'],
      resourceArns: [this.catalogArn, this.databaseArn, this.tableArnPattern],
    });
    NagAcknowledgements.grantWildcardResources(grantee, [{
      resource: this.tableArnPattern,
      reason: `Reading the lakehouse catalog means reading every table of database ${this.databaseName}; Glue table ARNs can only name them with a wildcard, which stays inside that database.`,
    }]);
    return grant;
  }

  private crawled(layer: DataLayer): Crawled {
    const crawled = this.crawlers.get(layer);
    if (crawled === undefined) {
      Validate.fail('layer', JSON.stringify(layer), `has no crawler in this catalog (crawled layers: ${this.crawledLayers.join(', ')})`, this);
    }
    return crawled!;
  }

  private grantCrawlerAccess(role: iam.Role, bucket: s3.IBucket, crawledTables: CheckedRawTable[]): iam.ManagedPolicy {
    const stack = Stack.of(this);
    const crawlers = [...this.crawlers.values()];
    const prefixes = crawlers.flatMap(c => c.readPrefixes);
    const crawledObjects = prefixes.map(prefix => bucket.arnForObjects(`${prefix}*`));
    const logGroup = stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: this.crawlerLogGroupName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const logStreams = `${logGroup}:log-stream:*`;
    const tableArn = (name: string) => stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${this.databaseName}/${name}` });
    const tablePrefixes = [...new Set(crawlers.flatMap(c => c.createsTables === undefined ? [] : [c.createsTables]))];
    const createdTables = tablePrefixes.map(tablePrefix => tableArn(`${tablePrefix}*`));

    const policy = new iam.ManagedPolicy(this, 'CrawlerPolicy', {
      description: 'What the lakehouse catalog crawlers do: read the crawled prefixes, write the tables of one Glue database, write their own encrypted log group',
      roles: [role],
      statements: [
        new iam.PolicyStatement({
          sid: 'ReadCrawledPrefixes',
          actions: ['s3:GetObject'],
          resources: crawledObjects,
        }),
        new iam.PolicyStatement({
          sid: 'ListCrawledPrefixes',
          actions: ['s3:ListBucket'],
          resources: [bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': prefixes.flatMap(prefix => [prefix, `${prefix}*`]) } },
        }),
        new iam.PolicyStatement({
          sid: 'LocateCrawledBucket',
          actions: ['s3:GetBucketLocation'],
          resources: [bucket.bucketArn],
        }),
        new iam.PolicyStatement({
          sid: 'WriteCrawlerLogs',
          actions: ['logs:CreateLogGroup', 'logs:AssociateKmsKey', 'logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [logGroup, logStreams],
        }),
        new iam.PolicyStatement({
          sid: 'ReadSecurityConfiguration',
          actions: ['glue:GetSecurityConfiguration'],
          resources: ['*'],
        }),
      ],
    });
    if (createdTables.length > 0) {
      const deletes = crawlers.some(c => c.deletesTables);
      policy.addStatements(new iam.PolicyStatement({
        sid: 'WriteCrawledTables',
        actions: [...TABLE_CRAWLER_ACTIONS, ...(deletes ? TABLE_DELETE_ACTIONS : [])],
        resources: [this.catalogArn, this.databaseArn, ...createdTables],
      }));
    }
    if (crawledTables.length > 0) {
      policy.addStatements(new iam.PolicyStatement({
        sid: 'AddRawTablePartitions',
        actions: RAW_TABLE_CRAWLER_ACTIONS,
        resources: [this.catalogArn, this.databaseArn, ...crawledTables.map(table => tableArn(table.name))],
      }));
    }
    NagAcknowledgements.wildcardResources(policy, [
      ...crawledObjects.map(resource => ({
        resource,
        reason: 'A crawler reads every object under the prefix it crawls; S3 object ARNs can only name such a set with a trailing wildcard, and the wildcard stays inside the crawled layer prefix.',
      })),
      {
        resource: logStreams,
        reason: 'Glue names the log streams of a crawl at run time; the wildcard stays inside the one log group of these crawlers.',
      },
      ...createdTables.map(resource => ({
        resource,
        reason: `A crawler names the tables it creates after the folders it finds, so they can only be named by the table prefix it gives them; the wildcard stays inside database ${this.databaseName}.`,
      })),
    ]);
    NagAcknowledgements.guardWildcardResource(policy, policy.document, [{
      action: 'glue:GetSecurityConfiguration',
      reason: 'A crawler reads its security configuration to encrypt its logs and output; Glue security configurations have no resource ARN, so IAM can only name them with Resource "*".',
    }]);
    // The security configuration encrypts logs and S3 output with the key: the role needs to use it.
    this.encryptionKey.grant(role, 'kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey');
    const bucketKey = bucket.encryptionKey;
    if (bucketKey !== undefined && bucketKey !== this.encryptionKey) {
      bucketKey.grantDecrypt(role);
    }
    NagAcknowledgements.inlineDefaultPolicies(role);
    return policy;
  }

  /**
   * CloudWatch Logs encrypts the crawler log group with the key itself, so
   * the key policy must allow it. A key of this app gets the statement; for
   * one it can't change, a warning names what its owner must allow.
   */
  private allowCrawlerLogs(roleNamed: boolean): void {
    // The exact name holds the role name. A key of another stack can't refer to a role that CloudFormation
    // names without a cycle (that stack would depend on this one, which depends on it for the key): there, any role name.
    const sameStack = Stack.of(this.encryptionKey) === Stack.of(this);
    const logGroupName = sameStack || roleNamed
      ? this.crawlerLogGroupName
      : `${CRAWLER_LOG_GROUP_PREFIX}*-${this.securityConfigurationName}`;
    if (!LogEncryption.allowLogGroup(this.encryptionKey, logGroupName, `AllowCloudWatchLogsFor${Names.uniqueId(this)}Crawlers`)) {
      Annotations.of(this).addWarningV2(CRAWLER_LOG_KEY_WARNING,
        `encryptionKey is a key whose policy this app can't change: the crawler security configuration encrypts the crawler logs with it, `
        + `and CloudWatch Logs can do so only if the key policy lets logs.${Stack.of(this).region}.amazonaws.com use it (Encrypt, Decrypt, ReEncrypt*, `
        + `GenerateDataKey*, DescribeKey) for the log group ${CRAWLER_LOG_GROUP_PREFIX}<crawler role name>-${this.securityConfigurationName}; `
        + `until then every crawl fails. Acknowledge this warning once the key owner has allowed it.`);
    }
  }

  private checkLayers(layers: DataLayer[]): DataLayer[] {
    if (layers.length === 0) {
      Validate.fail('layers', '[]', 'must name at least one data layer', this);
    }
    const seen = new Set<DataLayer>();
    for (const layer of layers) {
      Validate.oneOf('layers', layer, DataLayers.ALL, this);
      if (seen.has(layer)) Validate.fail('layers', JSON.stringify(layers), `must name each layer at most once (${layer} is repeated)`, this);
      seen.add(layer);
    }
    return [...layers];
  }

  private checkCrawlerOptions(options: LayerCrawlerOptions[], hasRawTables: boolean): Map<DataLayer, LayerCrawlerOptions> {
    const byLayer = new Map<DataLayer, LayerCrawlerOptions>();
    options.forEach((option, index) => checkItemTypes(this, `crawlerOptions[${index}]`, option, {
      layer: PropType.STRING, prefix: PropType.STRING, schedule: PropType.STRING, tablePrefix: PropType.STRING,
    }, ['layer']));
    for (const option of options) {
      Validate.oneOf('crawlerOptions.layer', option.layer, DataLayers.ALL, this);
      if (!this.crawledLayers.includes(option.layer)) {
        Validate.fail('crawlerOptions', JSON.stringify(option.layer), `must only configure crawled layers (${this.crawledLayers.join(', ')})`, this);
      }
      if (byLayer.has(option.layer)) {
        Validate.fail('crawlerOptions', JSON.stringify(option.layer), 'must configure each layer at most once', this);
      }
      if (hasRawTables && option.layer === DataLayer.RAW) {
        // The raw crawler then crawls the defined tables: it reads their folders and creates no tables.
        for (const [key, value] of [['prefix', option.prefix], ['tablePrefix', option.tablePrefix]]) {
          if (value !== undefined) {
            Validate.fail(`crawlerOptions[raw].${key}`, JSON.stringify(value), 'does not apply when rawTables are defined: the raw crawler crawls those tables (their folders) and creates no tables', this);
          }
        }
      }
      byLayer.set(option.layer, option);
    }
    return byLayer;
  }

  private checkPrefix(layer: DataLayer, requested: string | undefined): string {
    if (requested === undefined) return DataLayers.prefix(layer);
    const prop = `crawlerOptions[${layer}].prefix`;
    Validate.matches(prop, requested, PREFIX_PATTERN, "must be an S3 key prefix of letters, digits and !_.'()=/- (no wildcards)", this);
    // Without the closing slash, the target, the GetObject grant and the s3:prefix condition would reach sibling folders.
    Validate.matches(prop, requested, '.*/', 'must end with / (raw/events would also read raw/events_old/)', this);
    Validate.balancedParentheses(prop, requested, this);
    const prefix = requested.replace(/^\/+/, '');
    if (!DataLayers.contains(layer, prefix) || prefix.split('/').includes('..')) {
      Validate.fail(prop, JSON.stringify(requested), `crawler prefix escapes its layer: it must lie within ${DataLayers.prefix(layer)} with no . or .. segments`, this);
    }
    return prefix;
  }

  private checkTableLevel(tableLevel: number, prefix: string): void {
    // Level 1 is the bucket; each folder of the crawled prefix adds one.
    const prefixDepth = 1 + prefix.split('/').filter(segment => segment.length > 0).length;
    // The range 1..MAX_TABLE_LEVEL is checked once in the constructor; here only the prefix depth is left.
    if (tableLevel < prefixDepth) {
      Validate.fail('tableLevel', String(tableLevel),
        `table-level depth out of range: it must be an integer from ${prefixDepth} (the depth of ${prefix}) to ${MAX_TABLE_LEVEL}`, this);
    }
  }

  private checkRecrawl(recrawl: RecrawlBehavior, update: SchemaUpdateBehavior, del: SchemaDeleteBehavior): void {
    Validate.oneOf('recrawlBehavior', recrawl, Object.values(RecrawlBehavior), this);
    Validate.oneOf('schemaUpdateBehavior', update, Object.values(SchemaUpdateBehavior), this);
    Validate.oneOf('schemaDeleteBehavior', del, Object.values(SchemaDeleteBehavior), this);
    if (recrawl === RecrawlBehavior.CRAWL_NEW_FOLDERS_ONLY && (update !== SchemaUpdateBehavior.LOG || del !== SchemaDeleteBehavior.LOG)) {
      Validate.fail('recrawlBehavior', recrawl,
        `requires schemaUpdateBehavior LOG and schemaDeleteBehavior LOG (Glue rule); got ${update}/${del} with it`, this);
    }
  }

  private derivedDatabaseName(): string {
    return Names.uniqueResourceName(this, { maxLength: 255, separator: '_' }).toLowerCase().replace(/[^a-z0-9_]/g, '_');
  }
}

function pascal(layer: DataLayer): string {
  const id = DataLayers.id(layer);
  return id.charAt(0).toUpperCase() + id.slice(1);
}
