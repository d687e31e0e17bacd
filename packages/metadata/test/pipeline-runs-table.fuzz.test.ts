import { assertFuzz, built, constant, FuzzSpec, MISSING, oddStrings, oneOfValues, removalPolicies, reportFuzzCounts, tokenStrings, wrongTypes } from '@lakehouse-cdk/testing';
import { Naming, RunRecord } from '@lakehouse-cdk/core';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as fc from 'fast-check';
import { PipelineRunsTable } from '../src';

afterAll(reportFuzzCounts);

test('PipelineRunsTable: any fuzzed props give the run record table or a named error', () => {
  const spec: FuzzSpec = {
    construct: 'PipelineRunsTable',
    props: {
      encryptionKey: fc.oneof(built('a kms.Key', stack => new kms.Key(stack, 'FuzzKey')), wrongTypes(), fc.constant(MISSING)),
      deletionProtection: fc.oneof(oneOfValues(true, false), wrongTypes(), fc.constant(MISSING)),
      timeToLiveAttribute: fc.oneof(oneOfValues('expires_at', 'ttl', 'a.b-c_d', RunRecord.STATUS, RunRecord.PIPELINE_NAME), oddStrings(), tokenStrings(), wrongTypes()),
      removalPolicy: fc.oneof(removalPolicies(), wrongTypes()),
      naming: fc.oneof(fc.constant(constant('Naming(lakehouse, sandbox)', new Naming({ project: 'lakehouse', environment: 'sandbox' }))), wrongTypes(), fc.constant(MISSING)),
    },
    maxFuzzed: 3,
    build: (stack, fuzzed) => new PipelineRunsTable(stack, 'Runs', fuzzed as any),
    rules: template => {
      const tables = Object.values<any>(template.findResources('AWS::DynamoDB::Table'));
      if (tables.length !== 1) throw new Error(`${tables.length} tables`);
      const props = tables[0].Properties;
      const keys = props.KeySchema.map((key: any) => `${key.AttributeName} ${key.KeyType}`).join(', ');
      if (keys !== `${RunRecord.PIPELINE_NAME} HASH, ${RunRecord.EXECUTION_DATE} RANGE`) throw new Error(`key schema ${keys}`);
      if (props.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled !== true) throw new Error('no point-in-time recovery');
      if (typeof props.DeletionProtectionEnabled !== 'boolean') throw new Error(`DeletionProtectionEnabled is ${props.DeletionProtectionEnabled}`);
    },
  };
  assertFuzz(spec);
});
