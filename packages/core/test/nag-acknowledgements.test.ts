import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { formatFindings, NagFinding, nagFindings, nagFindingsOfApp } from '@lakehouse-cdk/testing';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks } from 'cdk-nag';
import * as fc from 'fast-check';
import { NagAcknowledgements } from '../src';
import { acceptedByEveryAcknowledge } from '../src/private/nag-acknowledge';

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

describe('NagAcknowledgements.acknowledge', () => {
  const GLUE_POLICY = 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSGlueServiceRole]';
  const managedPolicyFindings = (acknowledge: (role: iam.Role) => void) => nagFindings(stack => {
    const role = new iam.Role(stack, 'Crawler', {
      assumedBy: new iam.ServicePrincipal('glue.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSGlueServiceRole')],
    });
    acknowledge(role);
  }).filter(f => f.rule.startsWith('AwsSolutions-IAM4'));

  test('acknowledges a finding whose id holds an ARN, which aws-cdk-lib before 2.269 refuses in acknowledge', () => {
    expect(managedPolicyFindings(() => {})).toHaveLength(1);
    expect(managedPolicyFindings(role => NagAcknowledgements.acknowledge(role, {
      id: GLUE_POLICY, reason: 'Crawlers write the catalog through the AWS managed Glue service policy.',
    }))).toEqual([]);
  });

  test('the rule id alone does not cover a finding: cdk-nag 3 matches exact finding ids', () => {
    const findings = managedPolicyFindings(role => NagAcknowledgements.acknowledge(role, { id: 'AwsSolutions-IAM4', reason: 'Too broad.' }));
    expect(findings.map(f => f.rule)).toEqual([GLUE_POLICY]);
  });

  test('acknowledges ids without an ARN through Validations.acknowledge', () => {
    const findings = nagFindings(stack => {
      const bucket = new s3.Bucket(stack, 'Logs', { enforceSSL: true });
      NagAcknowledgements.acknowledge(bucket, { id: 'AwsSolutions-S1', reason: 'This bucket receives the access logs.' });
    });
    expect(findings.filter(f => f.rule === 'AwsSolutions-S1')).toEqual([]);
  });

  test('records an id that holds an ARN exactly, with its reason, where cdk-nag writes its audit trail', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'lakehouse-cdk-test-')) });
    const stack = new Stack(app, 'Audit', { env: { account: '123456789012', region: 'eu-west-1' } });
    const role = new iam.Role(stack, 'Crawler', {
      assumedBy: new iam.ServicePrincipal('glue.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSGlueServiceRole')],
    });
    NagAcknowledgements.acknowledge(role, { id: GLUE_POLICY, reason: 'Crawlers need the AWS managed Glue service policy.' });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }));
    const template = app.synth().getStackByName('Audit').template;
    const roleResource = Object.values<any>(template.Resources).find(resource => resource.Type === 'AWS::IAM::Role');
    expect(roleResource.Metadata.cdk_nag.rules_to_suppress).toEqual([
      { id: GLUE_POLICY, reason: 'Crawlers need the AWS managed Glue service policy.' },
    ]);
  });
});

describe('ids that Validations.acknowledge takes on the workspace aws-cdk-lib, the supported floor', () => {
  const ids = fc.array(fc.constantFrom('AwsSolutions-IAM5', '[', ']', 'Resource', ':', '::', ':::', '<AWS::Partition>', 's3', '/*'), { minLength: 1, maxLength: 8 })
    .map(pieces => pieces.join(''));

  test('are exactly the ids the acknowledgements pass to it; the others go to the metadata directly', () => {
    fc.assert(fc.property(ids, id => {
      let accepted = true;
      try {
        Validations.of(new Stack()).acknowledge({ id, reason: 'why' });
      } catch {
        accepted = false;
      }
      expect(acceptedByEveryAcknowledge(id)).toBe(accepted);
    }), { numRuns: 300 });
  });
});

