import { DataLayer, DataRetention, Naming } from '@lakehouse-cdk/core';
import { asList, expectValidationError, formatFindings, nagFindings, policyStatements, synth } from '@lakehouse-cdk/testing';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { DagsBucket, DataLakeStorage, DataLakeStorageProps } from '../src';
import { bucketByPrefix, complianceFindings, lifecycleRule } from './helpers';

const DESTROY_CONTEXT = { [DataRetention.REMOVE_DATA_ON_DESTROY]: true };

function storageTemplate(props: DataLakeStorageProps = {}, context: Record<string, unknown> = {}): Template {
  return synth(stack => { new DataLakeStorage(stack, 'Storage', props); }, context).template;
}

describe('defaults', () => {
  let template: Template;
  beforeAll(() => { template = storageTemplate(); });

  test('creates one KMS key with rotation, kept on delete', () => {
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResource('AWS::KMS::Key', { Properties: { EnableKeyRotation: true }, DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  test('data-lake bucket is KMS-encrypted with the key and an S3 Bucket Key', () => {
    const bucket = bucketByPrefix(template, 'StorageBucket');
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0]).toEqual({
      BucketKeyEnabled: true,
      ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [expect.stringMatching(/^StorageKey/), 'Arn'] } },
    });
  });

  test('data-lake bucket is versioned, private, retained and logs to the access-logs bucket', () => {
    const bucket = bucketByPrefix(template, 'StorageBucket');
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.Properties.PublicAccessBlockConfiguration.BlockPublicPolicy).toBe(true);
    expect(bucket.Properties.LoggingConfiguration.LogFilePrefix).toBe('data-lake/');
    expect(bucket.Properties.LoggingConfiguration.DestinationBucketName.Ref).toMatch(/^StorageAccessLogsBucket/);
    expect(bucket.Properties.BucketName).toBeUndefined();
  });

  test('data-lake bucket denies non-SSL access and TLS below 1.2', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp('^StorageBucket') },
      PolicyDocument: { Statement: Match.arrayWith([
        Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        Match.objectLike({ Effect: 'Deny', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
      ]) },
    });
  });

  test('raw layer: Standard-IA after 30 days, Glacier IR after 90', () => {
    expect(lifecycleRule(template, 'StorageBucket', 'raw-tiering')).toMatchObject({
      Prefix: 'raw/',
      Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 30 }, { StorageClass: 'GLACIER_IR', TransitionInDays: 90 }],
    });
  });

  test('processed layer: Standard-IA after 90 days; curated: after 180', () => {
    expect(lifecycleRule(template, 'StorageBucket', 'processed-tiering')).toMatchObject({
      Prefix: 'processed/', Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 90 }],
    });
    expect(lifecycleRule(template, 'StorageBucket', 'curated-tiering')).toMatchObject({
      Prefix: 'curated/', Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 180 }],
    });
  });

  test('noncurrent versions: Glacier IR after 30 days, expired after 365; uploads aborted after 7', () => {
    expect(lifecycleRule(template, 'StorageBucket', 'noncurrent-versions-and-incomplete-uploads')).toMatchObject({
      NoncurrentVersionTransitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 30 }],
      NoncurrentVersionExpiration: { NoncurrentDays: 365 },
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
    });
  });

  test('query results under athena-results/ expire after 30 days', () => {
    expect(lifecycleRule(template, 'StorageBucket', 'query-results-expiry')).toMatchObject({ Prefix: 'athena-results/', ExpirationInDays: 30 });
  });

  test('access-logs bucket: SSE-S3, versioned, private, 90-day expiry, no logging of its own', () => {
    const logs = bucketByPrefix(template, 'StorageAccessLogsBucket');
    expect(logs.DeletionPolicy).toBe('Retain');
    expect(logs.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault).toEqual({ SSEAlgorithm: 'AES256' });
    expect(logs.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(logs.Properties.LoggingConfiguration).toBeUndefined();
    expect(lifecycleRule(template, 'StorageAccessLogsBucket', 'access-logs-expiry')).toMatchObject({ ExpirationInDays: 90 });
    expect(logs.Properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
  });

  test('access-logs bucket lets S3 log delivery write only data-lake logs by bucket policy', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp('^StorageAccessLogsBucket') },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({
        Effect: 'Allow', Principal: { Service: 'logging.s3.amazonaws.com' }, Action: 's3:PutObject',
        Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': '123456789012' } }),
      })]) },
    });
  });

  test('without naming, CloudFormation names both buckets', () => {
    for (const prefix of ['StorageBucket', 'StorageAccessLogsBucket']) {
      expect(bucketByPrefix(template, prefix).Properties.BucketName).toBeUndefined();
    }
  });

  test('the documented lifecycle defaults, as one Template assertion on the data-lake bucket', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'data-lake/' }),
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Id: 'raw-tiering', Prefix: 'raw/', Status: 'Enabled', Transitions: [
            { StorageClass: 'STANDARD_IA', TransitionInDays: 30 }, { StorageClass: 'GLACIER_IR', TransitionInDays: 90 }] }),
          Match.objectLike({ Id: 'processed-tiering', Prefix: 'processed/', Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 90 }] }),
          Match.objectLike({ Id: 'curated-tiering', Prefix: 'curated/', Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 180 }] }),
          Match.objectLike({ Id: 'query-results-expiry', Prefix: 'athena-results/', ExpirationInDays: 30 }),
          Match.objectLike({
            Id: 'noncurrent-versions-and-incomplete-uploads',
            NoncurrentVersionTransitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 30 }],
            NoncurrentVersionExpiration: { NoncurrentDays: 365 },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Id: 'access-logs-expiry', ExpirationInDays: 90 })]) },
    });
  });

  test('no auto-delete custom resource while data is retained', () => {
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
  });

  test('every resource carries the storage Layer tag', () => {
    for (const type of ['AWS::S3::Bucket', 'AWS::KMS::Key']) {
      for (const resource of Object.values(template.findResources(type))) {
        expect((resource as any).Properties.Tags).toEqual(expect.arrayContaining([{ Key: 'Layer', Value: 'storage' }]));
      }
    }
  });
});

