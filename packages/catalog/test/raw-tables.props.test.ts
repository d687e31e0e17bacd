import { DataLayer } from '@lakehouse-cdk/core';
import { asList, expectValidationError, synth } from '@lakehouse-cdk/testing';
import * as fc from 'fast-check';
import { BUCKET_NAME, existingBucket, policyStatements } from './fixtures';
import { LakehouseCatalog, RawTableColumn, RawTableDefinition } from '../src';

const identifier = fc.stringMatching(/^[a-z_][a-z0-9_]{0,15}$/);
const primitiveType = fc.oneof(
  fc.constantFrom('string', 'boolean', 'tinyint', 'smallint', 'int', 'bigint', 'float', 'double', 'date', 'timestamp', 'binary', 'decimal'),
  fc.integer({ min: 1, max: 38 }).chain(p => fc.integer({ min: 0, max: p }).map(s => `decimal(${p},${s})`)),
  fc.integer({ min: 1, max: 255 }).map(n => `char(${n})`),
  fc.integer({ min: 1, max: 65535 }).map(n => `varchar(${n})`),
);
const hiveType: fc.Arbitrary<string> = fc.letrec<{ type: string }>(tie => ({
  type: fc.oneof({ depthSize: 'small', withCrossShrink: true },
    primitiveType,
    tie('type').map(element => `array<${element}>`),
    fc.tuple(primitiveType, tie('type')).map(([key, value]) => `map<${key},${value}>`),
    fc.uniqueArray(fc.tuple(identifier, tie('type')), { minLength: 1, maxLength: 3, selector: ([name]) => name })
      .map(fields => `struct<${fields.map(([name, type]) => `${name}:${type}`).join(',')}>`),
  ),
})).type;

const column = (type: fc.Arbitrary<string>) => (name: string): fc.Arbitrary<RawTableColumn> => fc.record({
  name: fc.constant(name),
  type: fc.option(type, { nil: undefined }),
  comment: fc.option(fc.string({ maxLength: 40 }), { nil: undefined }),
}, { requiredKeys: ['name'] });

/** Columns and partition keys with names unique across both, as Hive requires. */
const columnsAndKeys = fc.uniqueArray(identifier, { minLength: 1, maxLength: 8 })
  // The default partition key is ingest_date, so no column may take that name.
  .filter(names => !names.includes('ingest_date'))
  .chain(names => fc.integer({ min: 0, max: Math.min(2, names.length - 1) }).chain(keyCount => fc.tuple(
    fc.tuple(...names.slice(keyCount).map(column(hiveType))),
    keyCount === 0 ? fc.constant(undefined) : fc.tuple(...names.slice(0, keyCount).map(column(primitiveType))),
  )));

/** Tables with unique names and folders that never overlap: each starts with its own first segment. */
const validTables: fc.Arbitrary<RawTableDefinition[]> = fc.uniqueArray(
  fc.tuple(fc.stringMatching(/^[a-z][a-z0-9_]{0,20}$/), fc.stringMatching(/^[a-z0-9][a-z0-9_=-]{0,11}$/)),
  { minLength: 1, maxLength: 4, selector: ([name]) => name },
).filter(pairs => new Set(pairs.map(([, segment]) => segment)).size === pairs.length)
  .chain(pairs => fc.tuple(...pairs.map(([name, segment]) => fc.record({
    name: fc.constant(name),
    folder: fc.option(fc.stringMatching(/^[a-z0-9][a-z0-9_=-]{0,11}$/), { nil: undefined }).map(sub => sub ? `${segment}/${sub}/` : `${segment}/`),
    columnsAndKeys,
  }).map(({ columnsAndKeys: [columns, partitionKeys], ...rest }): RawTableDefinition => ({ ...rest, columns, partitionKeys })))));