/** Synthesizes `build` with the AwsSolutions, NIST 800-53 R5 and HIPAA Security packs. */
function complianceFindings(build: (stack: Stack) => void): NagFinding[] {
  return nagFindings(stack => {
    const app = stack.node.root as App;
    Validations.of(app).addPlugins(new NIST80053R5Checks(app), new HIPAASecurityChecks(app));
    build(stack);
  });
}

describe('NagAcknowledgements.complianceRule', () => {
  const replicationFindings = (acknowledge: boolean) => complianceFindings(stack => {
    const bucket = new s3.Bucket(stack, 'Lake', { enforceSSL: true });
    if (acknowledge) NagAcknowledgements.complianceRule(bucket, 'S3BucketReplicationEnabled', 'A sandbox keeps one copy.');
  }).filter(f => f.rule.endsWith('S3BucketReplicationEnabled'));

  test('acknowledges the rule in the NIST 800-53 R5 and HIPAA Security packs', () => {
    expect(replicationFindings(false).map(f => f.rule).sort()).toEqual(['HIPAA.Security-S3BucketReplicationEnabled', 'NIST.800.53.R5-S3BucketReplicationEnabled']);
    expect(replicationFindings(true)).toEqual([]);
  });
});

describe('NagAcknowledgements.inlineDefaultPolicies', () => {
  const inlineFindings = (build: (stack: Stack) => void) => complianceFindings(build).filter(f => f.rule.endsWith('IAMNoInlinePolicy'));

  test('acknowledges the default policy of a role, also one made by a grant after the call', () => {
    const build = (acknowledge: boolean) => (stack: Stack) => {
      const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('glue.amazonaws.com') });
      if (acknowledge) NagAcknowledgements.inlineDefaultPolicies(stack);
      new s3.Bucket(stack, 'Lake', { enforceSSL: true }).grantRead(role, 'raw/data.csv');
    };
    expect(inlineFindings(build(false)).map(f => f.path)).toEqual(['Nag/Reader/DefaultPolicy/Resource', 'Nag/Reader/DefaultPolicy/Resource']);
    expect(inlineFindings(build(true))).toEqual([]);
  });

  test('leaves any other inline policy reported', () => {
    const findings = inlineFindings(stack => {
      const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('glue.amazonaws.com') });
      new iam.Policy(stack, 'Extra', { roles: [role], statements: [new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::lake/raw/data.csv'] })] });
      NagAcknowledgements.inlineDefaultPolicies(stack);
    });
    expect(findings.map(f => f.path)).toEqual(['Nag/Extra/Resource', 'Nag/Extra/Resource']);
  });
});

describe('NagAcknowledgements.guardWildcardResource', () => {
  const guarded = (extra?: string) => (stack: Stack) => {
    const role = new iam.Role(stack, 'Worker', { assumedBy: new iam.ServicePrincipal('glue.amazonaws.com') });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['logs:DescribeLogGroups'], resources: ['*'] }));
    if (extra) role.addToPolicy(new iam.PolicyStatement({ actions: [extra], resources: ['*'] }));
    NagAcknowledgements.guardWildcardResource(role, NagAcknowledgements.defaultPolicyOf(role)!.document, [
      { action: 'logs:DescribeLogGroups', reason: 'A list call that accepts no log-group resource.' },
    ]);
  };

  test('acknowledges Resource "*" for the allowed actions', () => {
    expect(wildcardFindings(nagFindings(guarded()))).toEqual([]);
  });

  test('fails the synth, naming the action, when another action gets Resource "*"', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'lakehouse-cdk-test-')) });
    guarded('s3:GetObject')(new Stack(app, 'Guarded', { env: ENV }));
    expect(() => app.synth()).toThrow(/Guarded\/Worker allows s3:GetObject on Resource "\*"; only logs:DescribeLogGroups may have Resource "\*"/);
  });
});