describe('exposed values', () => {
  test('layer prefixes, URIs and the query results location', () => {
    const { stack } = synth(s => { new DataLakeStorage(s, 'Storage'); });
    const storage = stack.node.findChild('Storage') as DataLakeStorage;
    expect(storage.layerPrefix(DataLayer.RAW)).toBe('raw/');
    expect(storage.layerPrefix(DataLayer.CURATED)).toBe('curated/');
    expect(stack.resolve(storage.layerUri(DataLayer.PROCESSED))).toEqual({ 'Fn::Join': ['', ['s3://', { Ref: expect.stringMatching(/^StorageBucket/) }, '/processed/']] });
    expect(storage.queryResultsPrefix).toBe('athena-results/');
    expect(stack.resolve(storage.queryResultsUri)).toEqual({ 'Fn::Join': ['', ['s3://', { Ref: expect.stringMatching(/^StorageBucket/) }, '/athena-results/']] });
    expect(storage.encryptionKey).toBe(storage.bucket.encryptionKey);
    expect(storage.encryptionKey).toBe(storage.node.findChild('Key'));
    expect(storage.accessLogsBucket).toBe(storage.node.findChild('AccessLogsBucket'));
  });
});

describe('props', () => {
  test('lifecycle days follow the props', () => {
    const template = storageTemplate({
      rawInfrequentAccessAfter: Duration.days(45), rawGlacierInstantRetrievalAfter: Duration.days(120),
      processedInfrequentAccessAfter: Duration.days(60), curatedInfrequentAccessAfter: Duration.days(400),
      noncurrentTransitionAfter: Duration.days(10), noncurrentExpiration: Duration.days(40),
      queryResultsRetention: Duration.days(3), accessLogsRetention: Duration.days(365),
    });
    expect(lifecycleRule(template, 'StorageBucket', 'raw-tiering').Transitions).toEqual([
      { StorageClass: 'STANDARD_IA', TransitionInDays: 45 }, { StorageClass: 'GLACIER_IR', TransitionInDays: 120 }]);
    expect(lifecycleRule(template, 'StorageBucket', 'processed-tiering').Transitions[0].TransitionInDays).toBe(60);
    expect(lifecycleRule(template, 'StorageBucket', 'curated-tiering').Transitions[0].TransitionInDays).toBe(400);
    expect(lifecycleRule(template, 'StorageBucket', 'noncurrent-versions-and-incomplete-uploads')).toMatchObject({
      NoncurrentVersionTransitions: [{ TransitionInDays: 10 }], NoncurrentVersionExpiration: { NoncurrentDays: 40 } });
    expect(lifecycleRule(template, 'StorageBucket', 'query-results-expiry').ExpirationInDays).toBe(3);
    expect(lifecycleRule(template, 'StorageAccessLogsBucket', 'access-logs-expiry').ExpirationInDays).toBe(365);
  });

  test('queryResultsPrefix moves the query results and their expiry', () => {
    const { stack, template } = synth(s => { new DataLakeStorage(s, 'Storage', { queryResultsPrefix: 'query/results/' }); });
    expect(lifecycleRule(template, 'StorageBucket', 'query-results-expiry').Prefix).toBe('query/results/');
    expect((stack.node.findChild('Storage') as DataLakeStorage).queryResultsPrefix).toBe('query/results/');
  });

  test('a brought-in key is used and no key is created', () => {
    const { stack, template } = synth(s => {
      const key = new kms.Key(s, 'TeamKey', { enableKeyRotation: true });
      new DataLakeStorage(s, 'Storage', { encryptionKey: key });
    });
    template.resourceCountIs('AWS::KMS::Key', 1);
    const bucket = bucketByPrefix(template, 'StorageBucket');
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.KMSMasterKeyID['Fn::GetAtt'][0]).toMatch(/^TeamKey/);
    expect((stack.node.findChild('Storage') as DataLakeStorage).encryptionKey).toBe(stack.node.findChild('TeamKey'));
  });

  test('a brought-in access-logs bucket receives the logs and no logs bucket is created', () => {
    const template = synth(s => {
      const logs = s3.Bucket.fromBucketName(s, 'SharedLogs', 'team-access-logs');
      new DataLakeStorage(s, 'Storage', { accessLogsBucket: logs });
    }).template;
    template.resourceCountIs('AWS::S3::Bucket', 1);
    expect(bucketByPrefix(template, 'StorageBucket').Properties.LoggingConfiguration.DestinationBucketName).toBe('team-access-logs');
  });

  test('naming gives the bucket names', () => {
    const naming = new Naming({ project: 'lakehouse', environment: 'sandbox' });
    const template = storageTemplate({ naming });
    expect(bucketByPrefix(template, 'StorageBucket').Properties.BucketName).toBe('lakehouse-sandbox-data-lake-123456789012-eu-west-1');
    expect(bucketByPrefix(template, 'StorageAccessLogsBucket').Properties.BucketName).toBe('lakehouse-sandbox-access-logs-123456789012-eu-west-1');
  });

  test('named buckets of two accounts, or two regions, never share a name', () => {
    const names = (account: string, region: string) => {
      const stack = new Stack(undefined, 'Data', { env: { account, region } });
      new DataLakeStorage(stack, 'Storage', { naming: new Naming({ project: 'lakehouse', environment: 'sandbox' }) });
      return Object.values(Template.fromStack(stack).findResources('AWS::S3::Bucket')).map((bucket: any) => bucket.Properties.BucketName);
    };
    const first = names('111122223333', 'eu-west-1');
    expect(first).toHaveLength(2);
    for (const other of [names('444455556666', 'eu-west-1'), names('111122223333', 'us-east-1')]) {
      expect(other.filter(name => first.includes(name))).toEqual([]);
    }
  });

  test('DESTROY without the context flag keeps the data and warns', () => {
    const { template, stack } = synth(s => { new DataLakeStorage(s, 'Storage', { removalPolicy: RemovalPolicy.DESTROY }); });
    expect(bucketByPrefix(template, 'StorageBucket').DeletionPolicy).toBe('Retain');
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    const warnings = stack.node.findChild('Storage').node.metadata.filter(m => m.type === 'aws:cdk:warning').map(m => String(m.data));
    expect(warnings).toEqual([expect.stringContaining(`${DataRetention.REMOVE_DATA_ON_DESTROY}=true`)]);
  });

  test('explicit RETAIN keeps the data without a warning, even with the context flag', () => {
    const { template, stack } = synth(s => { new DataLakeStorage(s, 'Storage', { removalPolicy: RemovalPolicy.RETAIN }); }, DESTROY_CONTEXT);
    expect(bucketByPrefix(template, 'StorageBucket').DeletionPolicy).toBe('Retain');
    expect(bucketByPrefix(template, 'StorageAccessLogsBucket').DeletionPolicy).toBe('Retain');
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
    expect(stack.node.findChild('Storage').node.metadata.filter(m => m.type === 'aws:cdk:warning')).toEqual([]);
  });

  test('accessLogsRetention is ignored (not even validated) when an access-logs bucket is brought', () => {
    const template = synth(s => {
      const logs = s3.Bucket.fromBucketName(s, 'SharedLogs', 'team-access-logs');
      new DataLakeStorage(s, 'Storage', { accessLogsBucket: logs, accessLogsRetention: Duration.hours(5) });
    }).template;
    template.resourceCountIs('AWS::S3::Bucket', 1);
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { DestinationBucketName: 'team-access-logs', LogFilePrefix: 'data-lake/' },
      LifecycleConfiguration: { Rules: Match.not(Match.arrayWith([Match.objectLike({ Id: 'access-logs-expiry' })])) },
    });
  });

  test('a brought-in access-logs bucket and key are the exposed ones', () => {
    const { stack } = synth(s => {
      const key = new kms.Key(s, 'TeamKey', { enableKeyRotation: true });
      const logs = s3.Bucket.fromBucketName(s, 'SharedLogs', 'team-access-logs');
      new DataLakeStorage(s, 'Storage', { encryptionKey: key, accessLogsBucket: logs });
    });
    const storage = stack.node.findChild('Storage') as DataLakeStorage;
    expect(storage.accessLogsBucket).toBe(stack.node.findChild('SharedLogs'));
    expect(storage.encryptionKey).toBe(stack.node.findChild('TeamKey'));
  });

  test('DESTROY with the context flag deletes buckets and key, emptying the buckets first', () => {
    const template = storageTemplate({ removalPolicy: RemovalPolicy.DESTROY }, DESTROY_CONTEXT);
    expect(bucketByPrefix(template, 'StorageBucket').DeletionPolicy).toBe('Delete');
    expect(bucketByPrefix(template, 'StorageAccessLogsBucket').DeletionPolicy).toBe('Delete');
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 2);
  });
});

