import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { LogEncryption } from '../src';

describe('LogEncryption.allowLogGroup', () => {
  test('lets the regional logs principal use the key, for that log group only', () => {
    const stack = new Stack(undefined, 'S', { env: { account: '123456789012', region: 'eu-west-1' } });
    const key = new kms.Key(stack, 'Key');
    expect(LogEncryption.allowLogGroup(key, '/aws/codebuild/job', 'AllowJobLogs')).toBe(true);
    const [keyResource] = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key')) as any[];
    const statements = keyResource.Properties.KeyPolicy.Statement;
    const logs = statements.find((statement: any) => statement.Sid === 'AllowJobLogs');
    expect(logs.Principal).toEqual({ Service: 'logs.eu-west-1.amazonaws.com' });
    expect(logs.Action).toEqual(expect.arrayContaining(['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey']));
    expect(logs.Condition.ArnEquals['kms:EncryptionContext:aws:logs:arn'])
      .toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:eu-west-1:123456789012:log-group:/aws/codebuild/job']] });
  });

  test('an imported key is left as it is, and says so', () => {
    const stack = new Stack(undefined, 'S', { env: { account: '123456789012', region: 'eu-west-1' } });
    const key = kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    expect(LogEncryption.allowLogGroup(key, '/aws/codebuild/job', 'AllowJobLogs')).toBe(false);
  });
});
