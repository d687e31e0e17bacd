import { NagFinding, nagFindings, PolicyStatementOf, policyStatements as inlineStatements } from '@lakehouse-cdk/testing';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { HIPAASecurityChecks, NIST80053R5Checks } from 'cdk-nag';

export const BUCKET_NAME = 'lakehouse-sandbox-data-lake';
export const DATA_KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';

/** A data-lake bucket the team already has, encrypted with its own key. */
export function existingBucket(stack: Stack, withKey = true): s3.IBucket {
  return s3.Bucket.fromBucketAttributes(stack, 'ExistingLake', {
    bucketName: BUCKET_NAME,
    encryptionKey: withKey ? kms.Key.fromKeyArn(stack, 'ExistingLakeKey', DATA_KEY_ARN) : undefined,
  });
}

export function existingKey(stack: Stack): kms.IKey {
  return kms.Key.fromKeyArn(stack, 'BroughtKey', DATA_KEY_ARN);
}

/**
 * Every IAM statement of the template: those of inline and default policies
 * (`policyStatements`) and those of customer managed policies, such as the
 * crawler policy.
 */
export function policyStatements(template: Template): PolicyStatementOf[] {
  const result = [...inlineStatements(template)];
  for (const [id, policy] of Object.entries(template.findResources('AWS::IAM::ManagedPolicy'))) {
    for (const statement of (policy as any).Properties.PolicyDocument.Statement) {
      result.push({ policy: id, statement });
    }
  }
  return result;
}

/** Synthesizes `build` with the AwsSolutions, NIST 800-53 R5 and HIPAA Security packs. */
export function complianceFindings(build: (stack: Stack) => void): NagFinding[] {
  return nagFindings(stack => {
    const app = stack.node.root as App;
    Validations.of(app).addPlugins(new NIST80053R5Checks(app), new HIPAASecurityChecks(app));
    build(stack);
  });
}