describe('validation', () => {
  test.each<[string, DataLakeStorageProps]>([
    ['rawInfrequentAccessAfter', { rawInfrequentAccessAfter: Duration.days(29) }],
    ['processedInfrequentAccessAfter', { processedInfrequentAccessAfter: Duration.days(10) }],
    ['curatedInfrequentAccessAfter', { curatedInfrequentAccessAfter: Duration.days(0) }],
    ['rawGlacierInstantRetrievalAfter', { rawGlacierInstantRetrievalAfter: Duration.days(59) }],
    ['rawGlacierInstantRetrievalAfter', { rawInfrequentAccessAfter: Duration.days(100) }],
    ['noncurrentExpiration', { noncurrentExpiration: Duration.days(30) }],
    ['noncurrentTransitionAfter', { noncurrentTransitionAfter: Duration.hours(36) }],
    ['queryResultsRetention', { queryResultsRetention: Duration.days(0) }],
    ['accessLogsRetention', { accessLogsRetention: Duration.minutes(90) }],
    ['queryResultsPrefix', { queryResultsPrefix: 'athena-results' }],
    ['queryResultsPrefix', { queryResultsPrefix: '/athena-results/' }],
    ['queryResultsPrefix', { queryResultsPrefix: 'raw/athena/' }],
    ['queryResultsPrefix', { queryResultsPrefix: 'curated/' }],
    ['queryResultsPrefix', { queryResultsPrefix: 'a/../b/' }],
    ['queryResultsPrefix', { queryResultsPrefix: 'athena*/' }],
  ])('%s is rejected with a named error', (prop, props) => {
    expectValidationError(() => storageTemplate(props), prop);
  });

  test.each([
    ['athena*/', /no wildcard such as "\*"/],
    ['a/../b/', /no "\." or "\.\." segment/],
    ['/athena-results/', /no leading "\/"/],
  ])('queryResultsPrefix %j is refused by the shared key-prefix rule, naming the value', (prefix, rule) => {
    const { message } = expectValidationError(() => storageTemplate({ queryResultsPrefix: prefix }), 'queryResultsPrefix', rule);
    expect(message).toContain('Test/Storage: queryResultsPrefix must be a relative S3 key prefix');
    expect(message).toContain(`; got ${JSON.stringify(prefix)}`);
  });

  test('a queryResultsPrefix inside a layer prefix is refused with the layer named', () => {
    expectValidationError(() => storageTemplate({ queryResultsPrefix: 'raw/athena/' }), 'queryResultsPrefix',
      /must not lie inside the raw\/ layer prefix.*; got "raw\/athena\/"/);
  });

  test('the error names the rule and the value', () => {
    expect(() => storageTemplate({ rawInfrequentAccessAfter: Duration.days(29) }))
      .toThrow(/Test\/Storage: rawInfrequentAccessAfter must be at least 30 days \(S3 moves objects to Standard-IA only after 30 days\); got 29 days/);
  });
});

