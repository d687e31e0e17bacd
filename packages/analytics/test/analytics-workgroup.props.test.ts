import { DataLayers, Naming } from '@lakehouse-cdk/core';
import { expectValidationError, synth } from '@lakehouse-cdk/testing';
import * as fc from 'fast-check';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AnalyticsWorkgroup } from '../src';

const MIN_CUTOFF = 10 * 1024 * 1024;
const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';

const segment = fc.stringMatching(/^[a-z0-9][a-z0-9_.=-]{0,15}$/).filter(s => s !== '.' && s !== '..' && !/^\.+$/.test(s));
const prefix = fc.array(segment, { minLength: 1, maxLength: 3 }).map(parts => `${parts.join('/')}/`);
const bucketName = fc.stringMatching(/^[a-z0-9][a-z0-9-]{1,40}[a-z0-9]$/);

const validProps = fc.record({
  bytesScannedCutoffPerQuery: fc.option(fc.integer({ min: MIN_CUTOFF, max: Number.MAX_SAFE_INTEGER }), { nil: undefined }),
  resultsPrefix: fc.option(prefix, { nil: undefined }),
  withKey: fc.boolean(),
  useNaming: fc.boolean(),
  bucket: bucketName,
  layers: fc.subarray(DataLayers.ALL, { minLength: 1 }),
});

describe('the result location is enforced and encrypted, for any valid cutoff', () => {
  test('every generated workgroup enforces its encrypted result location and its cutoff', () => {
    fc.assert(fc.property(validProps, generated => {
      const { template } = synth(stack => new AnalyticsWorkgroup(stack, 'Analytics', {
        resultsBucket: s3.Bucket.fromBucketName(stack, 'Lake', generated.bucket),
        encryptionKey: generated.withKey ? kms.Key.fromKeyArn(stack, 'Key', KEY_ARN) : undefined,
        databaseName: 'lake',
        bytesScannedCutoffPerQuery: generated.bytesScannedCutoffPerQuery,
        resultsPrefix: generated.resultsPrefix,
        queryableLayers: generated.layers,
        naming: generated.useNaming ? new Naming({ project: 'lakehouse', environment: 'sandbox' }) : undefined,
      }));
      const workGroups = Object.values(template.findResources('AWS::Athena::WorkGroup')) as any[];
      expect(workGroups).toHaveLength(1);
      const configuration = workGroups[0].Properties.WorkGroupConfiguration;
      expect(configuration.EnforceWorkGroupConfiguration).toBe(true);
      expect(configuration.EngineVersion.SelectedEngineVersion).toBe('Athena engine version 3');
      expect(configuration.BytesScannedCutoffPerQuery).toBe(generated.bytesScannedCutoffPerQuery ?? 10 * 1024 * 1024 * 1024);
      expect(configuration.BytesScannedCutoffPerQuery).toBeGreaterThanOrEqual(MIN_CUTOFF);
      expect(configuration.ResultConfiguration.OutputLocation).toBe(`s3://${generated.bucket}/${generated.resultsPrefix ?? 'athena-results/'}`);
      expect(configuration.ResultConfiguration.EncryptionConfiguration).toEqual(generated.withKey
        ? { EncryptionOption: 'SSE_KMS', KmsKey: KEY_ARN }
        : { EncryptionOption: 'SSE_S3' });
    }), { numRuns: 40 });
  });
});

type Mutation = { props: Record<string, unknown>; prop: string; rule: RegExp };

const invalidProps: fc.Arbitrary<Mutation> = fc.oneof(
  fc.integer({ min: -1000, max: MIN_CUTOFF - 1 }).map(cutoff => ({ props: { bytesScannedCutoffPerQuery: cutoff }, prop: 'bytesScannedCutoffPerQuery', rule: /at least 10485760 bytes/ })),
  fc.double({ min: MIN_CUTOFF + 1, max: 1e12, noInteger: true, noNaN: true }).map(cutoff => ({ props: { bytesScannedCutoffPerQuery: cutoff }, prop: 'bytesScannedCutoffPerQuery', rule: /whole number/ })),
  fc.oneof(
    segment.map(s => s.replace(/\/$/, '')),
    prefix.map(p => `/${p}`),
    prefix.map(p => `${p}*/`),
    prefix.map(p => `${p}../`),
  ).map(resultsPrefix => ({ props: { resultsPrefix }, prop: 'resultsPrefix', rule: /resultsPrefix/ })),
  fc.stringMatching(/^[A-Z0-9-][A-Za-z0-9-]{0,20}$/).filter(s => !/^[a-z_][a-z0-9_]*$/.test(s))
    .map(databaseName => ({ props: { databaseName }, prop: 'databaseName', rule: /lowercase/ })),
);

describe('invalid props', () => {
  test('every generated invalid prop is a named validation error that names the prop', () => {
    fc.assert(fc.property(invalidProps, ({ props, prop, rule }) => {
      expectValidationError(() => synth(stack => new AnalyticsWorkgroup(stack, 'Analytics', {
        resultsBucket: s3.Bucket.fromBucketName(stack, 'Lake', 'lake'),
        databaseName: 'lake',
        ...props,
      })), prop, rule);
    }), { numRuns: 50 });
  });
});
