import { NagFinding, nagFindings } from '@lakehouse-cdk/testing';
import { App, AppProps, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { HIPAASecurityChecks, NIST80053R5Checks } from 'cdk-nag';

/** The lifecycle rule with `id` of the bucket whose logical id starts with `prefix`. */
export function lifecycleRule(template: Template, bucketIdPrefix: string, ruleId: string): any {
  const bucket = bucketByPrefix(template, bucketIdPrefix);
  return bucket.Properties.LifecycleConfiguration.Rules.find((rule: any) => rule.Id === ruleId);
}

export function bucketByPrefix(template: Template, bucketIdPrefix: string): any {
  const buckets = template.findResources('AWS::S3::Bucket');
  const id = Object.keys(buckets).find(key => key.startsWith(bucketIdPrefix));
  if (!id) throw new Error(`no bucket ${bucketIdPrefix} in ${Object.keys(buckets).join(', ')}`);
  return buckets[id];
}

/** Every bucket is versioned, encrypted, private, SSL-only and has lifecycle rules. */
export function expectEveryBucketSecure(template: Template): void {
  const buckets = template.findResources('AWS::S3::Bucket');
  const policies = Object.values(template.findResources('AWS::S3::BucketPolicy'));
  expect(Object.keys(buckets).length).toBeGreaterThan(0);
  for (const [id, bucket] of Object.entries(buckets)) {
    const props = (bucket as any).Properties;
    expect(props.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    const algorithm = props.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm;
    expect(['aws:kms', 'AES256']).toContain(algorithm);
    expect(props.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true,
    });
    expect(props.LifecycleConfiguration.Rules.length).toBeGreaterThan(0);
    const policy = policies.find((p: any) => p.Properties.Bucket.Ref === id) as any;
    expect(policy).toBeDefined();
    const denyInsecure = policy.Properties.PolicyDocument.Statement.find((s: any) =>
      s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false');
    expect(denyInsecure).toBeDefined();
  }
}

/**
 * Synthesizes `build` with the AwsSolutions, NIST 800-53 R5 and HIPAA
 * Security packs and returns the unacknowledged findings.
 */
export function complianceFindings(build: (stack: Stack) => void, appProps: AppProps = {}): NagFinding[] {
  return nagFindings(stack => {
    const app = stack.node.root as App;
    Validations.of(app).addPlugins(new NIST80053R5Checks(app), new HIPAASecurityChecks(app));
    build(stack);
  }, appProps);
}
