import * as fs from 'fs';
import * as path from 'path';
import { DataLayer, Naming } from '@lakehouse-cdk/core';
import { asList, expectValidationError, formatFindings, nagFindings, policyStatements, synth } from '@lakehouse-cdk/testing';
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AnalyticsWorkgroup, AnalyticsWorkgroupProps } from '../src';
import { namedQuerySql } from '../src/private/named-query-sql';

const LAKE = 'lakehouse-sandbox-data-lake';
const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';
const QUERIES = path.join(__dirname, '..', 'queries');

const naming = () => new Naming({ project: 'lakehouse', environment: 'sandbox' });
const lake = (stack: Stack, name = LAKE) => s3.Bucket.fromBucketName(stack, `Bucket${name}`, name);
const key = (stack: Stack) => kms.Key.fromKeyArn(stack, 'LakeKey', KEY_ARN);

function build(props: Partial<AnalyticsWorkgroupProps> = {}, context: Record<string, unknown> = {}) {
  let workgroup!: AnalyticsWorkgroup;
  const result = synth(stack => {
    workgroup = new AnalyticsWorkgroup(stack, 'Analytics', { resultsBucket: lake(stack), databaseName: 'lakehouse_sandbox_catalog', ...props });
  }, context);
  return { ...result, workgroup };
}

function workGroupProps(template: Template): any {
  const [workGroup] = Object.values(template.findResources('AWS::Athena::WorkGroup')) as any[];
  return workGroup.Properties;
}

describe('defaults', () => {
  let template: Template;
  let workgroup: AnalyticsWorkgroup;
  beforeAll(() => {
    ({ template, workgroup } = build());
  });

  test('engine v3, enforced configuration, CloudWatch metrics and a 10 GiB cutoff', () => {
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      State: 'ENABLED',
      Description: 'Lakehouse analytics: Athena engine v3 over the lakehouse catalog',
      WorkGroupConfiguration: Match.objectLike({
        EnforceWorkGroupConfiguration: true,
        PublishCloudWatchMetricsEnabled: true,
        BytesScannedCutoffPerQuery: 10737418240,
        EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
      }),
    });
  });

  test('results go to athena-results/ in the bucket, encrypted with S3-managed keys when no key is given', () => {
    expect(workGroupProps(template).WorkGroupConfiguration.ResultConfiguration).toEqual({
      OutputLocation: `s3://${LAKE}/athena-results/`,
      EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
    });
    expect(workgroup.resultsLocation).toBe(`s3://${LAKE}/athena-results/`);
  });

  test('the workgroup is retained and refuses a recursive delete', () => {
    template.hasResource('AWS::Athena::WorkGroup', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(workGroupProps(template).RecursiveDeleteOption).toBe(false);
  });

  test('the name is derived from the construct path and the ARN names it', () => {
    expect(workgroup.workGroupName).toMatch(/^Test-Analytics-[A-Za-z0-9]+$/);
    expect(workGroupProps(template).Name).toBe(workgroup.workGroupName);
    expect(Stack.of(workgroup).resolve(workgroup.workGroupArn))
      .toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:athena:eu-west-1:123456789012:workgroup/${workgroup.workGroupName}`]] });
  });

  test('namedQueries false saves none, for a workgroup that only runs jobs', () => {
    const { template: jobs, workgroup: jobWorkgroup } = build({ namedQueries: false });
    jobs.resourceCountIs('AWS::Athena::NamedQuery', 0);
    jobs.resourceCountIs('AWS::Athena::WorkGroup', 1);
    expect(jobWorkgroup.namedQueryIds).toEqual([]);
  });

  test('four named queries in the workgroup and database, with the SQL of the package files', () => {
    const queries = Object.values(template.findResources('AWS::Athena::NamedQuery')).map((q: any) => q.Properties);
    expect(queries).toHaveLength(4);
    const [workGroupId] = Object.keys(template.findResources('AWS::Athena::WorkGroup'));
    for (const query of queries) {
      expect(query.Database).toBe('lakehouse_sandbox_catalog');
      expect(query.WorkGroup).toEqual({ Ref: workGroupId });
      expect(query.QueryString).not.toMatch(/\$\{/);
    }
    const byName = (name: string) => queries.find(q => q.Name === name)!.QueryString as string;
    const createSql = byName('Create Iceberg table in the curated layer');
    const expected = fs.readFileSync(path.join(QUERIES, 'create-iceberg-table.sql'), 'utf8')
      .replace('${database}', 'lakehouse_sandbox_catalog').replace('${table}', 'lakehouse_events')
      .replace('${location}', `s3://${LAKE}/curated/lakehouse_events/`).trim();
    expect(createSql).toBe(expected);
    expect(createSql).toContain("'table_type' = 'ICEBERG'");
    expect(byName('Iceberg time travel by timestamp')).toContain('FROM lakehouse_sandbox_catalog.lakehouse_events FOR TIMESTAMP AS OF');
    expect(byName('Iceberg time travel by snapshot')).toContain('FROM lakehouse_sandbox_catalog.lakehouse_events FOR VERSION AS OF');
    expect(byName('Iceberg snapshots')).toContain('lakehouse_sandbox_catalog."lakehouse_events$snapshots"');
    expect(workgroup.namedQueryIds).toHaveLength(4);
  });

  test('everything carries the analytics Layer tag', () => {
    template.hasResourceProperties('AWS::Athena::WorkGroup', { Tags: [{ Key: 'Layer', Value: 'analytics' }] });
  });
});

