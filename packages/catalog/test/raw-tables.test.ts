import { DataLayer, Naming } from '@lakehouse-cdk/core';
import { asList, expectValidationError, formatFindings, nagFindings, synth } from '@lakehouse-cdk/testing';
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { BUCKET_NAME, existingBucket, policyStatements } from './fixtures';
import { LakehouseCatalog, LakehouseCatalogProps, RawTableDefinition, RawTableFormat, RecrawlBehavior, SchemaDeleteBehavior, SchemaUpdateBehavior } from '../src';

const EVENTS: RawTableDefinition = {
  name: 'raw_events',
  folder: 'events/',
  columns: [
    { name: 'event_id', type: 'string', comment: 'Producer-assigned id' },
    { name: 'user_id' },
    { name: 'properties', type: 'struct<plan:string,seats:int>' },
  ],
};
const USERS: RawTableDefinition = { name: 'raw_users', folder: 'users/', columns: [{ name: 'user_id', type: 'string' }] };

function build(props: Partial<LakehouseCatalogProps> = {}, context: Record<string, unknown> = {}) {
  let catalog!: LakehouseCatalog;
  const result = synth(stack => {
    catalog = new LakehouseCatalog(stack, 'Catalog', { bucket: existingBucket(stack), rawTables: [EVENTS, USERS], ...props });
  }, context);
  return { ...result, catalog };
}

function tableNamed(template: Template, name: string): { id: string; resource: any } {
  const found = Object.entries(template.findResources('AWS::Glue::Table')).find(([, t]: [string, any]) => t.Properties.TableInput.Name === name);
  if (!found) throw new Error(`no table ${name}`);
  return { id: found[0], resource: found[1] };
}

function rawCrawler(template: Template): any {
  const crawlers = Object.entries(template.findResources('AWS::Glue::Crawler')) as Array<[string, any]>;
  const found = crawlers.find(([id]) => id.includes('RawCrawler'));
  if (!found) throw new Error('no raw crawler');
  return found[1];
}