describe('grants', () => {
  function grantTemplate(grant: (storage: DataLakeStorage, role: iam.Role) => void) {
    return synth(stack => {
      const storage = new DataLakeStorage(stack, 'Storage');
      const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('glue.amazonaws.com') });
      grant(storage, role);
    }).template;
  }

  function resourcesText(statement: any, stack: Stack = new Stack()): string[] {
    return asList(statement.Resource).map(r => JSON.stringify(stack.resolve(r)));
  }

  test('grantReadLayer(RAW) gives S3 object reads only on raw/*, prefix-conditioned listing and kms:Decrypt', () => {
    const template = grantTemplate((storage, role) => storage.grantReadLayer(role, DataLayer.RAW));
    const statements = policyStatements(template).map(s => s.statement);
    const s3Statements = statements.filter(s => asList<string>(s.Action).some(a => a.startsWith('s3:')));
    for (const statement of s3Statements) {
      const actions = asList<string>(statement.Action);
      const objectActions = actions.filter(a => a.startsWith('s3:GetObject'));
      if (objectActions.length > 0) {
        expect(resourcesText(statement)).toEqual([expect.stringContaining('/raw/*')]);
      } else {
        for (const resource of resourcesText(statement)) expect(resource).not.toContain('/');
        if (actions.includes('s3:ListBucket')) {
          expect(statement.Condition).toEqual({ StringLike: { 's3:prefix': ['raw/*'] } });
        }
      }
    }
    expect(s3Statements.flatMap(s => asList<string>(s.Action)).sort()).toEqual(
      ['s3:GetBucketLocation', 's3:GetObject', 's3:GetObjectVersion', 's3:ListBucket']);
    const kmsStatements = statements.filter(s => asList<string>(s.Action).some(a => a.startsWith('kms:')));
    expect(kmsStatements).toEqual([expect.objectContaining({
      Action: 'kms:Decrypt', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^StorageKey/), 'Arn'] } })]);
  });

  test('grantWriteLayer(CURATED) writes only under curated/ and can generate data keys', () => {
    const template = grantTemplate((storage, role) => storage.grantWriteLayer(role, DataLayer.CURATED));
    const statements = policyStatements(template).map(s => s.statement);
    const put = statements.find(s => asList<string>(s.Action).includes('s3:PutObject'));
    expect(resourcesText(put)).toEqual([expect.stringContaining('/curated/*')]);
    expect(asList(put.Action)).toEqual(expect.arrayContaining(['s3:DeleteObject', 's3:AbortMultipartUpload']));
    const kmsStatement = statements.find(s => asList<string>(s.Action).some(a => a.startsWith('kms:')));
    expect(asList(kmsStatement.Action).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
  });

  test('grantReadWriteQueryResults is scoped to the query results prefix', () => {
    const template = grantTemplate((storage, role) => storage.grantReadWriteQueryResults(role));
    const statements = policyStatements(template).map(s => s.statement);
    const objects = statements.find(s => asList<string>(s.Action).includes('s3:PutObject'));
    expect(resourcesText(objects)).toEqual([expect.stringContaining('/athena-results/*')]);
    expect(asList(objects.Action)).toContain('s3:GetObject');
    const list = statements.find(s => asList<string>(s.Action).includes('s3:ListBucket'));
    expect(list.Condition).toEqual({ StringLike: { 's3:prefix': ['athena-results/*'] } });
  });

  test('the prefix wildcard of a grant is acknowledged exactly, in the same and in another stack', () => {
    const findings = nagFindings(stack => {
      const storage = new DataLakeStorage(stack, 'Storage');
      const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('glue.amazonaws.com') });
      storage.grantReadLayer(role, DataLayer.RAW);
      storage.grantWriteLayer(role, DataLayer.PROCESSED);
      storage.grantReadWriteQueryResults(role);
      const pipelineStack = new Stack(stack.node.scope!, 'Pipeline', { env: { account: '123456789012', region: 'eu-west-1' } });
      const pipelineRole = new iam.Role(pipelineStack, 'PipelineRole', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });
      storage.grantReadWriteQueryResults(pipelineRole);
    });
    expect(findings).toEqual([]);
  });
});