describe('raw tables over generated definitions', () => {
  test('every table gets the OpenX SerDe with ignore.malformed.json, a location under raw/, its columns and partition keys; the raw crawler and the role cover exactly those tables', () => {
    fc.assert(fc.property(validTables, fc.boolean(), (rawTables, crawlRaw) => {
      const layers = crawlRaw ? [DataLayer.RAW, DataLayer.CURATED] : [DataLayer.CURATED];
      const { template } = synth(stack => new LakehouseCatalog(stack, 'Catalog', { bucket: existingBucket(stack), rawTables, layers }));
      const tables = Object.values(template.findResources('AWS::Glue::Table')) as any[];
      expect(tables).toHaveLength(rawTables.length);
      for (const definition of rawTables) {
        const table = tables.find(t => t.Properties.TableInput.Name === definition.name);
        expect(table).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
        const input = table.Properties.TableInput;
        expect(input.TableType).toBe('EXTERNAL_TABLE');
        expect(input.StorageDescriptor.SerdeInfo).toEqual({ SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe', Parameters: { 'ignore.malformed.json': 'true' } });
        expect(input.StorageDescriptor.Location).toBe(`s3://${BUCKET_NAME}/raw/${definition.folder}`);
        expect(input.StorageDescriptor.Location).toMatch(new RegExp(`^s3://${BUCKET_NAME}/raw/([a-z0-9_=-]+/)+$`));
        expect(input.StorageDescriptor.Columns.map((c: any) => [c.Name, c.Type]))
          .toEqual(definition.columns.map(c => [c.name, c.type ?? 'string']));
        expect(input.PartitionKeys.map((k: any) => [k.Name, k.Type]))
          .toEqual((definition.partitionKeys ?? [{ name: 'ingest_date', type: 'string' }]).map(k => [k.name, k.type ?? 'string']));
      }

      const crawlers = Object.values(template.findResources('AWS::Glue::Crawler')).map((c: any) => c.Properties);
      const catalogTargets = crawlers.filter(c => c.Targets.CatalogTargets);
      const glueResources = policyStatements(template).map(s => s.statement)
        .filter(s => s.Sid === 'AddRawTablePartitions')
        .flatMap(s => asList(s.Resource)).map(r => JSON.stringify(r));
      if (crawlRaw) {
        expect(catalogTargets).toHaveLength(1);
        expect(catalogTargets[0].Targets.CatalogTargets[0].Tables).toEqual(rawTables.map(t => t.name));
        expect(catalogTargets[0].SchemaChangePolicy.DeleteBehavior).toBe('LOG');
        expect(glueResources.filter(r => r.includes(':table/'))).toHaveLength(rawTables.length);
        for (const { name } of rawTables) expect(glueResources.some(r => r.endsWith(`/${name}"]]}`))).toBe(true);
      } else {
        expect(catalogTargets).toEqual([]);
        expect(glueResources).toEqual([]);
      }
      expect(glueResources.some(r => r.includes('*'))).toBe(false);
    }), { numRuns: 40 });
  });
});

type Mutation = { rawTables: RawTableDefinition[]; prop: string; rule: RegExp };

const base: RawTableDefinition = { name: 'raw_events', folder: 'events/', columns: [{ name: 'event_id' }] };
const invalidTables: fc.Arbitrary<Mutation> = fc.oneof(
  fc.stringMatching(/^[a-z]{1,8}[A-Z.-][a-z]{0,8}$/).map(name => ({ rawTables: [{ ...base, name }], prop: 'rawTables[0].name', rule: /lowercase/ })),
  fc.constantFrom('text', 'json', 'array<>', 'map<string>', 'struct<>', 'decimal(0,0)', 'char(256)', 'array<string', 'int int', 'STRING')
    .map(type => ({ rawTables: [{ ...base, columns: [{ name: 'payload', type }] }], prop: 'rawTables[raw_events].columns[0].type', rule: /Hive type/ })),
  hiveType.filter(type => /^(array|map|struct)</.test(type))
    .map(type => ({ rawTables: [{ ...base, partitionKeys: [{ name: 'day', type }] }], prop: 'rawTables[raw_events].partitionKeys[0].type', rule: /primitive/ })),
  fc.tuple(fc.stringMatching(/^[a-z0-9]{1,8}$/), fc.stringMatching(/^[a-z0-9]{1,8}$/)).map(([outer, inner]) => ({
    rawTables: [{ ...base, folder: `${outer}/` }, { ...base, name: 'raw_inner', folder: `${outer}/${inner}/` }],
    prop: 'rawTables[raw_inner].folder',
    rule: /must not overlap/,
  })),
  fc.constantFrom('events', 'events/*/', '/events/', 'events/../users/', './events/', 'ev ents/')
    .map(folder => ({ rawTables: [{ ...base, folder }], prop: 'rawTables[raw_events].folder', rule: /relative S3 key prefix/ })),
);

describe('invalid raw tables', () => {
  test('every generated invalid definition is a named validation error', () => {
    fc.assert(fc.property(invalidTables, ({ rawTables, prop, rule }) => {
      expectValidationError(() => synth(stack => new LakehouseCatalog(stack, 'Catalog', { bucket: existingBucket(stack), rawTables })), prop, rule);
    }), { numRuns: 60 });
  });
});
