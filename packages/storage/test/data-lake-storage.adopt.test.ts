import { DataLayer } from '@lakehouse-cdk/core';
import { asList, expectValidationError, formatFindings, nagFindings, policyStatements, synth } from '@lakehouse-cdk/testing';
import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as fc from 'fast-check';
import { DataLakeStorage, DataLakeStorageAttributes, DataLakeStorageProps, IDataLakeStorage } from '../src';
import { complianceFindings } from './helpers';

const BUCKET = 'team-data-lake';
const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';
const OTHER_KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/99999999-2222-3333-4444-555555555555';

/** The statements granted to a role by `grant` on a lake adopted from `attrs`. */
function adoptedGrant(attrs: DataLakeStorageAttributes, grant: (lake: IDataLakeStorage, role: iam.Role) => void) {
  const { stack, template } = synth(s => {
    const lake = DataLakeStorage.fromDataLakeStorageAttributes(s, 'Lake', attrs);
    grant(lake, new iam.Role(s, 'Reader', { assumedBy: new iam.ServicePrincipal('glue.amazonaws.com') }));
  });
  return { template, statements: policyStatements(template).map(s => stack.resolve(s.statement)) };
}

const bucketArn = (name: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${name}`]] });
const objectsArn = (name: string, prefix: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${name}/${prefix}*`]] });