describe('props', () => {
  test('naming names the workgroup; an explicit workGroupName wins', () => {
    expect(workGroupProps(build({ naming: naming() }).template).Name).toBe('lakehouse-sandbox-workgroup');
    expect(workGroupProps(build({ naming: naming(), workGroupName: 'team.analytics' }).template).Name).toBe('team.analytics');
  });

  test('an encryption key makes the results SSE_KMS with that key', () => {
    const { template } = synth(stack => new AnalyticsWorkgroup(stack, 'A', { resultsBucket: lake(stack), databaseName: 'lake', encryptionKey: key(stack) }));
    expect(workGroupProps(template).WorkGroupConfiguration.ResultConfiguration.EncryptionConfiguration)
      .toEqual({ EncryptionOption: 'SSE_KMS', KmsKey: KEY_ARN });
  });

  test('results prefix, cutoff, description and table name are passed through', () => {
    const { template } = build({ resultsPrefix: 'query-results/team/', bytesScannedCutoffPerQuery: 10485760, description: 'Team queries', icebergTableName: 'clicks' });
    const props = workGroupProps(template);
    expect(props.WorkGroupConfiguration.ResultConfiguration.OutputLocation).toBe(`s3://${LAKE}/query-results/team/`);
    expect(props.WorkGroupConfiguration.BytesScannedCutoffPerQuery).toBe(10485760);
    expect(props.Description).toBe('Team queries');
    template.hasResourceProperties('AWS::Athena::NamedQuery', {
      QueryString: Match.stringLikeRegexp("CREATE TABLE IF NOT EXISTS lakehouse_sandbox_catalog.clicks[\\s\\S]*LOCATION 's3://lakehouse-sandbox-data-lake/curated/clicks/'"),
    });
  });

  test('the Iceberg location is in the data bucket when it differs from the results bucket', () => {
    const { template } = synth(stack => new AnalyticsWorkgroup(stack, 'A', { resultsBucket: lake(stack, 'results'), dataBucket: lake(stack), databaseName: 'lake' }));
    template.hasResourceProperties('AWS::Athena::NamedQuery', { QueryString: Match.stringLikeRegexp(`LOCATION 's3://${LAKE}/curated/lakehouse_events/'`) });
    expect(workGroupProps(template).WorkGroupConfiguration.ResultConfiguration.OutputLocation).toBe('s3://results/athena-results/');
  });

  test('an explicit RETAIN keeps the workgroup even when the app allows destroying data', () => {
    const { template } = build({ removalPolicy: RemovalPolicy.RETAIN }, { '@lakehouse-cdk/core:removeDataOnDestroy': true });
    template.hasResource('AWS::Athena::WorkGroup', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(workGroupProps(template).RecursiveDeleteOption).toBe(false);
  });

  test('queryableLayers and dataBucket left out: every layer of the results bucket is readable', () => {
    const { template } = synth(stack => {
      const workgroup = new AnalyticsWorkgroup(stack, 'A', { resultsBucket: lake(stack), databaseName: 'lake' });
      workgroup.grantRunQueries(new iam.Role(stack, 'Analyst', { assumedBy: new iam.AccountRootPrincipal() }));
    });
    const reads = policyStatements(template).map(s => s.statement).filter(s => s.Action === 's3:GetObject');
    expect(reads).toEqual([expect.objectContaining({
      Resource: ['raw/*', 'processed/*', 'curated/*'].map(p => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${LAKE}/${p}`]] })),
    })]);
  });

  test('DESTROY applies, with recursive delete, only with the context flag', () => {
    const kept = build({ removalPolicy: RemovalPolicy.DESTROY });
    kept.template.hasResource('AWS::Athena::WorkGroup', { DeletionPolicy: 'Retain' });
    const destroyed = build({ removalPolicy: RemovalPolicy.DESTROY }, { '@lakehouse-cdk/core:removeDataOnDestroy': true });
    destroyed.template.hasResource('AWS::Athena::WorkGroup', { DeletionPolicy: 'Delete' });
    expect(workGroupProps(destroyed.template).RecursiveDeleteOption).toBe(true);
  });
});

describe('grantRunQueries', () => {
  function granted(props: Partial<AnalyticsWorkgroupProps> = {}, separateData = false) {
    return synth(stack => {
      const workgroup = new AnalyticsWorkgroup(stack, 'Analytics', {
        resultsBucket: lake(stack, separateData ? 'results' : LAKE),
        dataBucket: separateData ? lake(stack) : undefined,
        databaseName: 'lake',
        encryptionKey: key(stack),
        naming: naming(),
        ...props,
      });
      workgroup.grantRunQueries(new iam.Role(stack, 'Analyst', { assumedBy: new iam.AccountRootPrincipal() }));
    }).template;
  }
  const arn = (service: string, resource: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:${service}:${resource}`]] });
  const s3Arn = (resource: string) => arn('s3', `::${resource}`);

  test('grants exactly the Athena, Glue, S3 and KMS actions on exact ARNs', () => {
    const statements = policyStatements(granted()).map(s => s.statement);
    expect(statements).toEqual(expect.arrayContaining([
      expect.objectContaining({
        Action: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StopQueryExecution',
          'athena:GetWorkGroup', 'athena:GetNamedQuery', 'athena:BatchGetNamedQuery', 'athena:ListNamedQueries'],
        Resource: arn('athena', 'eu-west-1:123456789012:workgroup/lakehouse-sandbox-workgroup'),
      }),
      expect.objectContaining({
        Action: ['glue:GetDatabase', 'glue:GetDatabases', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition'],
        Resource: [arn('glue', 'eu-west-1:123456789012:catalog'), arn('glue', 'eu-west-1:123456789012:database/lake'), arn('glue', 'eu-west-1:123456789012:table/lake/*')],
      }),
      expect.objectContaining({ Action: 's3:GetObject', Resource: ['raw/*', 'processed/*', 'curated/*'].map(p => s3Arn(`${LAKE}/${p}`)) }),
      expect.objectContaining({
        Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        Resource: s3Arn(`${LAKE}/athena-results/*`),
      }),
      expect.objectContaining({ Action: ['s3:GetBucketLocation', 's3:ListBucketMultipartUploads'], Resource: s3Arn(LAKE) }),
      expect.objectContaining({
        Action: 's3:ListBucket',
        Resource: s3Arn(LAKE),
        Condition: { StringLike: { 's3:prefix': ['raw/', 'raw/*', 'processed/', 'processed/*', 'curated/', 'curated/*', 'athena-results/', 'athena-results/*'] } },
      }),
      expect.objectContaining({ Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'], Resource: KEY_ARN }),
    ]));
    expect(statements).toHaveLength(7);
  });

  test('separate data and results buckets get separate list grants; queryableLayers limits the layers', () => {
    const statements = policyStatements(granted({ queryableLayers: [DataLayer.CURATED] }, true)).map(s => s.statement);
    const lists = statements.filter(s => s.Action === 's3:ListBucket');
    expect(lists).toEqual([
      expect.objectContaining({ Resource: s3Arn(LAKE), Condition: { StringLike: { 's3:prefix': ['curated/', 'curated/*'] } } }),
      expect.objectContaining({ Resource: s3Arn('results'), Condition: { StringLike: { 's3:prefix': ['athena-results/', 'athena-results/*'] } } }),
    ]);
    expect(JSON.stringify(statements)).not.toContain('/raw/');
  });

  test('without a workgroup key, results written with the results bucket key are granted on that key', () => {
    const { template } = synth(stack => {
      const resultsBucket = s3.Bucket.fromBucketAttributes(stack, 'Results', { bucketName: LAKE, encryptionKey: key(stack) });
      const workgroup = new AnalyticsWorkgroup(stack, 'A', { resultsBucket, databaseName: 'lake' });
      workgroup.grantRunQueries(new iam.Role(stack, 'Analyst', { assumedBy: new iam.AccountRootPrincipal() }));
    });
    const kmsStatements = policyStatements(template).map(s => s.statement).filter(s => asList(s.Action).some((a: any) => String(a).startsWith('kms:')));
    expect(kmsStatements).toEqual([expect.objectContaining({ Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'], Resource: KEY_ARN })]);
  });

  test('a data bucket with its own key adds decrypt on that key', () => {
    const dataKeyArn = 'arn:aws:kms:eu-west-1:123456789012:key/99999999-2222-3333-4444-555555555555';
    const { template } = synth(stack => {
      const dataBucket = s3.Bucket.fromBucketAttributes(stack, 'Data', { bucketName: LAKE, encryptionKey: kms.Key.fromKeyArn(stack, 'DataKey', dataKeyArn) });
      const workgroup = new AnalyticsWorkgroup(stack, 'A', { resultsBucket: lake(stack, 'results'), dataBucket, databaseName: 'lake' });
      workgroup.grantRunQueries(new iam.Role(stack, 'Analyst', { assumedBy: new iam.AccountRootPrincipal() }));
    });
    const kmsStatements = policyStatements(template).map(s => s.statement).filter(s => asList(s.Action).some((a: any) => String(a).startsWith('kms:')));
    expect(kmsStatements).toEqual([expect.objectContaining({ Action: 'kms:Decrypt', Resource: dataKeyArn })]);
  });
});

describe('validation', () => {
  const cases: Array<[string, Partial<AnalyticsWorkgroupProps>, string, RegExp]> = [
    ['cutoff under 10 MB', { bytesScannedCutoffPerQuery: 10485759 }, 'bytesScannedCutoffPerQuery', /at least 10485760 bytes/],
    ['fractional cutoff', { bytesScannedCutoffPerQuery: 20000000.5 }, 'bytesScannedCutoffPerQuery', /whole number/],
    ['results prefix without trailing slash', { resultsPrefix: 'athena-results' }, 'resultsPrefix', /each followed by "\/".*; got "athena-results"/],
    ['results prefix with leading slash', { resultsPrefix: '/athena-results/' }, 'resultsPrefix', /no leading "\/".*; got "\/athena-results\/"/],
    ['results prefix climbing out', { resultsPrefix: 'athena/../raw/' }, 'resultsPrefix', /no "\." or "\.\." segment.*; got "athena\/\.\.\/raw\/"/],
    ['results prefix with a wildcard', { resultsPrefix: 'a*/' }, 'resultsPrefix', /no wildcard such as "\*".*; got "a\*\/"/],
    ['invalid database name', { databaseName: 'Lake-House' }, 'databaseName', /lowercase/],
    ['database name starting with a digit', { databaseName: '1lake' }, 'databaseName', /not starting with a digit/],
    ['invalid table name', { icebergTableName: 'events;drop' }, 'icebergTableName', /lowercase/],
    ['invalid workgroup name', { workGroupName: 'my workgroup' }, 'workGroupName', /letters, digits/],
    ['workgroup name too long', { workGroupName: 'w'.repeat(129) }, 'workGroupName', /1 to 128/],
    ['no queryable layers', { queryableLayers: [] }, 'queryableLayers', /at least one/],
  ];
  test.each(cases)('%s is a named validation error', (_name, props, prop, rule) => {
    expectValidationError(() => build(props), prop, rule);
  });
});

describe('named query SQL', () => {
  test('a placeholder without a value is a plain error naming the file and the placeholder', () => {
    expect(() => namedQuerySql('create-iceberg-table.sql', { database: 'lake', table: 'events' }))
      .toThrow('queries/create-iceberg-table.sql uses the placeholder ${location}, which has no value');
  });

  test('every placeholder is replaced, wherever it appears', () => {
    const sql = namedQuerySql('time-travel-by-version.sql', { database: 'db_one', table: 'tbl_two', location: 's3://unused/' });
    expect(sql).toContain('db_one.tbl_two');
    expect(sql).not.toMatch(/\$\{/);
  });
});

describe('cdk-nag', () => {
  test('AwsSolutions finds nothing unacknowledged, with a key and a grant', () => {
    const findings = nagFindings(stack => {
      const workgroup = new AnalyticsWorkgroup(stack, 'Analytics', { resultsBucket: lake(stack), databaseName: 'lake', encryptionKey: key(stack), naming: naming() });
      workgroup.grantRunQueries(new iam.Role(stack, 'Analyst', { assumedBy: new iam.AccountRootPrincipal() }));
    });
    if (findings.length) throw new Error(formatFindings(findings));
    expect(findings).toEqual([]);
  });

  test('AwsSolutions finds nothing unacknowledged with buckets from another stack and the default encryption', () => {
    const findings = nagFindings(stack => {
      const storage = new Stack(stack.node.scope!, 'Storage', { env: { account: '123456789012', region: 'eu-west-1' } });
      const resultsBucket = new s3.Bucket(storage, 'Lake', { enforceSSL: true, serverAccessLogsPrefix: 'access/' });
      const workgroup = new AnalyticsWorkgroup(stack, 'Analytics', { resultsBucket, databaseName: 'lake' });
      workgroup.grantRunQueries(new iam.Role(stack, 'Analyst', { assumedBy: new iam.AccountRootPrincipal() }));
    });
    const mine = findings.filter(f => !f.path.startsWith('Storage/'));
    if (mine.length) throw new Error(formatFindings(mine));
    expect(mine).toEqual([]);
  });
});
