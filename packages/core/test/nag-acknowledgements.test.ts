import { formatFindings, NagFinding, nagFindings, nagFindingsOfApp } from '@lakehouse-cdk/testing';
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { NagAcknowledgements } from '../src';

const ENV = { account: '123456789012', region: 'eu-west-1' };
const wildcardFindings = (findings: NagFinding[]) => findings.filter(f => f.rule.startsWith('AwsSolutions-IAM5'));

function readerRole(stack: Stack, bucket: s3.IBucket): iam.Role {
  const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('glue.amazonaws.com') });
  role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects('raw/*')] }));
  return role;
}

describe('NagAcknowledgements.wildcardResources', () => {
  test('the unacknowledged wildcard resource is reported (the test can fail)', () => {
    const findings = nagFindings(stack => { readerRole(stack, new s3.Bucket(stack, 'Lake')); });
    expect(wildcardFindings(findings)).toHaveLength(1);
  });

  test('acknowledges the finding of a wildcard resource of the same stack', () => {
    const findings = nagFindings(stack => {
      const bucket = new s3.Bucket(stack, 'Lake');
      const role = readerRole(stack, bucket);
      NagAcknowledgements.wildcardResources(role, [
        { resource: bucket.arnForObjects('raw/*'), reason: 'Objects under the raw/ prefix only.' },
        // No wildcard, so no finding: skipped without an acknowledgement.
        { resource: bucket.bucketArn, reason: 'unused' },
      ]);
    });
    expect(wildcardFindings(findings)).toEqual([]);
  });

  test('acknowledges only the resources it is given', () => {
    const findings = nagFindings(stack => {
      const bucket = new s3.Bucket(stack, 'Lake');
      const role = readerRole(stack, bucket);
      role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects('curated/*')] }));
      NagAcknowledgements.wildcardResources(role, [{ resource: bucket.arnForObjects('raw/*'), reason: 'Objects under raw/ only.' }]);
    });
    expect(wildcardFindings(findings)).toHaveLength(1);
  });

  test('names a bucket of another stack by its import, known only once references are resolved', () => {
    const crossStack = (acknowledge: boolean) => {
      const app = new App();
      const storage = new Stack(app, 'Storage', { env: ENV });
      const bucket = new s3.Bucket(storage, 'Lake');
      const catalog = new Stack(app, 'Catalog', { env: ENV });
      const role = readerRole(catalog, bucket);
      if (acknowledge) {
        NagAcknowledgements.grantWildcardResources(role, [{ resource: bucket.arnForObjects('raw/*'), reason: 'Objects under raw/ only.' }]);
      }
      return wildcardFindings(nagFindingsOfApp(app));
    };
    expect(crossStack(false)).toHaveLength(1);
    const findings = crossStack(true);
    expect(findings).toEqual([]);
  });
});

describe('NagAcknowledgements.grantWildcardResources', () => {
  test('acknowledges on the default policy the grant landed in', () => {
    let policy: iam.Policy | undefined;
    const findings = nagFindings(stack => {
      const bucket = new s3.Bucket(stack, 'Lake');
      const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
      bucket.grantRead(role, 'raw/*');
      policy = NagAcknowledgements.defaultPolicyOf(role);
      NagAcknowledgements.grantWildcardResources(role, [{ resource: bucket.arnForObjects('raw/*'), reason: 'Objects under raw/ only.' }]);
      NagAcknowledgements.wildcardActions(role, ['s3:GetObject*', 's3:GetBucket*', 's3:List*']
        .map(action => ({ action, reason: 'The read actions aws-cdk-lib grants for a bucket read.' })));
    });
    expect(policy).toBeInstanceOf(iam.Policy);
    expect(wildcardFindings(findings)).toEqual([]);
  });

  test('does nothing for a grantee without a default policy of this app', () => {
    const stack = new Stack();
    const imported = iam.Role.fromRoleArn(stack, 'Imported', 'arn:aws:iam::123456789012:role/analyst', { mutable: false });
    const unused = new iam.Role(stack, 'Unused', { assumedBy: new iam.AccountRootPrincipal() });
    expect(NagAcknowledgements.defaultPolicyOf(imported)).toBeUndefined();
    expect(NagAcknowledgements.defaultPolicyOf(unused)).toBeUndefined();
    expect(NagAcknowledgements.defaultPolicyOf(new iam.AccountRootPrincipal())).toBeUndefined();
    expect(() => NagAcknowledgements.grantWildcardResources(imported, [{ resource: '*', reason: 'why' }])).not.toThrow();
  });
});

describe('NagAcknowledgements.wildcardActions', () => {
  test('acknowledges each action finding it is given, and only those', () => {
    const build = (actions: string[]) => nagFindings(stack => {
      const role = new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal() });
      role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject*', 's3:List*'], resources: ['arn:aws:s3:::lake/raw/data.csv'] }));
      NagAcknowledgements.wildcardActions(role, actions.map(action => ({ action, reason: 'Read actions on one object.' })));
    });
    expect(wildcardFindings(build(['s3:GetObject*', 's3:List*']))).toEqual([]);
    const remaining = wildcardFindings(build(['s3:GetObject*']));
    expect(remaining).toHaveLength(1);
  });
});

describe('NagAcknowledgements.policyWildcards', () => {
  function handlerStack(stack: Stack, wildcards?: { actions?: string[]; resourceSuffixes?: string[] }): void {
    const bucket = new s3.Bucket(stack, 'Lake');
    const role = new iam.Role(stack, 'Handler', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject*', 's3:PutObject'], resources: [bucket.arnForObjects('*')] }));
    role.addToPolicy(new iam.PolicyStatement({ actions: ['logs:PutLogEvents'], resources: [`${stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: 'handler-*' })}`] }));
    role.addToPolicy(new iam.PolicyStatement({ effect: iam.Effect.DENY, actions: ['s3:Delete*'], resources: ['*'] }));
    if (wildcards) {
      NagAcknowledgements.policyWildcards(role, NagAcknowledgements.defaultPolicyOf(role)!, { ...wildcards, reason: 'aws-cdk-lib writes this policy for its handler.' });
    }
  }

  test('acknowledges the selected actions and the resources with the selected suffixes', () => {
    const before = wildcardFindings(nagFindings(stack => handlerStack(stack)));
    expect(before.length).toBeGreaterThan(0);
    const after = wildcardFindings(nagFindings(stack => handlerStack(stack, { actions: ['s3:GetObject*'], resourceSuffixes: ['/*'] })));
    // The log-group wildcard ends with neither suffix and stays reported.
    expect(after).toHaveLength(1);
    expect(formatFindings(after)).toContain('AwsSolutions-IAM5');
  });

  test('selects nothing by default', () => {
    const findings = wildcardFindings(nagFindings(stack => handlerStack(stack, {})));
    expect(findings).toHaveLength(wildcardFindings(nagFindings(stack => handlerStack(stack))).length);
  });
});