describe('uploads that name another encryption', () => {
  const lakePolicy = (template: Template) => {
    const [policy] = Object.values(template.findResources('AWS::S3::BucketPolicy', { Properties: { Bucket: { Ref: Match.stringLikeRegexp('^StorageBucket') } } })) as any[];
    return policy.Properties.PolicyDocument.Statement as any[];
  };

  test('a PutObject that names another KMS key is denied; one that names none keeps the default encryption', () => {
    const statements = lakePolicy(storageTemplate());
    const otherKey = statements.find(s => s.Sid === 'DenyUploadsWithAnotherKmsKey');
    expect(otherKey).toEqual({
      Sid: 'DenyUploadsWithAnotherKmsKey', Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:PutObject',
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^StorageBucket/), 'Arn'] }, '/*']] },
      // IfExists: a request without the header is not denied, and S3 applies the bucket's key to it.
      Condition: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption-aws-kms-key-id': { 'Fn::GetAtt': [expect.stringMatching(/^StorageKey/), 'Arn'] } } },
    });
    const otherEncryption = statements.find(s => s.Sid === 'DenyUploadsWithAnotherEncryption');
    expect(otherEncryption).toMatchObject({ Effect: 'Deny', Action: 's3:PutObject', Condition: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption': 'aws:kms' } } });
  });

  test('the key named is the one the bucket is encrypted with, also a key brought from elsewhere', () => {
    const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';
    const template = synth(s => { new DataLakeStorage(s, 'Storage', { encryptionKey: kms.Key.fromKeyArn(s, 'TeamKey', keyArn) }); }).template;
    const otherKey = lakePolicy(template).find(s => s.Sid === 'DenyUploadsWithAnotherKmsKey');
    expect(otherKey.Condition.StringNotEqualsIfExists['s3:x-amz-server-side-encryption-aws-kms-key-id']).toBe(keyArn);
    expect(bucketByPrefix(template, 'StorageBucket').Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.KMSMasterKeyID).toBe(keyArn);
  });
});

