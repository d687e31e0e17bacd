import { DataRetention, Naming, RunRecord, Validate } from '@lakehouse-cdk/core';
import { asList, formatFindings, nagFindings, policyStatements, synth } from '@lakehouse-cdk/testing';
import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { PipelineRunsTable, PipelineRunsTableProps } from '../src';

const DESTROY_CONTEXT = { [DataRetention.REMOVE_DATA_ON_DESTROY]: true };

function tableTemplate(props: PipelineRunsTableProps = {}, context: Record<string, unknown> = {}): Template {
  return synth(stack => { new PipelineRunsTable(stack, 'Runs', props); }, context).template;
}

function tableResource(template: Template): any {
  return Object.values(template.findResources('AWS::DynamoDB::Table'))[0];
}

describe('defaults', () => {
  let template: Template;
  beforeAll(() => { template = tableTemplate(); });

  test('keys: pipeline_name (S) and execution_date (S)', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'pipeline_name', KeyType: 'HASH' }, { AttributeName: 'execution_date', KeyType: 'RANGE' }],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: 'pipeline_name', AttributeType: 'S' }, { AttributeName: 'execution_date', AttributeType: 'S' },
        { AttributeName: 'status', AttributeType: 'S' }, { AttributeName: 'start_time', AttributeType: 'S' }]),
    });
  });

  test('GSI status-start_time-index on status + start_time, projecting ALL', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: [{
        IndexName: 'status-start_time-index',
        KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }, { AttributeName: 'start_time', KeyType: 'RANGE' }],
        Projection: { ProjectionType: 'ALL' },
      }],
    });
  });

  test('on-demand, PITR, deletion protection, AWS owned encryption, no TTL, no name, retained', () => {
    const table = tableResource(template);
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
    });
    expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: false });
    expect(table.Properties.TimeToLiveSpecification).toBeUndefined();
    expect(table.Properties.TableName).toBeUndefined();
    expect(table.Properties.Tags).toEqual(expect.arrayContaining([{ Key: 'Layer', Value: 'metadata' }]));
  });

  test('the documented defaults, as Template assertions', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        DeletionProtectionEnabled: true,
        SSESpecification: { SSEEnabled: false },
        TimeToLiveSpecification: Match.absent(),
        TableName: Match.absent(),
      }),
    });
  });
});

describe('constants and exposed values', () => {
  test('keys and the status index are the run record attributes of core', () => {
    const template = tableTemplate();
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: RunRecord.PIPELINE_NAME, KeyType: 'HASH' },
        { AttributeName: RunRecord.EXECUTION_DATE, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [Match.objectLike({
        KeySchema: [
          { AttributeName: RunRecord.STATUS, KeyType: 'HASH' },
          { AttributeName: RunRecord.START_TIME, KeyType: 'RANGE' },
        ],
      })],
    });
  });

  test('table, name, ARN and index name', () => {
    const { stack, template } = synth(s => { new PipelineRunsTable(s, 'Runs'); });
    const runs = stack.node.findChild('Runs') as PipelineRunsTable;
    expect(runs.statusIndexName).toBe('status-start_time-index');
    expect(stack.resolve(runs.tableName)).toEqual({ Ref: expect.stringMatching(/^RunsTable/) });
    expect(stack.resolve(runs.tableArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^RunsTable/), 'Arn'] });
    const [tableId] = Object.keys(template.findResources('AWS::DynamoDB::Table'));
    expect(stack.resolve(runs.table.tableName)).toEqual({ Ref: tableId });
    expect(runs.encryptionKey).toBeUndefined();
  });
});

