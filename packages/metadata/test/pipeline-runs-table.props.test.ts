import { DataRetention, Validate } from '@lakehouse-cdk/core';
import { synth } from '@lakehouse-cdk/testing';
import { RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as fc from 'fast-check';
import { PipelineRunsTable } from '../src';

const KEY_ATTRIBUTES = ['pipeline_name', 'execution_date', 'status', 'start_time'];

const validTableProps = () => fc.record({
  ttl: fc.option(fc.stringMatching(/^[a-zA-Z0-9_.-]{1,40}$/).filter(a => !KEY_ATTRIBUTES.includes(a)), { nil: undefined }),
  withKey: fc.boolean(),
  destroy: fc.boolean(),
  deletionProtection: fc.option(fc.boolean(), { nil: undefined }),
}).filter(v => !(v.destroy && v.deletionProtection === true));

test('the table always has the key schema, the status GSI, PITR and on-demand billing', () => {
  fc.assert(fc.property(validTableProps(), v => {
    const { template } = synth(stack => {
      new PipelineRunsTable(stack, 'Runs', {
        timeToLiveAttribute: v.ttl,
        deletionProtection: v.deletionProtection,
        removalPolicy: v.destroy ? RemovalPolicy.DESTROY : undefined,
        encryptionKey: v.withKey ? new kms.Key(stack, 'Key', { enableKeyRotation: true }) : undefined,
      });
    }, v.destroy ? { [DataRetention.REMOVE_DATA_ON_DESTROY]: true } : {});
    const tables = Object.values(template.findResources('AWS::DynamoDB::Table')) as any[];
    expect(tables).toHaveLength(1);
    const props = tables[0].Properties;
    expect(props.KeySchema).toEqual([{ AttributeName: 'pipeline_name', KeyType: 'HASH' }, { AttributeName: 'execution_date', KeyType: 'RANGE' }]);
    expect(props.GlobalSecondaryIndexes).toEqual([{
      IndexName: 'status-start_time-index',
      KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }, { AttributeName: 'start_time', KeyType: 'RANGE' }],
      Projection: { ProjectionType: 'ALL' },
    }]);
    expect(props.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(props.BillingMode).toBe('PAY_PER_REQUEST');
    expect(props.DeletionProtectionEnabled).toBe(v.deletionProtection ?? !v.destroy);
  }), { numRuns: 30 });
});

const invalidTableProps = () => fc.oneof(
  fc.constantFrom(...KEY_ATTRIBUTES).map(a => ({ prop: 'timeToLiveAttribute', ttl: a as string | undefined, conflict: false })),
  fc.oneof(fc.constant(''), fc.stringMatching(/^[a-z]{0,5}[ #:$/]{1,3}[a-z]{0,5}$/), fc.constant('t'.repeat(256)))
    .map(a => ({ prop: 'timeToLiveAttribute', ttl: a as string | undefined, conflict: false })),
  fc.constant({ prop: 'deletionProtection', ttl: undefined as string | undefined, conflict: true }),
);

test('invalid props raise the named validation error naming the prop', () => {
  fc.assert(fc.property(invalidTableProps(), v => {
    let error: unknown;
    try {
      synth(stack => {
        new PipelineRunsTable(stack, 'Runs', {
          timeToLiveAttribute: v.ttl,
          ...(v.conflict ? { removalPolicy: RemovalPolicy.DESTROY, deletionProtection: true } : {}),
        });
      }, { [DataRetention.REMOVE_DATA_ON_DESTROY]: true });
    } catch (e) {
      error = e;
    }
    expect(Validate.isValidationError(error)).toBe(true);
    expect((error as Error).message).toContain(v.prop);
  }), { numRuns: 60 });
});
