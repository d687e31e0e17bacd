import { DataRetention, Naming } from '@lakehouse-cdk/core';
import { asList, expectValidationError, formatFindings, nagFindings, policyStatements, synth } from '@lakehouse-cdk/testing';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { DagsBucket, DagsBucketProps } from '../src';
import { bucketByPrefix, complianceFindings, lifecycleRule } from './helpers';

function dagsTemplate(props: DagsBucketProps = {}, context: Record<string, unknown> = {}): Template {
  return synth(stack => { new DagsBucket(stack, 'Dags', props); }, context).template;
}

describe('defaults', () => {
  let template: Template;
  beforeAll(() => { template = dagsTemplate(); });

  test('versioned, SSE-KMS with a key of its own, private, retained, with no generated name', () => {
    const bucket = bucketByPrefix(template, 'DagsBucket');
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0]).toEqual({
      BucketKeyEnabled: true,
      ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [expect.stringMatching(/^DagsKey/), 'Arn'] } },
    });
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket.Properties.LoggingConfiguration).toBeUndefined();
    expect(bucket.Properties.BucketName).toBeUndefined();
    expect(bucket.Properties.Tags).toEqual(expect.arrayContaining([{ Key: 'Layer', Value: 'storage' }]));
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResource('AWS::KMS::Key', { Properties: { EnableKeyRotation: true }, DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  test('exposes the bucket and the key it created', () => {
    const { stack } = synth(s => { new DagsBucket(s, 'Dags'); });
    const dags = stack.node.findChild('Dags') as DagsBucket;
    expect(dags.encryptionKey).toBe(dags.node.findChild('Key'));
    expect(dags.bucket.encryptionKey).toBe(dags.encryptionKey);
    expect(stack.resolve(dags.bucket.bucketName)).toEqual({ Ref: expect.stringMatching(/^DagsBucket/) });
  });

  test('with the default key, grantRead decrypts with that key only', () => {
    const template = synth(stack => {
      new DagsBucket(stack, 'Dags').grantRead(new iam.Role(stack, 'Mwaa', { assumedBy: new iam.ServicePrincipal('airflow-env.amazonaws.com') }));
    }).template;
    const statements = policyStatements(template).map(s => s.statement);
    expect(statements.flatMap(s => asList<string>(s.Action))).toContain('s3:GetObject');
    const keyStatements = statements.filter(s => asList<string>(s.Action).some(action => action.startsWith('kms:')));
    expect(keyStatements).toEqual([expect.objectContaining({ Action: 'kms:Decrypt', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^DagsKey/), 'Arn'] } })]);
  });

  test('the documented defaults, as Template assertions: SSE-KMS, no logging, 30-day noncurrent expiry, retained', () => {
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) })] },
        LoggingConfiguration: Match.absent(),
        BucketName: Match.absent(),
        LifecycleConfiguration: { Rules: [Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 30 } })] },
      }),
    });
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
  });

  test('noncurrent DAG versions expire after 30 days; uploads aborted after 7', () => {
    expect(lifecycleRule(template, 'DagsBucket', 'noncurrent-versions-and-incomplete-uploads')).toMatchObject({
      NoncurrentVersionExpiration: { NoncurrentDays: 30 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } });
  });

  test('denies non-SSL access', () => {
    const policy = Object.values(template.findResources('AWS::S3::BucketPolicy'))[0] as any;
    expect(policy.Properties.PolicyDocument.Statement).toEqual(expect.arrayContaining([
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]));
  });
});