describe('DataLakeStorage.fromDataLakeStorageAttributes', () => {
  test('adopts a lake by bucket name and key ARN without creating a resource', () => {
    const template = synth(s => { DataLakeStorage.fromDataLakeStorageAttributes(s, 'Lake', { bucketName: BUCKET, encryptionKeyArn: KEY_ARN }); }).template;
    expect(template.toJSON().Resources ?? {}).toEqual({});
  });

  test('grantReadLayer gives reads on exactly <bucket>/raw/*, listing of raw/ only, and kms:Decrypt on exactly the key', () => {
    const { statements } = adoptedGrant({ bucketName: BUCKET, encryptionKeyArn: KEY_ARN }, (lake, role) => lake.grantReadLayer(role, DataLayer.RAW));
    expect(statements).toEqual(expect.arrayContaining([
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: objectsArn(BUCKET, 'raw/') },
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: bucketArn(BUCKET), Condition: { StringLike: { 's3:prefix': ['raw/*'] } } },
      { Effect: 'Allow', Action: 's3:GetBucketLocation', Resource: bucketArn(BUCKET) },
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: KEY_ARN },
    ]));
    expect(statements).toHaveLength(4);
  });

  test('layer prefixes of an existing lake replace the defaults in the grants and URIs', () => {
    let lake!: IDataLakeStorage;
    const { stack, statements } = (() => {
      const result = synth(s => {
        lake = DataLakeStorage.fromDataLakeStorageAttributes(s, 'Lake', {
          bucketName: BUCKET, encryptionKeyArn: KEY_ARN, rawPrefix: 'bronze/', processedPrefix: 'silver/', curatedPrefix: 'gold/', queryResultsPrefix: 'scratch/athena/',
        });
        const role = new iam.Role(s, 'Writer', { assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com') });
        lake.grantWriteLayer(role, DataLayer.CURATED);
        lake.grantReadWriteQueryResults(role);
      });
      return { stack: result.stack, statements: policyStatements(result.template).map(s => result.stack.resolve(s.statement)) };
    })();
    expect(lake.layerPrefix(DataLayer.RAW)).toBe('bronze/');
    expect(lake.layerPrefix(DataLayer.PROCESSED)).toBe('silver/');
    expect(stack.resolve(lake.layerUri(DataLayer.CURATED))).toBe(`s3://${BUCKET}/gold/`);
    expect(stack.resolve(lake.queryResultsUri)).toBe(`s3://${BUCKET}/scratch/athena/`);
    const objectResources = statements.filter(s => asList<string>(s.Action).includes('s3:PutObject')).map(s => s.Resource);
    expect(objectResources).toEqual([objectsArn(BUCKET, 'gold/'), objectsArn(BUCKET, 'scratch/athena/')]);
    expect(statements.find(s => s.Action === 's3:ListBucket' || asList(s.Action).includes('s3:ListBucket')).Condition)
      .toEqual({ StringLike: { 's3:prefix': ['scratch/athena/*'] } });
  });

  test('a bucket ARN and an IKey are used as given', () => {
    let lake!: IDataLakeStorage;
    let key!: kms.IKey;
    const { stack } = synth(s => {
      key = kms.Key.fromKeyArn(s, 'TeamKey', KEY_ARN);
      lake = DataLakeStorage.fromDataLakeStorageAttributes(s, 'Lake', { bucketArn: `arn:aws:s3:::${BUCKET}`, encryptionKey: key });
    });
    expect(lake.encryptionKey).toBe(key);
    expect(stack.resolve(lake.bucket.bucketName)).toBe(BUCKET);
    expect(lake.bucket.encryptionKey).toBe(key);
  });

  test('an IBucket brings its own key, and is the lake\'s bucket', () => {
    let lake!: IDataLakeStorage;
    let bucket!: s3.IBucket;
    synth(s => {
      bucket = s3.Bucket.fromBucketAttributes(s, 'TeamBucket', { bucketName: BUCKET, encryptionKey: kms.Key.fromKeyArn(s, 'TeamKey', KEY_ARN) });
      lake = DataLakeStorage.fromDataLakeStorageAttributes(s, 'Lake', { bucket });
    });
    expect(lake.bucket).toBe(bucket);
    expect(lake.encryptionKey).toBe(bucket.encryptionKey);
    expect(lake.queryResultsPrefix).toBe('athena-results/');
    expect(lake.layerPrefix(DataLayer.CURATED)).toBe('curated/');
  });

  test('grants on an adopted lake are AwsSolutions clean, in the same and another stack', () => {
    const findings = nagFindings(stack => {
      const lake = DataLakeStorage.fromDataLakeStorageAttributes(stack, 'Lake', { bucketName: BUCKET, encryptionKeyArn: KEY_ARN });
      const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('glue.amazonaws.com') });
      lake.grantReadLayer(role, DataLayer.RAW);
      lake.grantWriteLayer(role, DataLayer.PROCESSED);
      lake.grantReadWriteQueryResults(role);
      const other = new Stack(stack.node.scope!, 'Other', { env: { account: '123456789012', region: 'eu-west-1' } });
      lake.grantReadLayer(new iam.Role(other, 'OtherReader', { assumedBy: new iam.ServicePrincipal('athena.amazonaws.com') }), DataLayer.CURATED);
    });
    expect(formatFindings(findings)).toBe('');
  });

  test.each<[string, DataLakeStorageAttributes, RegExp]>([
    ['bucket', { encryptionKeyArn: KEY_ARN }, /bucket must be given exactly once: as bucket, bucketName or bucketArn; got none/],
    ['bucket', { bucketName: BUCKET, bucketArn: `arn:aws:s3:::${BUCKET}`, encryptionKeyArn: KEY_ARN }, /; got bucketName, bucketArn/],
    ['encryptionKeyArn', { bucketName: BUCKET, encryptionKeyArn: KEY_ARN, encryptionKey: kms.Key.fromKeyArn(new Stack(), 'K', OTHER_KEY_ARN) }, /must not be given together with encryptionKey/],
    ['encryptionKey', { bucketName: BUCKET }, /encryptionKey is required/],
    ['rawPrefix', { bucketName: BUCKET, encryptionKeyArn: KEY_ARN, rawPrefix: 'raw' }, /must be a relative S3 key prefix.*; got "raw"/],
    ['curatedPrefix', { bucketName: BUCKET, encryptionKeyArn: KEY_ARN, curatedPrefix: 'gold*/' }, /no wildcard/],
    ['processedPrefix', { bucketName: BUCKET, encryptionKeyArn: KEY_ARN, processedPrefix: 'raw/processed/' }, /processedPrefix must neither hold nor lie inside rawPrefix \("raw\/"\)/],
    ['curatedPrefix', { bucketName: BUCKET, encryptionKeyArn: KEY_ARN, rawPrefix: 'lake/raw/', curatedPrefix: 'lake/' }, /curatedPrefix must neither hold nor lie inside rawPrefix/],
    ['queryResultsPrefix', { bucketName: BUCKET, encryptionKeyArn: KEY_ARN, queryResultsPrefix: 'curated/athena/' }, /queryResultsPrefix must neither hold nor lie inside curatedPrefix/],
  ])('%s is refused with a named error', (prop, attrs, rule) => {
    const error = expectValidationError(() => synth(s => { DataLakeStorage.fromDataLakeStorageAttributes(s, 'Lake', attrs); }), prop, rule);
    expect(error.message).toMatch(new RegExp(`^Test/Lake: ${prop} `));
  });

  test('for any disjoint layer prefixes, each layer grant names exactly its own prefix', () => {
    const segment = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,11}$/);
    const prefixes = fc.uniqueArray(segment, { minLength: 4, maxLength: 4 }).map(names => names.map(name => `${name}/`));
    fc.assert(fc.property(prefixes, fc.constantFrom(...Object.values(DataLayer)), ([raw, processed, curated, results], layer) => {
      const { statements } = adoptedGrant(
        { bucketName: BUCKET, encryptionKeyArn: KEY_ARN, rawPrefix: raw, processedPrefix: processed, curatedPrefix: curated, queryResultsPrefix: results },
        (lake, role) => lake.grantReadLayer(role, layer));
      const prefix = { [DataLayer.RAW]: raw, [DataLayer.PROCESSED]: processed, [DataLayer.CURATED]: curated }[layer];
      expect(statements.find(s => asList(s.Action).includes('s3:GetObject')).Resource).toEqual(objectsArn(BUCKET, prefix));
      expect(statements.find(s => s.Action === 's3:ListBucket').Condition).toEqual({ StringLike: { 's3:prefix': [`${prefix}*`] } });
    }), { numRuns: 25 });
  });
});

