// A new TypeScript CDK app that installs only the core and storage layers,
// from the tarballs the registries get, and type-checks against them.
// Usage: node app.js <outdir>
import * as assert from 'assert';
import { DataLayer, Naming } from '@lakehouse-cdk/core';
import { DataLakeStorage } from '@lakehouse-cdk/storage';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';

const app = new App({ outdir: process.argv[2] });
const stack = new Stack(app, 'Lake', { env: { account: '123456789012', region: 'eu-west-1' } });
const storage = new DataLakeStorage(stack, 'Storage', {
  naming: new Naming({ project: 'consumer', environment: 'ts' }),
  rawInfrequentAccessAfter: Duration.days(45),
});
const analyst = new iam.Role(stack, 'Analyst', { assumedBy: new iam.AccountRootPrincipal() });
storage.grantReadLayer(analyst, DataLayer.CURATED);
app.synth();

const template = Template.fromStack(stack);
// The data lake is encrypted with a customer key that rotates.
template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
template.hasResourceProperties('AWS::S3::Bucket', {
  BucketName: 'consumer-ts-data-lake-123456789012-eu-west-1',
  BucketEncryption: {
    ServerSideEncryptionConfiguration: [Match.objectLike({
      ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StorageKey'), 'Arn'] } },
    })],
  },
  // The raw layer moves to Standard-IA after the days the app passed.
  LifecycleConfiguration: {
    Rules: Match.arrayWith([Match.objectLike({
      Prefix: 'raw/',
      Transitions: Match.arrayWith([{ StorageClass: 'STANDARD_IA', TransitionInDays: 45 }]),
    })]),
  },
});
// The grant reads the curated prefix only.
const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
assert.match(policies, /\/curated\/\*/);
assert.doesNotMatch(policies, /\/raw\/\*/);
console.log(`typescript consumer: ${stack.stackName} synthesized with ${Object.keys(template.toJSON().Resources).length} resources; customer key, lifecycle rules and the curated grant as expected`);
