import {
  assertFuzz, boundaryNumbers, built, constant, FuzzSpec, MISSING, oneOfValues, removalPolicies, reportFuzzCounts, strings, tokenNumbers, wrongTypes,
} from '@lakehouse-cdk/testing';
import { DataLayer, Naming } from '@lakehouse-cdk/core';
import { Token } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as fc from 'fast-check';
import { AnalyticsWorkgroup } from '../src';

afterAll(reportFuzzCounts);

const bucket = (id: string) => built(`bucket ${id}`, stack => s3.Bucket.fromBucketName(stack, id, `lake-${id.toLowerCase()}`));

test('AnalyticsWorkgroup: any fuzzed props give a workgroup within Athena rules or a named error', () => {
  const spec: FuzzSpec = {
    construct: 'AnalyticsWorkgroup',
    props: {
      resultsBucket: fc.oneof(bucket('Results'), wrongTypes(), fc.constant(MISSING)),
      resultsPrefix: strings('athena-results/', 'q(1)/', 'results/dbt/'),
      encryptionKey: fc.oneof(built('a kms.Key', stack => new kms.Key(stack, 'FuzzKey')), wrongTypes(), fc.constant(MISSING)),
      databaseName: strings('lakehouse', 'lake_db', '_x'),
      dataBucket: fc.oneof(bucket('Data'), wrongTypes(), fc.constant(MISSING)),
      queryableLayers: fc.oneof(
        oneOfValues([DataLayer.RAW], [DataLayer.CURATED, DataLayer.PROCESSED], [], ['gold'], 'raw', [DataLayer.RAW, 7]), wrongTypes(), fc.constant(MISSING)),
      naming: fc.oneof(fc.constant(constant('Naming(lakehouse, sandbox)', new Naming({ project: 'lakehouse', environment: 'sandbox' }))), wrongTypes(), fc.constant(MISSING)),
      workGroupName: strings('lakehouse', 'team.wg-1_a'),
      description: strings('Team queries', ''),
      bytesScannedCutoffPerQuery: fc.oneof(oneOfValues(10485760, 10737418240), boundaryNumbers(), tokenNumbers(), wrongTypes()),
      icebergTableName: strings('events', 'lakehouse_events'),
      namedQueries: fc.oneof(oneOfValues(true, false), wrongTypes(), fc.constant(MISSING)),
      removalPolicy: fc.oneof(removalPolicies(), wrongTypes()),
    },
    maxFuzzed: 3,
    build: (stack, fuzzed) => new AnalyticsWorkgroup(stack, 'Analytics', {
      resultsBucket: s3.Bucket.fromBucketName(stack, 'Lake', 'lake'),
      databaseName: 'lakehouse',
      ...fuzzed,
    } as any),
    rules: (template, fuzzed) => {
      // A token's value is only known at deploy time; the rule holds for the values known at synth.
      const cutoffKnown = !Token.isUnresolved(fuzzed.bytesScannedCutoffPerQuery);
      for (const [id, wg] of Object.entries<any>(template.findResources('AWS::Athena::WorkGroup'))) {
        const config = wg.Properties.WorkGroupConfiguration;
        const cutoff = config.BytesScannedCutoffPerQuery;
        if (cutoffKnown && typeof cutoff === 'number' && (!Number.isSafeInteger(cutoff) || cutoff < 10485760)) throw new Error(`${id} cutoff ${cutoff}`);
        if (config.EnforceWorkGroupConfiguration !== true) throw new Error(`${id} does not enforce its configuration`);
        if (typeof wg.Properties.Name === 'string' && !/^[a-zA-Z0-9._-]{1,128}$/.test(wg.Properties.Name)) throw new Error(`${id} name ${wg.Properties.Name}`);
      }
    },
  };
  assertFuzz(spec);
});
