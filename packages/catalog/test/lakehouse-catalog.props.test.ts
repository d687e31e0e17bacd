import { DataLayer, DataLayers, Naming, Validate } from '@lakehouse-cdk/core';
import { asList, expectValidationError, synth } from '@lakehouse-cdk/testing';
import * as fc from 'fast-check';
import { BUCKET_NAME, existingBucket, policyStatements } from './fixtures';
import { LakehouseCatalog, LakehouseCatalogProps, LayerCrawlerOptions, RecrawlBehavior, SchemaDeleteBehavior, SchemaUpdateBehavior } from '../src';

type Generated = Omit<LakehouseCatalogProps, 'bucket'>;

const segment = fc.stringMatching(/^[a-z0-9][a-z0-9_=-]{0,11}$/);

const cron = fc.tuple(fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 23 }), fc.boolean(), fc.integer({ min: 1, max: 28 }))
  .map(([minute, hour, weekly, day]) => weekly
    ? `cron(${minute} ${hour} ? * MON-FRI *)`
    : `cron(${minute} ${hour} ${day} * ? *)`);

function layerOptions(layer: DataLayer): fc.Arbitrary<LayerCrawlerOptions> {
  return fc.record({
    layer: fc.constant(layer),
    prefix: fc.option(fc.array(segment, { minLength: 1, maxLength: 3 }).map(parts => `${DataLayers.prefix(layer)}${parts.join('/')}/`), { nil: undefined }),
    schedule: fc.option(cron, { nil: undefined }),
    tablePrefix: fc.option(fc.stringMatching(/^[a-z][a-z0-9_]{0,10}_$/), { nil: undefined }),
  }, { requiredKeys: ['layer'] });
}

const layerSet = fc.subarray(DataLayers.ALL, { minLength: 1 }).chain(layers => fc.shuffledSubarray(layers, { minLength: layers.length, maxLength: layers.length }));

const validProps: fc.Arbitrary<Generated> = layerSet.chain(layers => fc.record({
  layers: fc.constant(layers),
  crawlerOptions: fc.subarray(layers).chain(configured => fc.tuple(...configured.map(layerOptions))),
  recrawl: fc.constantFrom(
    { recrawlBehavior: RecrawlBehavior.CRAWL_EVERYTHING, schemaUpdateBehavior: SchemaUpdateBehavior.UPDATE_IN_DATABASE, schemaDeleteBehavior: SchemaDeleteBehavior.LOG },
    { recrawlBehavior: RecrawlBehavior.CRAWL_EVERYTHING, schemaUpdateBehavior: SchemaUpdateBehavior.LOG, schemaDeleteBehavior: SchemaDeleteBehavior.DEPRECATE_IN_DATABASE },
    { recrawlBehavior: RecrawlBehavior.CRAWL_NEW_FOLDERS_ONLY, schemaUpdateBehavior: SchemaUpdateBehavior.LOG, schemaDeleteBehavior: SchemaDeleteBehavior.LOG },
    { recrawlBehavior: RecrawlBehavior.CRAWL_EVERYTHING, schemaUpdateBehavior: SchemaUpdateBehavior.UPDATE_IN_DATABASE, schemaDeleteBehavior: SchemaDeleteBehavior.DELETE_FROM_DATABASE },
    {}),
  extraLevels: fc.integer({ min: 0, max: 3 }),
  useNaming: fc.boolean(),
}).map(({ layers: chosen, crawlerOptions, recrawl, extraLevels, useNaming }) => {
  // The table level must reach at least the deepest crawled loose-file prefix.
  const depths = crawlerOptions.filter(o => o.layer !== DataLayer.CURATED && o.prefix).map(o => o.prefix!.split('/').filter(Boolean).length + 1);
  const tableLevel = Math.min(10, Math.max(3, ...depths) + extraLevels);
  return {
    layers: chosen,
    crawlerOptions,
    ...recrawl,
    tableLevel,
    naming: useNaming ? new Naming({ project: 'lakehouse', environment: 'sandbox' }) : undefined,
  };
}));

/** Flattens a synthesized ARN (`Fn::Join` with the partition) to a plain string. */
function flat(value: any): string {
  if (typeof value === 'string') return value;
  if (value?.['Fn::Join']) return value['Fn::Join'][1].map(flat).join(value['Fn::Join'][0]);
  if (value?.Ref === 'AWS::Partition') return 'aws';
  return JSON.stringify(value);
}

