import {
  assertFuzz, badStrings, boundaryNumbers, built, constant, FuzzSpec, MISSING, oneOfValues, removalPolicies, reportFuzzCounts, strings, tokenNumbers, wrongTypes,
} from '@lakehouse-cdk/testing';
import { DataLayer, Naming } from '@lakehouse-cdk/core';
import { Token } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as fc from 'fast-check';
import { existingBucket, existingKey } from './fixtures';
import { LakehouseCatalog, RawTableFormat, RecrawlBehavior, SchemaDeleteBehavior, SchemaUpdateBehavior } from '../src';

afterAll(reportFuzzCounts);

const numbers = (...valid: number[]) => fc.oneof({ weight: 3, arbitrary: oneOfValues(...valid) }, boundaryNumbers(), tokenNumbers(), wrongTypes());
const events = { name: 'events', folder: 'events/', columns: [{ name: 'id' }, { name: 'payload', type: 'string' }] };

test('LakehouseCatalog (with raw tables): any fuzzed props give crawlers within Glue rules or a named error', () => {
  const spec: FuzzSpec = {
    construct: 'LakehouseCatalog',
    props: {
      bucket: fc.oneof({ weight: 3, arbitrary: built('an existing bucket with a key', stack => s3.Bucket.fromBucketAttributes(stack, 'FuzzLake', { bucketName: 'fuzz-lake', encryptionKey: existingKey(stack) })) }, wrongTypes(), fc.constant(MISSING)),
      encryptionKey: fc.oneof(built('an existing key', stack => kms.Key.fromKeyArn(stack, 'FuzzKey', 'arn:aws:kms:eu-west-1:123456789012:key/99999999-2222-3333-4444-555555555555')), wrongTypes(), fc.constant(MISSING)),
      naming: fc.oneof(fc.constant(constant('Naming(lakehouse, sandbox)', new Naming({ project: 'lakehouse', environment: 'sandbox' }))), wrongTypes(), fc.constant(MISSING)),
      databaseName: strings('lakehouse', 'lake_2'),
      databaseDescription: strings('Team catalog', ''),
      locationUri: strings('s3://lake/', 's3://lake/a/b'),
      layers: fc.oneof(oneOfValues([DataLayer.RAW], [DataLayer.CURATED, DataLayer.PROCESSED], [], [DataLayer.RAW, DataLayer.RAW], ['gold'], 'raw', [1]), wrongTypes()),
      crawlerOptions: fc.oneof(
        oneOfValues(
          [{ layer: DataLayer.PROCESSED, prefix: 'processed/events/', schedule: 'cron(0 2 * * ? *)', tablePrefix: 'p_' }],
          [{ layer: DataLayer.PROCESSED, prefix: 'processed/a(/' }],
          [{ layer: DataLayer.PROCESSED, prefix: 'processed/(a)/' }],
          [{ layer: DataLayer.CURATED, schedule: 'rate(1 day)' }],
          [{ layer: DataLayer.RAW, prefix: 'raw/x/' }],
          [{ layer: 'gold' }], [{}], ['raw'], [null], [{ layer: DataLayer.CURATED, tablePrefix: 7 }],
        ),
        wrongTypes()),
      schemaUpdateBehavior: fc.oneof(oneOfValues(...Object.values(SchemaUpdateBehavior)), badStrings()),
      schemaDeleteBehavior: fc.oneof(oneOfValues(...Object.values(SchemaDeleteBehavior)), badStrings()),
      recrawlBehavior: fc.oneof(oneOfValues(...Object.values(RecrawlBehavior)), badStrings()),
      tableLevel: numbers(2, 3, 10),
      rawTables: fc.oneof(
        oneOfValues(
          [events],
          [{ ...events, partitionKeys: [] }],
          [{ ...events, format: RawTableFormat.JSON, description: 'Events' }],
          [{ ...events, folder: 'a(/' }],
          [{ ...events, columns: [] }],
          [{ ...events, columns: 'id' }],
          [{ ...events, columns: [{ name: 'id', type: 7 }] }],
          [{ ...events, columns: [{ name: 'id', type: 'array<struct<a:int>>', comment: 'x'.repeat(300) }] }],
          [{ ...events, partitionKeys: [{ name: 'day', type: 'map<string,int>' }] }],
          [{ ...events, name: 7 }],
          [{ ...events, folder: undefined }],
          [events, { ...events, name: 'events2' }],
          [events, { ...events, name: 'other', folder: 'other/' }],
          [undefined], ['events'],
        ),
        wrongTypes()),
      icebergTraversalDepth: numbers(1, 10, 20),
      removalPolicy: fc.oneof(removalPolicies(), wrongTypes()),
    },
    maxFuzzed: 3,
    aliases: {
      recrawlBehavior: ['schemaUpdateBehavior', 'schemaDeleteBehavior'],
      schemaUpdateBehavior: ['recrawlBehavior'],
      schemaDeleteBehavior: ['recrawlBehavior'],
      crawlerOptions: ['tableLevel'],
      tableLevel: ['crawlerOptions'],
      layers: ['crawlerOptions'],
    },
    build: (stack, fuzzed) => new LakehouseCatalog(stack, 'Catalog', {
      bucket: existingBucket(stack, false),
      rawTables: [events],
      ...fuzzed,
    } as any),
    rules: (template, fuzzed) => {
      for (const [id, crawler] of Object.entries<any>(template.findResources('AWS::Glue::Crawler'))) {
        const configuration = JSON.parse(crawler.Properties.Configuration ?? '{}');
        const level = configuration.Grouping?.TableLevelConfiguration;
        if (level !== undefined && !Token.isUnresolved(fuzzed.tableLevel) && !(Number.isInteger(level) && level >= 1 && level <= 10)) {
          throw new Error(`${id} table level ${level}`);
        }
        for (const target of crawler.Properties.Targets.IcebergTargets ?? []) {
          const depth = target.MaximumTraversalDepth;
          if (typeof depth === 'number' && !(Number.isInteger(depth) && depth >= 1 && depth <= 20)) throw new Error(`${id} traversal depth ${depth}`);
        }
        const recrawl = crawler.Properties.RecrawlPolicy?.RecrawlBehavior;
        const policy = crawler.Properties.SchemaChangePolicy;
        if (recrawl === 'CRAWL_NEW_FOLDERS_ONLY' && (policy.UpdateBehavior !== 'LOG' || policy.DeleteBehavior !== 'LOG')) throw new Error(`${id} recrawl ${recrawl} with ${JSON.stringify(policy)}`);
      }
      for (const [id, database] of Object.entries<any>(template.findResources('AWS::Glue::Database'))) {
        const name = database.Properties.DatabaseInput.Name;
        if (typeof name === 'string' && !/^[a-z0-9_]{1,255}$/.test(name)) throw new Error(`${id} database name ${name}`);
      }
    },
  };
  assertFuzz(spec);
});
