import { expectValidationError, formatFindings, nagFindings, policyStatements, synth } from '@lakehouse-cdk/testing';
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { IPipelineRunsTable, PipelineRunsTable, PipelineRunsTableAttributes } from '../src';

const TABLE = 'team-pipeline-runs';
const TABLE_ARN = `arn:aws:dynamodb:eu-west-1:123456789012:table/${TABLE}`;
const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';

/** The statements granted to a role by `grant` on a table adopted from `attrs`. */
function adoptedGrant(attrs: PipelineRunsTableAttributes, grant: (runs: IPipelineRunsTable, role: iam.Role) => void) {
  let runs!: IPipelineRunsTable;
  const { stack, template } = synth(s => {
    runs = PipelineRunsTable.fromTableAttributes(s, 'Runs', attrs);
    grant(runs, new iam.Role(s, 'Pipeline', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') }));
  });
  return { runs, stack, template, statements: policyStatements(template).map(s => stack.resolve(s.statement)) };
}

const arnOfName = (suffix = '') => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:dynamodb:eu-west-1:123456789012:table/${TABLE}${suffix}`]] });

describe('PipelineRunsTable.fromTableAttributes', () => {
  test('adopts a table by name without creating a resource', () => {
    const { template, runs, stack } = adoptedGrant({ tableName: TABLE }, () => undefined);
    template.resourceCountIs('AWS::DynamoDB::Table', 0);
    expect(Object.keys(template.toJSON().Resources)).toEqual([expect.stringMatching(/^Pipeline/)]);
    expect(stack.resolve(runs.tableName)).toBe(TABLE);
    expect(runs.statusIndexName).toBe('status-start_time-index');
    expect(runs.encryptionKey).toBeUndefined();
  });

  test('grantRecordRuns on a table with a key ARN: the three item actions on exactly the table, and the key on exactly the key', () => {
    const { statements } = adoptedGrant({ tableArn: TABLE_ARN, encryptionKeyArn: KEY_ARN }, (runs, role) => runs.grantRecordRuns(role));
    expect(statements).toEqual([
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'], Resource: KEY_ARN },
      { Effect: 'Allow', Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:GetItem'], Resource: TABLE_ARN },
    ]);
  });

  test('grantReadRuns by name: GetItem and Query on the table and the status index, no KMS without a key', () => {
    const { statements } = adoptedGrant({ tableName: TABLE }, (runs, role) => runs.grantReadRuns(role));
    expect(statements).toEqual([
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Query'], Resource: [arnOfName(), arnOfName('/index/status-start_time-index')] },
    ]);
  });

  test('a status index of another name is the one granted, and an IKey is used as given', () => {
    let key!: kms.IKey;
    const { statements, runs } = adoptedGrant({ tableName: TABLE, statusIndexName: 'by-status' }, () => undefined);
    expect(runs.statusIndexName).toBe('by-status');
    expect(statements).toEqual([]);
    const withKey = adoptedGrant({ tableArn: TABLE_ARN, statusIndexName: 'by-status' }, (r, role) => r.grantReadRuns(role));
    expect(withKey.statements[0].Resource).toEqual([TABLE_ARN, `${TABLE_ARN}/index/by-status`]);
    synth(s => {
      key = kms.Key.fromKeyArn(s, 'TeamKey', KEY_ARN);
      const adopted = PipelineRunsTable.fromTableAttributes(s, 'Runs', { tableName: TABLE, encryptionKey: key });
      expect(adopted.encryptionKey).toBe(key);
      expect(adopted.table.encryptionKey).toBe(key);
    });
  });

  test('the adopted table carries its key, for a workflow that grants the table\'s key', () => {
    const { runs, stack } = adoptedGrant({ tableName: TABLE, encryptionKeyArn: KEY_ARN }, () => undefined);
    expect(stack.resolve(runs.table.encryptionKey?.keyArn)).toBe(KEY_ARN);
  });

  test('grants on an adopted table are AwsSolutions clean', () => {
    const findings = nagFindings(s => {
      const runs = PipelineRunsTable.fromTableAttributes(s, 'Runs', { tableName: TABLE, encryptionKeyArn: KEY_ARN });
      const role = new iam.Role(s, 'Pipeline', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });
      runs.grantRecordRuns(role);
      runs.grantReadRuns(role);
    });
    expect(formatFindings(findings)).toBe('');
  });

  test.each<[string, PipelineRunsTableAttributes, RegExp]>([
    ['tableName', {}, /exactly one of the two names the table; got neither tableName nor tableArn/],
    ['tableName', { tableName: TABLE, tableArn: TABLE_ARN }, /; got both tableName and tableArn/],
    ['encryptionKeyArn', { tableName: TABLE, encryptionKeyArn: KEY_ARN, encryptionKey: kms.Key.fromKeyArn(new Stack(), 'K', KEY_ARN) }, /must not be given together with encryptionKey/],
    ['statusIndexName', { tableName: TABLE, statusIndexName: 'ix' }, /must be a DynamoDB index name.*; got "ix"/],
    ['statusIndexName', { tableName: TABLE, statusIndexName: 'by status' }, /; got "by status"/],
  ])('%s is refused with a named error', (prop, attrs, rule) => {
    const error = expectValidationError(() => synth(s => { PipelineRunsTable.fromTableAttributes(s, 'Runs', attrs); }), prop, rule);
    expect(error.message).toMatch(new RegExp(`^Test/Runs: ${prop} `));
  });
});