function expectedPrefix(props: Generated, layer: DataLayer): string {
  return props.crawlerOptions?.find(o => o.layer === layer)?.prefix ?? DataLayers.prefix(layer);
}

describe('crawlers over generated layer sets and schedules', () => {
  test('each crawler targets its own prefix, the catalog database and a valid schedule; the role reads only crawled prefixes', () => {
    fc.assert(fc.property(validProps, props => {
      const { template } = synth(stack => new LakehouseCatalog(stack, 'Catalog', { bucket: existingBucket(stack), ...props }));
      const databases = template.findResources('AWS::Glue::Database');
      const [databaseId] = Object.keys(databases);
      // The database holds the curated Iceberg tables' only registration: it outlives the stack.
      expect(databases[databaseId]).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      const crawlers = Object.values(template.findResources('AWS::Glue::Crawler')).map((c: any) => c.Properties);
      expect(crawlers).toHaveLength(props.layers!.length);

      const prefixes = props.layers!.map(layer => expectedPrefix(props, layer));
      // Every crawled prefix is a whole folder, so the trailing wildcards below cannot reach a sibling folder.
      for (const prefix of prefixes) expect(prefix.endsWith('/')).toBe(true);
      for (const layer of props.layers!) {
        const path = `s3://${BUCKET_NAME}/${expectedPrefix(props, layer)}`;
        const crawler = crawlers.find(c => JSON.stringify(c.Targets).includes(`"${path}"`));
        expect(crawler).toBeDefined();
        expect(crawler.DatabaseName).toEqual({ Ref: databaseId });
        if (layer === DataLayer.CURATED) {
          expect(crawler.Targets).toEqual({ IcebergTargets: [{ Paths: [path], MaximumTraversalDepth: 10 }] });
        } else {
          expect(crawler.Targets).toEqual({ S3Targets: [{ Path: path }] });
        }
        const schedule = props.crawlerOptions?.find(o => o.layer === layer)?.schedule;
        expect(crawler.Schedule?.ScheduleExpression).toBe(schedule);
        if (schedule) expect(() => Validate.cronExpression('schedule', crawler.Schedule.ScheduleExpression)).not.toThrow();
      }

      // The role can read nothing outside its prefixes: every S3 resource and every s3:prefix condition.
      const bucketArn = `arn:aws:s3:::${BUCKET_NAME}`;
      const databaseName = databases[databaseId].Properties.DatabaseInput.Name;
      const tablePrefixes = props.layers!.map(layer => props.crawlerOptions?.find(o => o.layer === layer)?.tablePrefix
        ?? (layer === DataLayer.CURATED ? '' : `${DataLayers.id(layer)}_`));
      for (const { statement } of policyStatements(template)) {
        const actions = asList(statement.Action) as string[];
        for (const resource of asList(statement.Resource).map(flat)) {
          if (!resource.startsWith('arn:aws:s3:')) {
            if (resource === '*') {
              // Security configurations have no ARN: the one action on "*".
              expect(actions).toEqual(['glue:GetSecurityConfiguration']);
            } else if (resource.startsWith('arn:aws:logs:')) {
              // The crawlers' own log group and its streams, with only the log actions.
              expect(resource).toMatch(/^arn:aws:logs:eu-west-1:123456789012:log-group:\/aws-glue\/crawlers-role\/[^*]+-[A-Za-z0-9-]+-crawler-security(:log-stream:\*)?$/);
              expect(actions).toEqual(['logs:CreateLogGroup', 'logs:AssociateKmsKey', 'logs:CreateLogStream', 'logs:PutLogEvents']);
            } else if (resource.startsWith('arn:aws:glue:')) {
              // The catalog, this database, and the tables named by a crawler's table prefix: nothing of another database.
              const glue = 'arn:aws:glue:eu-west-1:123456789012:';
              const allowed = [`${glue}catalog`, `${glue}database/${databaseName}`, ...tablePrefixes.map(tablePrefix => `${glue}table/${databaseName}/${tablePrefix}*`)];
              expect(allowed).toContain(resource);
              expect(actions.every(action => action.startsWith('glue:') && !action.includes('*'))).toBe(true);
              expect(actions.some(action => action.startsWith('glue:Delete') || action.startsWith('glue:BatchDelete')))
                // Only the raw and processed crawlers delete: the curated one always logs.
                .toBe(props.schemaDeleteBehavior === SchemaDeleteBehavior.DELETE_FROM_DATABASE && props.layers!.some(layer => layer !== DataLayer.CURATED));
            } else {
              expect(resource).toMatch(/^(arn:aws:kms:eu-west-1:123456789012:key\/[0-9a-f-]+|\{"Fn::GetAtt":\["CatalogCrawlerLogKey[0-9A-F]+","Arn"\]\})$/);
              expect(actions.every(action => ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'].includes(action))).toBe(true);
            }
            continue;
          }
          if (resource === bucketArn && actions.includes('s3:GetBucketLocation')) {
            expect(actions).toEqual(['s3:GetBucketLocation']);
          } else if (resource === bucketArn) {
            expect(asList(statement.Action)).toEqual(['s3:ListBucket']);
            const listed = asList(statement.Condition?.StringLike?.['s3:prefix']) as string[];
            expect(listed.length).toBeGreaterThan(0);
            for (const value of listed) {
              expect(prefixes.some(prefix => value === prefix || value === `${prefix}*`)).toBe(true);
            }
          } else {
            expect(prefixes.map(prefix => `${bucketArn}/${prefix}*`)).toContain(resource);
          }
        }
      }
    }), { numRuns: 30 });
  });
});

type Mutation = { props: Generated; prop: string; rule: RegExp };

const invalidProps: fc.Arbitrary<Mutation> = fc.oneof(
  fc.stringMatching(/^[A-Z][A-Za-z-]{0,20}$/).map(name => ({ props: { databaseName: `${name}-x` }, prop: 'databaseName', rule: /lowercase/ })),
  fc.oneof(
    fc.constant('cron(0 2 * * *)'), fc.constant('rate(1 day)'), fc.constant('cron(61 2 * * ? *)'),
    fc.constant('cron(0 2 * * MON *)'), fc.constant('0 2 * * ? *'),
  ).chain(schedule => fc.constantFrom(...DataLayers.ALL).map(layer =>
    ({ props: { crawlerOptions: [{ layer, schedule }] }, prop: `crawlerOptions[${layer}].schedule`, rule: /six-field cron/ }))),
  fc.tuple(fc.constantFrom(...DataLayers.ALL), fc.constantFrom(...DataLayers.ALL), segment, fc.boolean()).filter(([a, b]) => a !== b)
    .map(([layer, other, name, climb]) => ({
      props: { crawlerOptions: [{ layer, prefix: climb ? `${DataLayers.prefix(layer)}../${other}/${name}/` : `${DataLayers.prefix(other)}${name}/` }] },
      prop: `crawlerOptions[${layer}].prefix`,
      rule: /crawler prefix escapes its layer/,
    })),
  // Out of Glue's range whatever the layers, even when only the curated crawler (which ignores it) exists.
  fc.tuple(
    fc.oneof(fc.integer({ min: -5, max: 0 }), fc.integer({ min: 11, max: 100 }), fc.double({ min: 1.1, max: 9.9, noInteger: true })),
    layerSet,
  ).map(([tableLevel, layers]) => ({ props: { tableLevel, layers }, prop: 'tableLevel', rule: /must be an integer from 1 to 10/ })),
  // In Glue's range but shallower than a loose-file crawler's prefix.
  fc.tuple(fc.constantFrom(DataLayer.RAW, DataLayer.PROCESSED), fc.array(segment, { minLength: 1, maxLength: 3 }))
    .chain(([layer, parts]) => fc.integer({ min: 1, max: 1 + parts.length }).map(tableLevel => ({
      // Level 1 is the bucket, so `raw/a/b/` lies at depth 4.
      props: { tableLevel, layers: [layer], crawlerOptions: [{ layer, prefix: `${DataLayers.prefix(layer)}${parts.join('/')}/` }] },
      prop: 'tableLevel',
      rule: /table-level depth out of range/,
    }))),
  // A prefix that is not a whole folder would let the crawler and its role read sibling folders.
  fc.tuple(fc.constantFrom(...DataLayers.ALL), fc.array(segment, { minLength: 1, maxLength: 3 }))
    .map(([layer, parts]) => ({
      props: { crawlerOptions: [{ layer, prefix: `${DataLayers.prefix(layer)}${parts.join('/')}` }] },
      prop: `crawlerOptions[${layer}].prefix`,
      rule: /must end with \//,
    })),
);

describe('invalid props', () => {
  test('every generated invalid prop is a named validation error that names the prop', () => {
    fc.assert(fc.property(invalidProps, ({ props, prop, rule }) => {
      expectValidationError(() => synth(stack => new LakehouseCatalog(stack, 'Catalog', { bucket: existingBucket(stack), ...props })), prop, rule);
    }), { numRuns: 50 });
  });
});