describe('cdk-nag', () => {
  test('default props are clean in the AwsSolutions, NIST 800-53 R5 and HIPAA Security packs', () => {
    expect(formatFindings(complianceFindings(stack => { new DataLakeStorage(stack, 'Storage'); }))).toBe('');
  });

  test('the compliance packs report replication and the access-logs encryption until they are acknowledged (the test can fail)', () => {
    const findings = complianceFindings(stack => {
      new s3.Bucket(stack, 'Plain', { enforceSSL: true, versioned: true, encryption: s3.BucketEncryption.S3_MANAGED });
    });
    expect(findings.map(f => f.rule)).toEqual(expect.arrayContaining(['NIST.800.53.R5-S3BucketReplicationEnabled', 'HIPAA.Security-S3DefaultEncryptionKMS']));
  });

  test('default props are AwsSolutions clean', () => {
    const findings = nagFindings(stack => { new DataLakeStorage(stack, 'Storage'); });
    expect(formatFindings(findings)).toBe('');
  });

  test('DESTROY in effect, with a DAGs bucket sharing key and logs, is AwsSolutions clean', () => {
    const findings = nagFindings(stack => {
      const storage = new DataLakeStorage(stack, 'Storage', { removalPolicy: RemovalPolicy.DESTROY });
      new DagsBucket(stack, 'Dags', { removalPolicy: RemovalPolicy.DESTROY, encryptionKey: storage.encryptionKey, accessLogsBucket: storage.accessLogsBucket });
    }, { context: DESTROY_CONTEXT });
    expect(formatFindings(findings)).toBe('');
  });

  test('DESTROY in effect, with a DAGs bucket sharing key and logs, is clean in the compliance packs too', () => {
    const findings = complianceFindings(stack => {
      const storage = new DataLakeStorage(stack, 'Storage', { removalPolicy: RemovalPolicy.DESTROY });
      new DagsBucket(stack, 'Dags', { removalPolicy: RemovalPolicy.DESTROY, encryptionKey: storage.encryptionKey, accessLogsBucket: storage.accessLogsBucket });
    }, { context: DESTROY_CONTEXT });
    expect(formatFindings(findings)).toBe('');
  });
});