describe('props', () => {
  test('encryptionKey replaces the bucket\'s own key, and is exposed', () => {
    const { template, stack } = synth(s => {
      const key = new kms.Key(s, 'LakeKey', { enableKeyRotation: true });
      new DagsBucket(s, 'Dags', { encryptionKey: key });
    });
    expect((stack.node.findChild('Dags') as DagsBucket).encryptionKey).toBe(stack.node.findChild('LakeKey'));
    template.resourceCountIs('AWS::KMS::Key', 1);
    expect(bucketByPrefix(template, 'DagsBucket').Properties.BucketEncryption.ServerSideEncryptionConfiguration[0]).toEqual({
      BucketKeyEnabled: true,
      ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [expect.stringMatching(/^LakeKey/), 'Arn'] } },
    });
  });

  test('accessLogsBucket receives the logs under dags/', () => {
    const template = dagsTemplate({ accessLogsBucket: s3.Bucket.fromBucketName(new Stack(), 'L', 'shared-logs') });
    expect(bucketByPrefix(template, 'DagsBucket').Properties.LoggingConfiguration).toEqual({ DestinationBucketName: 'shared-logs', LogFilePrefix: 'dags/' });
  });

  test('noncurrentExpiration and naming', () => {
    const template = dagsTemplate({ noncurrentExpiration: Duration.days(7), naming: new Naming({ project: 'lakehouse', environment: 'sandbox' }) });
    expect(lifecycleRule(template, 'DagsBucket', 'noncurrent-versions-and-incomplete-uploads').NoncurrentVersionExpiration).toEqual({ NoncurrentDays: 7 });
    expect(bucketByPrefix(template, 'DagsBucket').Properties.BucketName).toBe('lakehouse-sandbox-dags-123456789012-eu-west-1');
  });

  test('DESTROY is honoured only with the context flag', () => {
    expect(bucketByPrefix(dagsTemplate({ removalPolicy: RemovalPolicy.DESTROY }), 'DagsBucket').DeletionPolicy).toBe('Retain');
    const destroyed = dagsTemplate({ removalPolicy: RemovalPolicy.DESTROY }, { [DataRetention.REMOVE_DATA_ON_DESTROY]: true });
    expect(bucketByPrefix(destroyed, 'DagsBucket').DeletionPolicy).toBe('Delete');
    destroyed.resourceCountIs('Custom::S3AutoDeleteObjects', 1);
  });

  test.each([Duration.days(0), Duration.hours(12)])('noncurrentExpiration %s is rejected with a named error', duration => {
    expectValidationError(() => dagsTemplate({ noncurrentExpiration: duration }), 'noncurrentExpiration', /whole number of days from 1 to 36500/);
  });
});

describe('grantRead', () => {
  test('reads objects and the bucket facts MWAA checks, and decrypts with the key', () => {
    const template = synth(stack => {
      const key = new kms.Key(stack, 'LakeKey', { enableKeyRotation: true });
      const dags = new DagsBucket(stack, 'Dags', { encryptionKey: key });
      dags.grantRead(new iam.Role(stack, 'Mwaa', { assumedBy: new iam.ServicePrincipal('airflow-env.amazonaws.com') }));
    }).template;
    const statements = policyStatements(template).map(s => s.statement);
    const actions = statements.flatMap(s => asList<string>(s.Action)).sort();
    const decrypt = statements.find(s => asList<string>(s.Action).includes('kms:Decrypt'));
    expect(decrypt.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^LakeKey/), 'Arn'] });
    const objects = statements.find(s => asList<string>(s.Action).includes('s3:GetObject'));
    expect(objects.Resource).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^DagsBucket/), 'Arn'] }, '/*']] });
    expect(actions).toEqual(['kms:Decrypt', 's3:GetBucketLocation', 's3:GetBucketPublicAccessBlock', 's3:GetBucketVersioning',
      's3:GetEncryptionConfiguration', 's3:GetObject', 's3:GetObjectVersion', 's3:ListBucket']);
  });
});

describe('cdk-nag', () => {
  test('default props are clean in the AwsSolutions, NIST 800-53 R5 and HIPAA Security packs', () => {
    expect(formatFindings(complianceFindings(stack => { new DagsBucket(stack, 'Dags'); }))).toBe('');
  });

  test('with logs, a key, a grant and DESTROY in effect it is AwsSolutions clean', () => {
    const findings = nagFindings(stack => {
      const logs = new s3.Bucket(stack, 'Logs', { enforceSSL: true, versioned: true });
      const dags = new DagsBucket(stack, 'Dags', {
        accessLogsBucket: logs, removalPolicy: RemovalPolicy.DESTROY,
        encryptionKey: new kms.Key(stack, 'Key', { enableKeyRotation: true }),
      });
      dags.grantRead(new iam.Role(stack, 'Mwaa', { assumedBy: new iam.ServicePrincipal('airflow-env.amazonaws.com') }));
    }, { context: { [DataRetention.REMOVE_DATA_ON_DESTROY]: true } });
    expect(findings.filter(f => !f.path.startsWith('Nag/Logs/'))).toEqual([]);
  });

  test('without an accessLogsBucket the compliance packs\' logging rule is acknowledged; with one it is met', () => {
    const loggingFindings = (build: (stack: Stack) => void) => complianceFindings(build).filter(f => f.rule.endsWith('S3BucketLoggingEnabled'));
    expect(loggingFindings(stack => { new DagsBucket(stack, 'Dags'); })).toEqual([]);
    expect(loggingFindings(stack => {
      new DagsBucket(stack, 'Dags', { accessLogsBucket: s3.Bucket.fromBucketName(stack, 'Logs', 'team-access-logs') });
    })).toEqual([]);
  });
});