describe('props', () => {
  test('encryptionKey gives customer-managed encryption, and is exposed', () => {
    const { template, stack } = synth(s => {
      new PipelineRunsTable(s, 'Runs', { encryptionKey: new kms.Key(s, 'Key', { enableKeyRotation: true }) });
    });
    expect((stack.node.findChild('Runs') as PipelineRunsTable).encryptionKey).toBe(stack.node.findChild('Key'));
    expect(tableResource(template).Properties.SSESpecification).toEqual({
      SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] } });
  });

  test('timeToLiveAttribute, deletionProtection and naming', () => {
    const template = tableTemplate({ timeToLiveAttribute: 'expires_at', deletionProtection: false, naming: new Naming({ project: 'lakehouse', environment: 'sandbox' }) });
    expect(tableResource(template).Properties).toMatchObject({
      TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
      DeletionProtectionEnabled: false,
      TableName: 'lakehouse-sandbox-pipeline-runs',
    });
  });

  test('DESTROY without the flag keeps the table protected and warns', () => {
    const { template, stack } = synth(s => { new PipelineRunsTable(s, 'Runs', { removalPolicy: RemovalPolicy.DESTROY }); });
    const table = tableResource(template);
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.Properties.DeletionProtectionEnabled).toBe(true);
    const warnings = stack.node.findChild('Runs').node.metadata.filter(m => m.type === 'aws:cdk:warning').map(m => String(m.data));
    expect(warnings).toEqual([expect.stringContaining(`${DataRetention.REMOVE_DATA_ON_DESTROY}=true`)]);
  });

  test('DESTROY in effect with deletionProtection false is accepted', () => {
    const table = tableResource(tableTemplate({ removalPolicy: RemovalPolicy.DESTROY, deletionProtection: false }, DESTROY_CONTEXT));
    expect(table.DeletionPolicy).toBe('Delete');
    expect(table.Properties.DeletionProtectionEnabled).toBe(false);
  });

  test('DESTROY with the flag deletes the table and turns deletion protection off', () => {
    const table = tableResource(tableTemplate({ removalPolicy: RemovalPolicy.DESTROY }, DESTROY_CONTEXT));
    expect(table.DeletionPolicy).toBe('Delete');
    expect(table.Properties.DeletionProtectionEnabled).toBe(false);
  });

  test.each<[string, PipelineRunsTableProps, Record<string, unknown>]>([
    ['deletionProtection', { removalPolicy: RemovalPolicy.DESTROY, deletionProtection: true }, DESTROY_CONTEXT],
    ['timeToLiveAttribute', { timeToLiveAttribute: '' }, {}],
    ['timeToLiveAttribute', { timeToLiveAttribute: 'expires at' }, {}],
    ['timeToLiveAttribute', { timeToLiveAttribute: 'x'.repeat(256) }, {}],
    ['timeToLiveAttribute', { timeToLiveAttribute: 'start_time' }, {}],
  ])('%s is rejected with a named error', (prop, props, context) => {
    let error: unknown;
    try { tableTemplate(props, context); } catch (e) { error = e; }
    expect(Validate.isValidationError(error)).toBe(true);
    expect((error as Error).message).toContain(`Test/Runs: ${prop} must`);
  });
});

describe('grants', () => {
  function grantStatements(grant: (runs: PipelineRunsTable, role: iam.Role) => void, withKey = false) {
    const { template, stack } = synth(s => {
      const runs = new PipelineRunsTable(s, 'Runs', { encryptionKey: withKey ? new kms.Key(s, 'Key', { enableKeyRotation: true }) : undefined });
      grant(runs, new iam.Role(s, 'Pipeline', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') }));
    });
    return { statements: policyStatements(template).map(s => s.statement), stack };
  }

  test('grantRecordRuns: PutItem, UpdateItem, GetItem on the table only', () => {
    const { statements } = grantStatements((runs, role) => runs.grantRecordRuns(role));
    expect(statements).toEqual([expect.objectContaining({
      Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:GetItem'],
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^RunsTable/), 'Arn'] },
    })]);
  });

  test('grantReadRuns: GetItem and Query on the table and the status index', () => {
    const { statements } = grantStatements((runs, role) => runs.grantReadRuns(role));
    expect(statements).toHaveLength(1);
    expect(statements[0].Action).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
    expect(asList(statements[0].Resource)).toEqual([
      { 'Fn::GetAtt': [expect.stringMatching(/^RunsTable/), 'Arn'] },
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^RunsTable/), 'Arn'] }, '/index/status-start_time-index']] },
    ]);
  });

  test('with a customer key, the grants add exactly the KMS actions they need', () => {
    const record = grantStatements((runs, role) => runs.grantRecordRuns(role), true).statements;
    expect(record.find(s => asList<string>(s.Action).includes('kms:Encrypt')).Action).toEqual(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']);
    const read = grantStatements((runs, role) => runs.grantReadRuns(role), true).statements;
    expect(read.find(s => asList<string>(s.Action).includes('kms:Decrypt')).Action).toBe('kms:Decrypt');
  });
});

describe('cdk-nag', () => {
  test('default props with both grants are AwsSolutions clean', () => {
    const findings = nagFindings(stack => {
      const runs = new PipelineRunsTable(stack, 'Runs');
      const role = new iam.Role(stack, 'Pipeline', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });
      runs.grantRecordRuns(role);
      runs.grantReadRuns(role);
    });
    expect(formatFindings(findings)).toBe('');
  });

  test('DESTROY in effect with a customer key is AwsSolutions clean', () => {
    const findings = nagFindings(stack => {
      new PipelineRunsTable(stack, 'Runs', { removalPolicy: RemovalPolicy.DESTROY, encryptionKey: new kms.Key(stack, 'Key', { enableKeyRotation: true }) });
    }, { context: DESTROY_CONTEXT });
    expect(formatFindings(findings)).toBe('');
  });
});