describe('DataLakeStorage with a bucket of your own', () => {
  function brought(props: (s: Stack) => DataLakeStorageProps) {
    let storage!: DataLakeStorage;
    const result = synth(s => { storage = new DataLakeStorage(s, 'Storage', props(s)); });
    return { ...result, storage };
  }
  const teamBucket = (s: Stack, withKey = true) => s3.Bucket.fromBucketAttributes(s, 'TeamBucket', {
    bucketName: BUCKET, encryptionKey: withKey ? kms.Key.fromKeyArn(s, 'TeamKey', KEY_ARN) : undefined,
  });

  test('creates no data-lake bucket and no key; only the access-logs bucket', () => {
    const { template, storage, stack } = brought(s => ({ bucket: teamBucket(s) }));
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.resourceCountIs('AWS::S3::Bucket', 1);
    template.hasResourceProperties('AWS::S3::Bucket', { LifecycleConfiguration: { Rules: [{ Id: 'access-logs-expiry' }, { Id: 'noncurrent-versions-and-incomplete-uploads' }] } });
    expect(stack.resolve(storage.bucket.bucketName)).toBe(BUCKET);
    expect(stack.resolve(storage.encryptionKey.keyArn)).toBe(KEY_ARN);
    expect(stack.resolve(storage.queryResultsUri)).toBe(`s3://${BUCKET}/athena-results/`);
  });

  test('changes nothing on a bucket defined in the same app: no lifecycle rules, no deny statements', () => {
    const { template } = brought(s => {
      const key = new kms.Key(s, 'TeamKey', { enableKeyRotation: true });
      return { bucket: new s3.Bucket(s, 'TeamBucket', { encryption: s3.BucketEncryption.KMS, encryptionKey: key, enforceSSL: true }) };
    });
    const teamBucketResource = Object.entries(template.findResources('AWS::S3::Bucket')).find(([id]) => id.startsWith('TeamBucket'))![1] as any;
    expect(teamBucketResource.Properties.LifecycleConfiguration).toBeUndefined();
    expect(teamBucketResource.Properties.LoggingConfiguration).toBeUndefined();
    const sids = Object.values(template.findResources('AWS::S3::BucketPolicy'))
      .flatMap((policy: any) => policy.Properties.PolicyDocument.Statement.map((s: any) => s.Sid));
    expect(sids).not.toContain('DenyUploadsWithAnotherKmsKey');
    template.resourceCountIs('AWS::KMS::Key', 1);
  });

  test('a key given beside a bucket without one is the lake\'s key, in the grants too', () => {
    const { stack, template } = synth(s => {
      const storage = new DataLakeStorage(s, 'Storage', { bucket: teamBucket(s, false), encryptionKey: kms.Key.fromKeyArn(s, 'GivenKey', KEY_ARN) });
      storage.grantReadLayer(new iam.Role(s, 'Reader', { assumedBy: new iam.ServicePrincipal('glue.amazonaws.com') }), DataLayer.PROCESSED);
    });
    const statements = policyStatements(template).map(s => stack.resolve(s.statement));
    expect(statements).toEqual(expect.arrayContaining([
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: objectsArn(BUCKET, 'processed/') },
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: KEY_ARN },
    ]));
  });

  test.each<[keyof DataLakeStorageProps, Duration]>([
    ['queryResultsRetention', Duration.days(30)],
    ['rawInfrequentAccessAfter', Duration.days(45)],
    ['rawGlacierInstantRetrievalAfter', Duration.days(120)],
    ['processedInfrequentAccessAfter', Duration.days(60)],
    ['curatedInfrequentAccessAfter', Duration.days(200)],
    ['noncurrentTransitionAfter', Duration.days(10)],
    ['noncurrentExpiration', Duration.days(400)],
  ])('the lifecycle prop %s is refused with a brought bucket', (prop, value) => {
    const error = expectValidationError(() => brought(s => ({ bucket: teamBucket(s), [prop]: value })), prop,
      /must not be given with bucket: the construct sets no lifecycle rules on a bucket it does not create/);
    expect(error.message).toMatch(new RegExp(`^Test/Storage: ${prop} .*; got ${value.toDays()} days$`));
  });

  test('a brought bucket without a key, and no encryptionKey, is refused', () => {
    expectValidationError(() => brought(s => ({ bucket: teamBucket(s, false) })), 'encryptionKey', /is required with a bucket that has no encryptionKey/);
  });

  test('an encryptionKey other than the brought bucket\'s key is refused', () => {
    expectValidationError(() => brought(s => ({ bucket: teamBucket(s), encryptionKey: kms.Key.fromKeyArn(s, 'OtherKey', OTHER_KEY_ARN) })),
      'encryptionKey', /must be the key of bucket/);
    expectValidationError(() => brought(s => {
      const bucket = new s3.Bucket(s, 'TeamBucket', { encryptionKey: new kms.Key(s, 'TeamKey'), enforceSSL: true });
      return { bucket, encryptionKey: new kms.Key(s, 'SecondKey') };
    }), 'encryptionKey', /must be the key of bucket/);
  });

  test('the same key given twice is accepted', () => {
    const { storage, stack } = brought(s => {
      const bucket = teamBucket(s);
      return { bucket, encryptionKey: kms.Key.fromKeyArn(s, 'SameKey', KEY_ARN) };
    });
    expect(stack.resolve(storage.encryptionKey.keyArn)).toBe(KEY_ARN);
  });

  test('is clean in the AwsSolutions, NIST 800-53 R5 and HIPAA Security packs', () => {
    expect(formatFindings(complianceFindings(stack => { new DataLakeStorage(stack, 'Storage', { bucket: teamBucket(stack) }); }))).toBe('');
  });

  test('grants on a brought bucket are AwsSolutions clean', () => {
    const findings = nagFindings(stack => {
      const storage = new DataLakeStorage(stack, 'Storage', { bucket: teamBucket(stack) });
      storage.grantReadLayer(new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('glue.amazonaws.com') }), DataLayer.RAW);
    });
    expect(formatFindings(findings)).toBe('');
  });
});