const glueArn = (resource: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:glue:eu-west-1:123456789012:${resource}`]] });

describe('raw tables', () => {
  let template: Template;
  let catalog: LakehouseCatalog;
  let stack: Stack;
  beforeAll(() => {
    ({ template, catalog, stack } = build());
  });

  test('each table is an external JSON table read by the OpenX SerDe that turns a malformed line into nulls', () => {
    template.resourceCountIs('AWS::Glue::Table', 2);
    const [databaseId] = Object.keys(template.findResources('AWS::Glue::Database'));
    const { resource } = tableNamed(template, 'raw_events');
    expect(resource.Properties).toEqual({
      CatalogId: '123456789012',
      DatabaseName: { Ref: databaseId },
      TableInput: {
        Name: 'raw_events',
        Description: 'Raw records under raw/events/, newline-delimited JSON',
        TableType: 'EXTERNAL_TABLE',
        Parameters: { EXTERNAL: 'TRUE', classification: 'json' },
        PartitionKeys: [{ Name: 'ingest_date', Type: 'string' }],
        StorageDescriptor: {
          Location: `s3://${BUCKET_NAME}/raw/events/`,
          Columns: [
            { Name: 'event_id', Type: 'string', Comment: 'Producer-assigned id' },
            { Name: 'user_id', Type: 'string' },
            { Name: 'properties', Type: 'struct<plan:string,seats:int>' },
          ],
          InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          Compressed: false,
          SerdeInfo: {
            SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
            Parameters: { 'ignore.malformed.json': 'true' },
          },
        },
      },
    });
    expect(tableNamed(template, 'raw_users').resource.Properties.TableInput.StorageDescriptor.Location).toBe(`s3://${BUCKET_NAME}/raw/users/`);
    expect(catalog.rawTableNames).toEqual(['raw_events', 'raw_users']);
  });

  test('tables are retained with the stack, like the database', () => {
    for (const table of Object.values(template.findResources('AWS::Glue::Table')) as any[]) {
      expect(table).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    }
  });

  test('the raw crawler crawls the defined tables: catalog targets, LOG/LOG, partitions inherit from the table', () => {
    const [databaseId] = Object.keys(template.findResources('AWS::Glue::Database'));
    const crawler = rawCrawler(template);
    expect(crawler.Properties.Targets).toEqual({ CatalogTargets: [{ DatabaseName: { Ref: databaseId }, Tables: ['raw_events', 'raw_users'] }] });
    expect(crawler.Properties.SchemaChangePolicy).toEqual({ UpdateBehavior: 'LOG', DeleteBehavior: 'LOG' });
    expect(crawler.Properties.RecrawlPolicy).toEqual({ RecrawlBehavior: 'CRAWL_EVERYTHING' });
    expect(JSON.parse(crawler.Properties.Configuration)).toEqual({ Version: 1, CrawlerOutput: { Partitions: { AddOrUpdateBehavior: 'InheritFromTable' } } });
    expect(crawler.Properties.TablePrefix).toBeUndefined();
    expect(crawler.Properties.DatabaseName).toEqual({ Ref: databaseId });
    expect(crawler.DependsOn).toEqual(expect.arrayContaining([tableNamed(template, 'raw_events').id, tableNamed(template, 'raw_users').id]));
  });

  test('the processed and curated crawlers keep their S3 and Iceberg targets', () => {
    const targets = Object.values(template.findResources('AWS::Glue::Crawler')).map((c: any) => c.Properties.Targets);
    expect(targets).toEqual(expect.arrayContaining([
      { S3Targets: [{ Path: `s3://${BUCKET_NAME}/processed/` }] },
      { IcebergTargets: [{ Paths: [`s3://${BUCKET_NAME}/curated/`], MaximumTraversalDepth: 10 }] },
    ]));
    expect(JSON.stringify(targets)).not.toContain(`${BUCKET_NAME}/raw/`);
  });

  test('the crawler role may add partitions to exactly the defined tables and read only their folders', () => {
    const statements = policyStatements(template).map(s => s.statement);
    const partitionStatements = statements.filter(s => asList(s.Action).includes('glue:BatchCreatePartition') && JSON.stringify(s.Resource).includes('raw_'));
    expect(partitionStatements).toEqual([{
      Sid: 'AddRawTablePartitions',
      Effect: 'Allow',
      Action: ['glue:GetDatabase', 'glue:GetTable', 'glue:UpdateTable', 'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition',
        'glue:CreatePartition', 'glue:BatchCreatePartition', 'glue:UpdatePartition', 'glue:BatchUpdatePartition'],
      Resource: [glueArn('catalog'), glueArn(`database/${catalog.databaseName}`),
        glueArn(`table/${catalog.databaseName}/raw_events`), glueArn(`table/${catalog.databaseName}/raw_users`)],
    }]);
    const read = statements.find(s => asList(s.Action).includes('s3:GetObject'));
    expect(asList(read.Resource).map(r => stack.resolve(r))).toEqual(['raw/events/', 'raw/users/', 'processed/', 'curated/']
      .map(p => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${BUCKET_NAME}/${p}*`]] })));
    const list = statements.find(s => asList(s.Action).includes('s3:ListBucket'));
    expect(list.Condition.StringLike['s3:prefix']).toEqual(['raw/events/', 'raw/events/*', 'raw/users/', 'raw/users/*', 'processed/', 'processed/*', 'curated/', 'curated/*']);
    // The raw crawler creates no table: no statement lets the role create one under raw_.
    expect(JSON.stringify(statements)).not.toContain(`table/${catalog.databaseName}/raw_*`);
    // Only the security configuration, which has no ARN, is named by "*".
    expect(statements.filter(s => asList(s.Resource).includes('*')).map(s => s.Action)).toEqual(['glue:GetSecurityConfiguration']);
  });

  test('crawledPrefix of the raw layer stays the layer prefix', () => {
    expect(catalog.crawledPrefix(DataLayer.RAW)).toBe('raw/');
  });

  test('cdk-nag AwsSolutions finds nothing unacknowledged with raw tables', () => {
    const findings = nagFindings(s => new LakehouseCatalog(s, 'Catalog', {
      bucket: existingBucket(s), naming: new Naming({ project: 'lakehouse', environment: 'sandbox' }), rawTables: [EVENTS, USERS],
    }));
    if (findings.length) throw new Error(formatFindings(findings));
    expect(findings).toEqual([]);
  });
});

describe('raw table props', () => {
  test('the README example defines raw_events with string columns and the ingest_date partition', () => {
    const { template } = synth(stack => {
      const dataLakeBucket = existingBucket(stack);
      new LakehouseCatalog(stack, 'Catalog', {
        bucket: dataLakeBucket,
        rawTables: [{
          name: 'raw_events',
          folder: 'events/',
          columns: [
            { name: 'event_id' },
            { name: 'event_ts', comment: 'ISO-8601 with offset' },
            { name: 'properties' },
          ],
        }],
      });
    });
    const input = tableNamed(template, 'raw_events').resource.Properties.TableInput;
    expect(input.StorageDescriptor.Columns).toEqual([
      { Name: 'event_id', Type: 'string' },
      { Name: 'event_ts', Type: 'string', Comment: 'ISO-8601 with offset' },
      { Name: 'properties', Type: 'string' },
    ]);
    expect(input.PartitionKeys).toEqual([{ Name: 'ingest_date', Type: 'string' }]);
    expect(input.StorageDescriptor.Location).toBe(`s3://${BUCKET_NAME}/raw/events/`);
  });

  test('without rawTables no table is created, the raw crawler reads raw/ and creates its tables under raw_', () => {
    const { template } = synth(stack => new LakehouseCatalog(stack, 'Catalog', { bucket: existingBucket(stack) }));
    template.resourceCountIs('AWS::Glue::Table', 0);
    expect(rawCrawler(template).Properties.Targets).toEqual({ S3Targets: [{ Path: `s3://${BUCKET_NAME}/raw/` }] });
    const statements = policyStatements(template).map(s => s.statement);
    expect(statements.filter(s => s.Sid === 'AddRawTablePartitions')).toEqual([]);
    const tables = JSON.stringify(statements.find(s => s.Sid === 'WriteCrawledTables').Resource);
    expect(tables).toContain('/raw_*');
  });

  test('an explicit empty rawTables keeps the S3 raw crawler', () => {
    const { template } = build({ rawTables: [] });
    template.resourceCountIs('AWS::Glue::Table', 0);
    expect(rawCrawler(template).Properties.Targets).toEqual({ S3Targets: [{ Path: `s3://${BUCKET_NAME}/raw/` }] });
  });

  test('a column without a type is a string, and the format defaults to JSON', () => {
    const { template } = build({ rawTables: [{ name: 'raw_clicks', folder: 'clicks/', columns: [{ name: 'click_id' }] }] });
    const table = tableNamed(template, 'raw_clicks').resource.Properties.TableInput;
    expect(table.StorageDescriptor.Columns).toEqual([{ Name: 'click_id', Type: 'string' }]);
    expect(table.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe('org.openx.data.jsonserde.JsonSerDe');
    expect(table.PartitionKeys).toEqual([{ Name: 'ingest_date', Type: 'string' }]);
  });

  test('explicit partition keys, format, description and a nested folder are used as given', () => {
    const { template } = build({
      rawTables: [{
        name: 'raw_orders', folder: 'shop/orders/', format: RawTableFormat.JSON, description: 'Orders as exported',
        columns: [{ name: 'order_id', type: 'bigint' }, { name: 'amount', type: 'decimal(12,2)' }, { name: 'tags', type: 'array<string>' }],
        partitionKeys: [{ name: 'ingest_date', type: 'date', comment: 'Landing day' }, { name: 'hour', type: 'int' }],
      }],
    });
    const table = tableNamed(template, 'raw_orders').resource.Properties.TableInput;
    expect(table.Description).toBe('Orders as exported');
    expect(table.StorageDescriptor.Location).toBe(`s3://${BUCKET_NAME}/raw/shop/orders/`);
    expect(table.PartitionKeys).toEqual([{ Name: 'ingest_date', Type: 'date', Comment: 'Landing day' }, { Name: 'hour', Type: 'int' }]);
    expect(table.StorageDescriptor.Columns.map((c: any) => c.Type)).toEqual(['bigint', 'decimal(12,2)', 'array<string>']);
  });

  test('an empty partitionKeys list makes an unpartitioned table', () => {
    const { template } = build({ rawTables: [{ ...USERS, partitionKeys: [] }] });
    expect(tableNamed(template, 'raw_users').resource.Properties.TableInput.PartitionKeys).toEqual([]);
  });

  test('a schedule still reaches the raw crawler of defined tables; tableLevel and schema props do not', () => {
    const { template } = build({
      crawlerOptions: [{ layer: DataLayer.RAW, schedule: 'cron(0 2 * * ? *)' }],
      tableLevel: 4,
      schemaUpdateBehavior: SchemaUpdateBehavior.UPDATE_IN_DATABASE,
      schemaDeleteBehavior: SchemaDeleteBehavior.DEPRECATE_IN_DATABASE,
      recrawlBehavior: RecrawlBehavior.CRAWL_EVERYTHING,
    });
    const raw = rawCrawler(template).Properties;
    expect(raw.Schedule).toEqual({ ScheduleExpression: 'cron(0 2 * * ? *)' });
    expect(raw.SchemaChangePolicy).toEqual({ UpdateBehavior: 'LOG', DeleteBehavior: 'LOG' });
    expect(JSON.parse(raw.Configuration).Grouping).toBeUndefined();
    const processed = Object.values(template.findResources('AWS::Glue::Crawler')).map((c: any) => c.Properties)
      .find(c => JSON.stringify(c.Targets).includes('/processed/'));
    expect(processed.SchemaChangePolicy).toEqual({ UpdateBehavior: 'UPDATE_IN_DATABASE', DeleteBehavior: 'DEPRECATE_IN_DATABASE' });
  });

  test('without a raw crawler the tables are still defined and the role gets no Glue statement', () => {
    const { template } = build({ layers: [DataLayer.CURATED] });
    template.resourceCountIs('AWS::Glue::Table', 2);
    template.resourceCountIs('AWS::Glue::Crawler', 1);
    const statements = policyStatements(template).map(s => s.statement);
    expect(statements.filter(s => s.Sid === 'AddRawTablePartitions')).toEqual([]);
    expect(JSON.stringify(statements)).not.toContain('raw_');
  });

  test('removalPolicy DESTROY removes the tables only with the context flag', () => {
    build({ removalPolicy: RemovalPolicy.DESTROY }).template.hasResource('AWS::Glue::Table', { DeletionPolicy: 'Retain' });
    build({ removalPolicy: RemovalPolicy.DESTROY }, { '@lakehouse-cdk/core:removeDataOnDestroy': true })
      .template.hasResource('AWS::Glue::Table', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
  });

  test('a bucket from another stack gives each table a location in that bucket', () => {
    const { template } = synth(stack => {
      const other = new Stack(stack.node.scope!, 'Storage', { env: { account: '123456789012', region: 'eu-west-1' } });
      const bucket = new s3.Bucket(other, 'Lake');
      new LakehouseCatalog(stack, 'Catalog', { bucket, rawTables: [USERS] });
    });
    const location = tableNamed(template, 'raw_users').resource.Properties.TableInput.StorageDescriptor.Location;
    expect(location).toEqual({ 'Fn::Join': ['', ['s3://', { 'Fn::ImportValue': expect.stringMatching(/^Storage:ExportsOutputRefLake/) }, '/raw/users/']] });
  });
});

describe('raw table validation', () => {
  const column = (type: string) => [{ name: 'payload', type }];
  const cases: Array<[string, Partial<LakehouseCatalogProps>, string, RegExp]> = [
    ['uppercase table name', { rawTables: [{ ...USERS, name: 'Raw-Users' }] }, 'rawTables[0].name', /lowercase letters, digits and underscores/],
    ['table name too long', { rawTables: [{ ...USERS, name: 'r'.repeat(256) }] }, 'rawTables[0].name', /1 to 255/],
    ['repeated table name', { rawTables: [USERS, { ...USERS, folder: 'users_v2/' }] }, 'rawTables[raw_users].name', /unique/],
    ['folder without a trailing slash', { rawTables: [{ ...USERS, folder: 'users' }] }, 'rawTables[raw_users].folder', /relative S3 key prefix/],
    ['folder with a wildcard', { rawTables: [{ ...USERS, folder: 'users/*/' }] }, 'rawTables[raw_users].folder', /no wildcard/],
    ['folder climbing out of raw/', { rawTables: [{ ...USERS, folder: '../curated/' }] }, 'rawTables[raw_users].folder', /no "\." or "\.\." segment/],
    ['absolute folder', { rawTables: [{ ...USERS, folder: '/users/' }] }, 'rawTables[raw_users].folder', /no leading "\/"/],
    ['folder inside another table', { rawTables: [USERS, { ...EVENTS, folder: 'users/events/' }] }, 'rawTables[raw_events].folder', /overlap .*raw_users/],
    ['same folder twice', { rawTables: [EVENTS, { ...USERS, folder: 'events/' }] }, 'rawTables[raw_users].folder', /overlap/],
    ['no columns', { rawTables: [{ ...USERS, columns: [] }] }, 'rawTables[raw_users].columns', /at least one column/],
    ['column with a dash', { rawTables: [{ ...USERS, columns: [{ name: 'user-id' }] }] }, 'rawTables[raw_users].columns[0].name', /lowercase/],
    ['repeated column', { rawTables: [{ ...USERS, columns: [{ name: 'a' }, { name: 'a' }] }] }, 'rawTables[raw_users].columns', /once/],
    ['column named like the partition key', { rawTables: [{ ...USERS, columns: [{ name: 'ingest_date' }] }] }, 'rawTables[raw_users].columns', /once/],
    ['unknown type', { rawTables: [{ ...USERS, columns: column('text') }] }, 'rawTables[raw_users].columns[0].type', /"text" is not a Hive type/],
    ['uppercase type', { rawTables: [{ ...USERS, columns: column('STRING') }] }, 'rawTables[raw_users].columns[0].type', /lowercase Hive type/],
    ['unclosed array', { rawTables: [{ ...USERS, columns: column('array<string') }] }, 'rawTables[raw_users].columns[0].type', /expected ">"/],
    ['map with a complex key', { rawTables: [{ ...USERS, columns: column('map<array<int>,string>') }] }, 'rawTables[raw_users].columns[0].type', /not a primitive type/],
    ['decimal precision 39', { rawTables: [{ ...USERS, columns: column('decimal(39,2)') }] }, 'rawTables[raw_users].columns[0].type', /precision/],
    ['decimal scale above precision', { rawTables: [{ ...USERS, columns: column('decimal(5,6)') }] }, 'rawTables[raw_users].columns[0].type', /scale/],
    ['varchar without length', { rawTables: [{ ...USERS, columns: column('varchar') }] }, 'rawTables[raw_users].columns[0].type', /varchar\(n\)/],
    ['struct field in uppercase', { rawTables: [{ ...USERS, columns: column('struct<Plan:string>') }] }, 'rawTables[raw_users].columns[0].type', /struct field name/],
    ['trailing text', { rawTables: [{ ...USERS, columns: column('string string') }] }, 'rawTables[raw_users].columns[0].type', /unexpected/],
    ['complex partition key', { rawTables: [{ ...USERS, partitionKeys: [{ name: 'day', type: 'struct<d:string>' }] }] }, 'rawTables[raw_users].partitionKeys[0].type', /primitive/],
    ['comment too long', { rawTables: [{ ...USERS, columns: [{ name: 'a', comment: 'c'.repeat(256) }] }] }, 'rawTables[raw_users].columns[0].comment', /0 to 255/],
    ['description too long', { rawTables: [{ ...USERS, description: 'd'.repeat(2049) }] }, 'rawTables[raw_users].description', /0 to 2048/],
    ['unknown format', { rawTables: [{ ...USERS, format: 'CSV' as RawTableFormat }] }, 'rawTables[raw_users].format', /must be one of JSON/],
    ['raw crawler prefix with raw tables', { crawlerOptions: [{ layer: DataLayer.RAW, prefix: 'raw/events/' }] }, 'crawlerOptions[raw].prefix', /does not apply when rawTables are defined/],
    ['raw table prefix with raw tables', { crawlerOptions: [{ layer: DataLayer.RAW, tablePrefix: 'landing_' }] }, 'crawlerOptions[raw].tablePrefix', /does not apply when rawTables are defined/],
  ];
  test.each(cases)('%s is a named validation error', (_name, props, prop, rule) => {
    expectValidationError(() => build(props), prop, rule);
  });

  test('raw crawler options other than the schedule are fine without raw tables', () => {
    const { template } = build({ rawTables: [], crawlerOptions: [{ layer: DataLayer.RAW, prefix: 'raw/events/', tablePrefix: 'landing_' }] });
    expect(rawCrawler(template).Properties.TablePrefix).toBe('landing_');
  });
});
