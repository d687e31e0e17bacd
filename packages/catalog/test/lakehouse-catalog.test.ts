import { DataLayer, DataLayers, Naming } from '@lakehouse-cdk/core';
import { asList, expectValidationError, formatFindings, nagFindings, synth } from '@lakehouse-cdk/testing';
import { App, Annotations as CoreAnnotations, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { BUCKET_NAME, DATA_KEY_ARN, existingBucket, existingKey, policyStatements, complianceFindings } from './fixtures';
import { CRAWLER_LOG_KEY_WARNING, LakehouseCatalog, LakehouseCatalogProps, RecrawlBehavior, SchemaDeleteBehavior, SchemaUpdateBehavior } from '../src';

const naming = () => new Naming({ project: 'lakehouse', environment: 'sandbox' });

function build(props: Partial<LakehouseCatalogProps> = {}, context: Record<string, unknown> = {}) {
  let catalog!: LakehouseCatalog;
  const result = synth(stack => {
    catalog = new LakehouseCatalog(stack, 'Catalog', { bucket: existingBucket(stack), ...props });
  }, context);
  return { ...result, catalog };
}

function crawlerOf(template: Template, pathFragment: string): any {
  const crawlers = Object.values(template.findResources('AWS::Glue::Crawler')) as any[];
  const found = crawlers.find(c => JSON.stringify(c.Properties.Targets).includes(pathFragment));
  if (!found) throw new Error(`no crawler targets ${pathFragment}`);
  return found.Properties;
}

describe('defaults', () => {
  let template: Template;
  let catalog: LakehouseCatalog;
  let stack: Stack;
  beforeAll(() => {
    ({ template, catalog, stack } = build());
  });

  test('one Glue database, named after the construct path, with the default description and no location', () => {
    template.resourceCountIs('AWS::Glue::Database', 1);
    template.hasResourceProperties('AWS::Glue::Database', {
      CatalogId: '123456789012',
      DatabaseInput: {
        Name: Match.stringLikeRegexp('^test_catalog_[a-z0-9]{8}$'),
        Description: 'Lakehouse catalog: raw, processed and curated data layers',
        LocationUri: Match.absent(),
      },
    });
    const [database] = Object.values(template.findResources('AWS::Glue::Database')) as any[];
    expect(catalog.databaseName).toBe(database.Properties.DatabaseInput.Name);
  });

  test('the Glue database is retained when the stack is deleted or the database replaced', () => {
    template.hasResource('AWS::Glue::Database', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  test('one crawler per layer, each targeting exactly its own prefix', () => {
    template.resourceCountIs('AWS::Glue::Crawler', 3);
    expect(crawlerOf(template, '/raw/').Targets).toEqual({ S3Targets: [{ Path: `s3://${BUCKET_NAME}/raw/` }] });
    expect(crawlerOf(template, '/processed/').Targets).toEqual({ S3Targets: [{ Path: `s3://${BUCKET_NAME}/processed/` }] });
    expect(crawlerOf(template, '/curated/').Targets).toEqual({
      IcebergTargets: [{ Paths: [`s3://${BUCKET_NAME}/curated/`], MaximumTraversalDepth: 10 }],
    });
  });

  test('raw and processed crawlers update schemas, log deletions and crawl everything', () => {
    for (const layer of ['raw', 'processed']) {
      const crawler = crawlerOf(template, `/${layer}/`);
      expect(crawler.SchemaChangePolicy).toEqual({ UpdateBehavior: 'UPDATE_IN_DATABASE', DeleteBehavior: 'LOG' });
      expect(crawler.RecrawlPolicy).toEqual({ RecrawlBehavior: 'CRAWL_EVERYTHING' });
      expect(JSON.parse(crawler.Configuration)).toEqual({ Version: 1, Grouping: { TableLevelConfiguration: 3 } });
      expect(crawler.TablePrefix).toBe(`${layer}_`);
    }
  });

  test('the curated crawler keeps dbt table names and has no grouping', () => {
    const curated = crawlerOf(template, '/curated/');
    expect(curated.TablePrefix).toBeUndefined();
    expect(JSON.parse(curated.Configuration)).toEqual({ Version: 1 });
    expect(curated.SchemaChangePolicy).toEqual({ UpdateBehavior: 'UPDATE_IN_DATABASE', DeleteBehavior: 'LOG' });
  });

  test('no crawler has a schedule, and every crawler writes to the database with the security configuration', () => {
    const securityConfigurations = template.findResources('AWS::Glue::SecurityConfiguration');
    const [securityId] = Object.keys(securityConfigurations);
    const [databaseId] = Object.keys(template.findResources('AWS::Glue::Database'));
    for (const crawler of Object.values(template.findResources('AWS::Glue::Crawler')) as any[]) {
      expect(crawler.Properties.Schedule).toBeUndefined();
      expect(crawler.Properties.DatabaseName).toEqual({ Ref: databaseId });
      expect(crawler.Properties.CrawlerSecurityConfiguration).toEqual({ Ref: securityId });
      expect(crawler.Properties.Name).toBeUndefined();
    }
  });

  test('the security configuration encrypts logs, bookmarks and S3 output with a key the construct creates', () => {
    const [keyId] = Object.keys(template.findResources('AWS::KMS::Key'));
    const keyArn = { 'Fn::GetAtt': [keyId, 'Arn'] };
    template.hasResourceProperties('AWS::Glue::SecurityConfiguration', {
      EncryptionConfiguration: {
        CloudWatchEncryption: { CloudWatchEncryptionMode: 'SSE-KMS', KmsKeyArn: keyArn },
        JobBookmarksEncryption: { JobBookmarksEncryptionMode: 'CSE-KMS', KmsKeyArn: keyArn },
        S3Encryptions: [{ S3EncryptionMode: 'SSE-KMS', KmsKeyArn: keyArn }],
      },
    });
  });

  test('the created key rotates, is retained and lets CloudWatch Logs use it for the crawler log group only', () => {
    const [roleId] = Object.keys(template.findResources('AWS::IAM::Role'));
    template.hasResource('AWS::KMS::Key', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        EnableKeyRotation: true,
        KeyPolicy: {
          Statement: Match.arrayWith([Match.objectLike({
            Principal: { Service: 'logs.eu-west-1.amazonaws.com' },
            Condition: { ArnEquals: { 'kms:EncryptionContext:aws:logs:arn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' },
              ':logs:eu-west-1:123456789012:log-group:/aws-glue/crawlers-role/', { Ref: roleId }, `-${catalog.securityConfigurationName}`]] } } },
          })]),
        },
      }),
    });
    expect(stack.resolve(catalog.crawlerLogGroupName)).toEqual({ 'Fn::Join': ['', ['/aws-glue/crawlers-role/', { Ref: roleId }, `-${catalog.securityConfigurationName}`]] });
  });

  test('the crawler role is assumed by Glue, for this account and region only, and has no AWS managed policy', () => {
    const [role] = Object.values(template.findResources('AWS::IAM::Role')) as any[];
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([{
      Action: 'sts:AssumeRole',
      Effect: 'Allow',
      Principal: { Service: 'glue.amazonaws.com' },
      Condition: {
        StringEqualsIfExists: { 'aws:SourceAccount': '123456789012' },
        ArnLikeIfExists: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':glue:eu-west-1:123456789012:*']] } },
      },
    }]);
    const [policy] = Object.values(template.findResources('AWS::IAM::ManagedPolicy')) as any[];
    expect(policy.Properties.Roles).toEqual([{ Ref: Object.keys(template.findResources('AWS::IAM::Role'))[0] }]);
  });

  test('the crawler role reads exactly the crawled prefixes, writes this database and its log group, decrypts with the bucket key and nothing else', () => {
    const statements = policyStatements(template).map(s => s.statement);
    const byAction = (action: string) => statements.filter(s => asList(s.Action).includes(action));
    const arn = (rest: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]] });
    expect(byAction('s3:GetObject')).toHaveLength(1);
    expect(byAction('s3:GetObject')[0].Resource.map((r: any) => Stack.of(catalog).resolve(r)))
      .toEqual(['raw/', 'processed/', 'curated/'].map(p => arn(`:s3:::${BUCKET_NAME}/${p}*`)));
    expect(byAction('s3:ListBucket')[0].Condition).toEqual({
      StringLike: { 's3:prefix': ['raw/', 'raw/*', 'processed/', 'processed/*', 'curated/', 'curated/*'] },
    });
    const [roleId] = Object.keys(template.findResources('AWS::IAM::Role'));
    const logGroup = ['arn:', { Ref: 'AWS::Partition' }, ':logs:eu-west-1:123456789012:log-group:/aws-glue/crawlers-role/', { Ref: roleId }, `-${catalog.securityConfigurationName}`];
    expect(byAction('logs:PutLogEvents')).toEqual([expect.objectContaining({
      Action: ['logs:CreateLogGroup', 'logs:AssociateKmsKey', 'logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: [{ 'Fn::Join': ['', logGroup] }, { 'Fn::Join': ['', [...logGroup.slice(0, -1), `${logGroup[logGroup.length - 1]}:log-stream:*`]] }],
    })]);
    // The raw and processed crawlers create tables named with their prefixes; the curated one keeps dbt's names.
    expect(byAction('glue:CreateTable')).toEqual([expect.objectContaining({
      Resource: [arn(':glue:eu-west-1:123456789012:catalog'), arn(`:glue:eu-west-1:123456789012:database/${catalog.databaseName}`),
        arn(`:glue:eu-west-1:123456789012:table/${catalog.databaseName}/raw_*`), arn(`:glue:eu-west-1:123456789012:table/${catalog.databaseName}/processed_*`),
        arn(`:glue:eu-west-1:123456789012:table/${catalog.databaseName}/*`)],
    })]);
    expect(byAction('glue:DeleteTable')).toEqual([]);
    expect(byAction('glue:GetSecurityConfiguration')).toEqual([expect.objectContaining({ Action: 'glue:GetSecurityConfiguration', Resource: '*' })]);
    expect(byAction('kms:Decrypt').flatMap(s => asList(s.Resource))).toContain(DATA_KEY_ARN);
    const actions = new Set(statements.flatMap(s => asList(s.Action)));
    expect([...actions].filter(action => !String(action).startsWith('glue:')).sort()).toEqual(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey',
      'logs:AssociateKmsKey', 'logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 's3:GetBucketLocation', 's3:GetObject', 's3:ListBucket']);
    expect([...actions].some(action => String(action).includes('*'))).toBe(false);
  });

  test('a delete behaviour that deletes tables adds the delete actions, on the same tables only', () => {
    const { template: deleting } = build({ schemaDeleteBehavior: SchemaDeleteBehavior.DELETE_FROM_DATABASE });
    const statements = policyStatements(deleting).map(s => s.statement).filter(s => asList(s.Action).includes('glue:DeleteTable'));
    expect(statements).toHaveLength(1);
    expect(asList(statements[0].Action)).toEqual(expect.arrayContaining(['glue:BatchDeleteTable', 'glue:DeletePartition', 'glue:BatchDeletePartition']));
    expect(JSON.stringify(statements[0].Resource)).toContain('/processed_*');
  });

  test('every resource carries the catalog Layer tag', () => {
    template.hasResourceProperties('AWS::IAM::Role', { Tags: Match.arrayWith([{ Key: 'Layer', Value: 'catalog' }]) });
    template.hasResourceProperties('AWS::KMS::Key', { Tags: Match.arrayWith([{ Key: 'Layer', Value: 'catalog' }]) });
    for (const crawler of Object.values(template.findResources('AWS::Glue::Crawler')) as any[]) {
      expect(crawler.Properties.Tags).toEqual({ Layer: 'catalog' });
    }
  });

  test('without naming, CloudFormation names the role and the security configuration gets a unique name', () => {
    template.hasResourceProperties('AWS::IAM::Role', { RoleName: Match.absent() });
    template.hasResourceProperties('AWS::Glue::SecurityConfiguration', { Name: Match.stringLikeRegexp('^Test-Catalog-[A-Za-z0-9]{8}-crawler-security$') });
    const [security] = Object.values(template.findResources('AWS::Glue::SecurityConfiguration')) as any[];
    expect(catalog.securityConfigurationName).toBe(security.Properties.Name);
  });

  test('exposes the key, the role and the crawled prefixes of the defaults', () => {
    const [keyId] = Object.keys(template.findResources('AWS::KMS::Key'));
    const [roleId] = Object.keys(template.findResources('AWS::IAM::Role'));
    expect(stack.resolve(catalog.encryptionKey.keyArn)).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    expect(stack.resolve(catalog.crawlerRole.roleArn)).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
    expect(DataLayers.ALL.map(layer => catalog.crawledPrefix(layer))).toEqual(['raw/', 'processed/', 'curated/']);
  });

  test('exposes the database and crawler ARNs', () => {
    const resolve = (value: string) => Stack.of(catalog).resolve(value);
    expect(resolve(catalog.databaseArn)).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:glue:eu-west-1:123456789012:database/${catalog.databaseName}`]] });
    expect(resolve(catalog.catalogArn)).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':glue:eu-west-1:123456789012:catalog']] });
    expect(resolve(catalog.tableArnPattern)).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:glue:eu-west-1:123456789012:table/${catalog.databaseName}/*`]] });
    const rawCrawlerArn = JSON.stringify(resolve(catalog.crawlerArn(DataLayer.RAW)));
    expect(rawCrawlerArn).toContain(':glue:eu-west-1:123456789012:crawler/');
    expect(resolve(catalog.crawlerName(DataLayer.RAW))).toEqual({ Ref: expect.stringMatching(/RawCrawler/) });
    expect(catalog.crawledPrefix(DataLayer.PROCESSED)).toBe('processed/');
    expect(catalog.crawledLayers).toEqual([DataLayer.RAW, DataLayer.PROCESSED, DataLayer.CURATED]);
  });
});

describe('props', () => {
  test('naming names the database, crawlers, role and security configuration', () => {
    const { template, catalog } = build({ naming: naming() });
    expect(catalog.databaseName).toBe('lakehouse_sandbox_catalog');
    template.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: Match.objectLike({ Name: 'lakehouse_sandbox_catalog' }) });
    for (const layer of ['raw', 'processed', 'curated']) {
      template.hasResourceProperties('AWS::Glue::Crawler', { Name: `lakehouse-sandbox-${layer}-crawler` });
    }
    template.hasResourceProperties('AWS::IAM::Role', { RoleName: 'lakehouse-sandbox-catalog-crawler' });
    template.hasResourceProperties('AWS::Glue::SecurityConfiguration', { Name: 'lakehouse-sandbox-catalog-crawler-security' });
    expect(Stack.of(catalog).resolve(catalog.crawlerArn(DataLayer.CURATED)))
      .toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':glue:eu-west-1:123456789012:crawler/', { Ref: expect.any(String) }]] });
  });

  test('an explicit databaseName wins, with description and location', () => {
    const { template } = build({ naming: naming(), databaseName: 'team_lake', databaseDescription: 'Team lake', locationUri: 's3://team-lake/curated/' });
    template.hasResourceProperties('AWS::Glue::Database', {
      DatabaseInput: { Name: 'team_lake', Description: 'Team lake', LocationUri: 's3://team-lake/curated/' },
    });
  });

  test('layers limits the crawlers, and the role reads only their prefixes', () => {
    const { template, catalog } = build({ layers: [DataLayer.CURATED] });
    template.resourceCountIs('AWS::Glue::Crawler', 1);
    const statements = policyStatements(template).map(s => s.statement);
    const resources = JSON.stringify(statements.map(s => s.Resource));
    expect(resources).toContain('/curated/*');
    expect(resources).not.toContain('/raw/');
    expect(() => catalog.crawlerName(DataLayer.RAW)).toThrow(/layer .*has no crawler/);
  });

  test('crawler options set prefix, schedule and table prefix', () => {
    const { template } = build({
      crawlerOptions: [
        { layer: DataLayer.RAW, prefix: 'raw/events/', schedule: 'cron(0 2 * * ? *)', tablePrefix: 'landing_' },
        { layer: DataLayer.CURATED, tablePrefix: 'marts_', schedule: 'cron(30 4 ? * MON-FRI *)' },
      ],
    });
    const raw = crawlerOf(template, '/raw/');
    expect(raw.Targets.S3Targets[0].Path).toBe(`s3://${BUCKET_NAME}/raw/events/`);
    expect(raw.Schedule).toEqual({ ScheduleExpression: 'cron(0 2 * * ? *)' });
    expect(raw.TablePrefix).toBe('landing_');
    const curated = crawlerOf(template, '/curated/');
    expect(curated.TablePrefix).toBe('marts_');
    expect(curated.Schedule).toEqual({ ScheduleExpression: 'cron(30 4 ? * MON-FRI *)' });
    const statements = policyStatements(template).map(s => s.statement);
    const list = statements.find(s => asList(s.Action).includes('s3:ListBucket'));
    expect(list.Condition.StringLike['s3:prefix']).toEqual(['raw/events/', 'raw/events/*', 'processed/', 'processed/*', 'curated/', 'curated/*']);
    const read = statements.find(s => asList(s.Action).includes('s3:GetObject'));
    expect(asList(read.Resource)[0]).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${BUCKET_NAME}/raw/events/*`]] });
  });

  test('a curated-only catalog accepts any table level from 1 to 10 (no crawler groups by it)', () => {
    const { template } = build({ layers: [DataLayer.CURATED], tableLevel: 1 });
    expect(JSON.parse(crawlerOf(template, '/curated/').Configuration)).toEqual({ Version: 1 });
  });

  test('options that leave tablePrefix and schedule out keep their defaults', () => {
    const { template } = build({ crawlerOptions: [{ layer: DataLayer.PROCESSED, prefix: 'processed/orders/' }, { layer: DataLayer.CURATED, prefix: 'curated/marts/' }] });
    const processed = crawlerOf(template, '/processed/');
    expect(processed.Targets).toEqual({ S3Targets: [{ Path: `s3://${BUCKET_NAME}/processed/orders/` }] });
    expect(processed.TablePrefix).toBe('processed_');
    expect(processed.Schedule).toBeUndefined();
    const curated = crawlerOf(template, '/curated/');
    expect(curated.TablePrefix).toBeUndefined();
    expect(curated.Targets).toEqual({ IcebergTargets: [{ Paths: [`s3://${BUCKET_NAME}/curated/marts/`], MaximumTraversalDepth: 10 }] });
  });

  test('schema change, recrawl and table level props reach the raw and processed crawlers', () => {
    const { template } = build({
      schemaUpdateBehavior: SchemaUpdateBehavior.LOG,
      schemaDeleteBehavior: SchemaDeleteBehavior.LOG,
      recrawlBehavior: RecrawlBehavior.CRAWL_NEW_FOLDERS_ONLY,
      tableLevel: 4,
      icebergTraversalDepth: 5,
    });
    const raw = crawlerOf(template, '/raw/');
    expect(raw.SchemaChangePolicy).toEqual({ UpdateBehavior: 'LOG', DeleteBehavior: 'LOG' });
    expect(raw.RecrawlPolicy).toEqual({ RecrawlBehavior: 'CRAWL_NEW_FOLDERS_ONLY' });
    expect(JSON.parse(raw.Configuration).Grouping.TableLevelConfiguration).toBe(4);
    const processed = crawlerOf(template, '/processed/');
    expect(processed.SchemaChangePolicy).toEqual({ UpdateBehavior: 'LOG', DeleteBehavior: 'LOG' });
    expect(processed.RecrawlPolicy).toEqual({ RecrawlBehavior: 'CRAWL_NEW_FOLDERS_ONLY' });
    expect(JSON.parse(processed.Configuration).Grouping.TableLevelConfiguration).toBe(4);
    const curated = crawlerOf(template, '/curated/');
    expect(curated.RecrawlPolicy).toEqual({ RecrawlBehavior: 'CRAWL_EVERYTHING' });
    expect(curated.SchemaChangePolicy).toEqual({ UpdateBehavior: 'UPDATE_IN_DATABASE', DeleteBehavior: 'LOG' });
    expect(JSON.parse(curated.Configuration)).toEqual({ Version: 1 });
    expect(curated.Targets.IcebergTargets[0].MaximumTraversalDepth).toBe(5);
  });

  test('delete behaviour DELETE_FROM_DATABASE is passed through', () => {
    const { template } = build({ schemaDeleteBehavior: SchemaDeleteBehavior.DELETE_FROM_DATABASE });
    expect(crawlerOf(template, '/processed/').SchemaChangePolicy.DeleteBehavior).toBe('DELETE_FROM_DATABASE');
  });

  test('a brought key is used by the security configuration and no key is created', () => {
    const { template } = synth(stack => new LakehouseCatalog(stack, 'Catalog', { bucket: existingBucket(stack, false), encryptionKey: existingKey(stack) }));
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.hasResourceProperties('AWS::Glue::SecurityConfiguration', {
      EncryptionConfiguration: Match.objectLike({ CloudWatchEncryption: { CloudWatchEncryptionMode: 'SSE-KMS', KmsKeyArn: DATA_KEY_ARN } }),
    });
    const decrypt = policyStatements(template).map(s => s.statement).filter(s => asList(s.Action).includes('kms:Decrypt'));
    expect(decrypt.flatMap(s => asList(s.Resource))).toEqual([DATA_KEY_ARN]);
  });

  test('a brought key and a bucket with another key: the role decrypts with both', () => {
    const bucketKeyArn = 'arn:aws:kms:eu-west-1:123456789012:key/99999999-2222-3333-4444-555555555555';
    const { template } = synth(stack => new LakehouseCatalog(stack, 'Catalog', {
      bucket: s3.Bucket.fromBucketAttributes(stack, 'Lake', { bucketName: BUCKET_NAME, encryptionKey: kms.Key.fromKeyArn(stack, 'LakeKey', bucketKeyArn) }),
      encryptionKey: existingKey(stack),
    }));
    const statements = policyStatements(template).map(s => s.statement);
    expect(statements).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'], Resource: DATA_KEY_ARN }),
      expect.objectContaining({ Action: 'kms:Decrypt', Resource: bucketKeyArn }),
    ]));
  });

  test('every crawler is created after its role and its policy', () => {
    const { template } = build();
    const [policyId] = Object.keys(template.findResources('AWS::IAM::ManagedPolicy'));
    expect(policyId).toBeDefined();
    for (const crawler of Object.values(template.findResources('AWS::Glue::Crawler')) as any[]) {
      expect(crawler.DependsOn).toEqual(expect.arrayContaining([policyId, expect.stringMatching(/CrawlerRole/)]));
    }
  });

  test('an unencrypted bucket gets no data-key grant', () => {
    const { template } = synth(stack => new LakehouseCatalog(stack, 'Catalog', { bucket: existingBucket(stack, false) }));
    const keyResources = policyStatements(template).map(s => s.statement)
      .filter(s => asList(s.Action).some((a: any) => String(a).startsWith('kms:')))
      .flatMap(s => asList(s.Resource));
    expect(keyResources).not.toContain(DATA_KEY_ARN);
  });

  test('removalPolicy DESTROY destroys the database and the created key only with the context flag', () => {
    const kept = build({ removalPolicy: RemovalPolicy.DESTROY });
    kept.template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
    kept.template.hasResource('AWS::Glue::Database', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    const warnings = Annotations.fromStack(kept.stack).findWarning('*', Match.stringLikeRegexp('removalPolicy DESTROY was requested'));
    expect(warnings).toHaveLength(1);
    const destroyed = build({ removalPolicy: RemovalPolicy.DESTROY }, { '@lakehouse-cdk/core:removeDataOnDestroy': true });
    destroyed.template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
    destroyed.template.hasResource('AWS::Glue::Database', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
  });

  test('removalPolicy also keeps the database when the key is brought', () => {
    const { template } = synth(stack => new LakehouseCatalog(stack, 'Catalog', {
      bucket: existingBucket(stack), encryptionKey: existingKey(stack), removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    }));
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.hasResource('AWS::Glue::Database', { DeletionPolicy: 'RetainExceptOnCreate', UpdateReplacePolicy: 'Retain' });
  });
});

describe('grants', () => {
  test('grantStartCrawler allows StartCrawler and GetCrawler on that crawler only', () => {
    const { template } = synth(stack => {
      const catalog = new LakehouseCatalog(stack, 'Catalog', { bucket: existingBucket(stack), naming: naming() });
      const pipeline = new iam.Role(stack, 'Pipeline', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });
      catalog.grantStartCrawler(pipeline, DataLayer.RAW);
    });
    const [rawId] = Object.entries(template.findResources('AWS::Glue::Crawler'))
      .find(([, c]: [string, any]) => c.Properties.Name === 'lakehouse-sandbox-raw-crawler')!;
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Pipeline') }],
      PolicyDocument: {
        Statement: [{
          Effect: 'Allow',
          Action: ['glue:StartCrawler', 'glue:GetCrawler'],
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':glue:eu-west-1:123456789012:crawler/', { Ref: rawId }]] },
        }],
      },
    });
  });

  test('grantReadCatalog allows reading the catalog, the database and its tables only', () => {
    const { template } = synth(stack => {
      const catalog = new LakehouseCatalog(stack, 'Catalog', { bucket: existingBucket(stack), databaseName: 'lake' });
      catalog.grantReadCatalog(new iam.Role(stack, 'Analyst', { assumedBy: new iam.AccountRootPrincipal() }));
    });
    const arn = (resource: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:glue:eu-west-1:123456789012:${resource}`]] });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Analyst') }],
      PolicyDocument: {
        Statement: [{
          Effect: 'Allow',
          Action: ['glue:GetDatabase', 'glue:GetDatabases', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition'],
          Resource: [arn('catalog'), arn('database/lake'), arn('table/lake/*')],
        }],
      },
    });
  });
});

describe('validation', () => {
  const cases: Array<[string, Partial<LakehouseCatalogProps>, string, RegExp]> = [
    ['invalid database name', { databaseName: 'Lake-House' }, 'databaseName', /lowercase letters, digits and underscores/],
    ['database name too long', { databaseName: 'a'.repeat(256) }, 'databaseName', /1 to 255/],
    ['location not in S3', { locationUri: 'https://example.com/lake' }, 'locationUri', /s3:\/\//],
    ['no layers', { layers: [] }, 'layers', /at least one/],
    ['repeated layer', { layers: [DataLayer.RAW, DataLayer.RAW] }, 'layers', /at most once/],
    ['options for an uncrawled layer', { layers: [DataLayer.RAW], crawlerOptions: [{ layer: DataLayer.CURATED }] }, 'crawlerOptions', /crawled layers/],
    ['options twice for one layer', { crawlerOptions: [{ layer: DataLayer.RAW }, { layer: DataLayer.RAW }] }, 'crawlerOptions', /at most once/],
    ['invalid cron', { crawlerOptions: [{ layer: DataLayer.RAW, schedule: 'cron(0 2 * * *)' }] }, 'crawlerOptions[raw].schedule', /six-field cron/],
    ['rate instead of cron', { crawlerOptions: [{ layer: DataLayer.PROCESSED, schedule: 'rate(1 day)' }] }, 'crawlerOptions[processed].schedule', /six-field cron/],
    ['prefix in another layer', { crawlerOptions: [{ layer: DataLayer.RAW, prefix: 'curated/marts/' }] }, 'crawlerOptions[raw].prefix', /crawler prefix escapes its layer/],
    ['prefix climbing out', { crawlerOptions: [{ layer: DataLayer.RAW, prefix: 'raw/../curated/' }] }, 'crawlerOptions[raw].prefix', /crawler prefix escapes its layer/],
    ['prefix with a wildcard', { crawlerOptions: [{ layer: DataLayer.RAW, prefix: 'raw/*' }] }, 'crawlerOptions[raw].prefix', /no wildcards/],
    ['raw prefix without a trailing slash', { crawlerOptions: [{ layer: DataLayer.RAW, prefix: 'raw/events' }] }, 'crawlerOptions[raw].prefix', /must end with \//],
    ['processed prefix without a trailing slash', { crawlerOptions: [{ layer: DataLayer.PROCESSED, prefix: 'processed/orders' }] }, 'crawlerOptions[processed].prefix', /must end with \//],
    ['curated prefix without a trailing slash', { crawlerOptions: [{ layer: DataLayer.CURATED, prefix: 'curated/marts' }] }, 'crawlerOptions[curated].prefix', /must end with \//],
    ['bad table prefix', { crawlerOptions: [{ layer: DataLayer.RAW, tablePrefix: 'Raw-' }] }, 'crawlerOptions[raw].tablePrefix', /lowercase/],
    ['table level too deep', { tableLevel: 11 }, 'tableLevel', /must be an integer from 1 to 10/],
    ['table level above the prefix', { tableLevel: 1 }, 'tableLevel', /table-level depth out of range/],
    ['table level not an integer', { tableLevel: 3.5 }, 'tableLevel', /must be an integer from 1 to 10/],
    ['table level 0 with only the curated layer', { layers: [DataLayer.CURATED], tableLevel: 0 }, 'tableLevel', /must be an integer from 1 to 10/],
    ['table level 99 with only the curated layer', { layers: [DataLayer.CURATED], tableLevel: 99 }, 'tableLevel', /must be an integer from 1 to 10/],
    ['table level 2.5 with only the curated layer', { layers: [DataLayer.CURATED], tableLevel: 2.5 }, 'tableLevel', /must be an integer from 1 to 10/],
    ['table level shallower than a sub-prefix', { tableLevel: 3, crawlerOptions: [{ layer: DataLayer.RAW, prefix: 'raw/events/2024/' }] }, 'tableLevel', /table-level depth out of range/],
    ['snapshot removal policy', { removalPolicy: RemovalPolicy.SNAPSHOT }, 'removalPolicy', /must be one of/],
    ['iceberg depth out of range', { icebergTraversalDepth: 21 }, 'icebergTraversalDepth', /1 to 20/],
    ['iceberg depth zero', { icebergTraversalDepth: 0 }, 'icebergTraversalDepth', /1 to 20/],
    ['description too long', { databaseDescription: 'd'.repeat(2049) }, 'databaseDescription', /0 to 2048/],
    ['new folders only with schema updates', { recrawlBehavior: RecrawlBehavior.CRAWL_NEW_FOLDERS_ONLY }, 'recrawlBehavior', /LOG/],
  ];
  test.each(cases)('%s is a named validation error', (_name, props, prop, rule) => {
    expectValidationError(() => build(props), prop, rule);
  });
});

describe('the crawler log key', () => {
  test('a named role gives the exact log group name in the key policy', () => {
    const { template } = build({ naming: naming() });
    const statements = (Object.values(template.findResources('AWS::KMS::Key'))[0] as any).Properties.KeyPolicy.Statement;
    const logs = statements.find((statement: any) => statement.Principal?.Service === 'logs.eu-west-1.amazonaws.com');
    expect(logs.Condition.ArnEquals['kms:EncryptionContext:aws:logs:arn']).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' },
      ':logs:eu-west-1:123456789012:log-group:/aws-glue/crawlers-role/lakehouse-sandbox-catalog-crawler-lakehouse-sandbox-catalog-crawler-security']] });
  });

  test('a key of this stack, such as the storage key, gets the statement for the crawler log group', () => {
    const { template } = synth(stack => {
      const key = new kms.Key(stack, 'StorageKey', { enableKeyRotation: true });
      new LakehouseCatalog(stack, 'Catalog', { bucket: existingBucket(stack, false), encryptionKey: key });
    });
    const [key] = Object.values(template.findResources('AWS::KMS::Key')) as any[];
    const logs = key.Properties.KeyPolicy.Statement.find((statement: any) => statement.Principal?.Service === 'logs.eu-west-1.amazonaws.com');
    expect(JSON.stringify(logs.Condition.ArnEquals)).toContain('/aws-glue/crawlers-role/');
    expect(logs.Action).toEqual(expect.arrayContaining(['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey']));
  });

  test('a key of another stack gets the statement without a reference back to an unnamed role, so the app still synthesizes', () => {
    const app = new App();
    const env = { account: '123456789012', region: 'eu-west-1' };
    const storage = new Stack(app, 'Storage', { env });
    const key = new kms.Key(storage, 'Key', { enableKeyRotation: true });
    const catalogStack = new Stack(app, 'Catalog', { env });
    const catalog = new LakehouseCatalog(catalogStack, 'Catalog', { bucket: existingBucket(catalogStack, false), encryptionKey: key });
    const assembly = app.synth();
    const keyPolicy = JSON.stringify(Object.values<any>(assembly.getStackByName('Storage').template.Resources)
      .find(resource => resource.Type === 'AWS::KMS::Key').Properties.KeyPolicy);
    expect(keyPolicy).toContain(`log-group:/aws-glue/crawlers-role/*-${catalog.securityConfigurationName}`);
    expect(keyPolicy).not.toContain('ImportValue');
  });

  test('an imported key gets a warning with a stable id that a team can acknowledge', () => {
    const warned = synth(stack => new LakehouseCatalog(stack, 'Catalog', { bucket: existingBucket(stack), encryptionKey: existingKey(stack) }));
    const warnings = Annotations.fromStack(warned.stack).findWarning('*', Match.stringLikeRegexp('logs.eu-west-1.amazonaws.com'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0].entry.data).toContain(CRAWLER_LOG_KEY_WARNING);
    expect(warnings[0].entry.data).toMatch(/encryptionKey is a key whose policy this app can't change.*\/aws-glue\/crawlers-role\//);
    const acknowledged = synth(stack => {
      const catalog = new LakehouseCatalog(stack, 'Catalog', { bucket: existingBucket(stack), encryptionKey: existingKey(stack) });
      CoreAnnotations.of(catalog).acknowledgeWarning(CRAWLER_LOG_KEY_WARNING, 'The platform team allowed the crawler log group in the key policy.');
    });
    expect(Annotations.fromStack(acknowledged.stack).findWarning('*', Match.stringLikeRegexp('logs.eu-west-1.amazonaws.com'))).toEqual([]);
  });
});

describe('the guard on Resource "*"', () => {
  test('a statement added to the crawler policy with Resource "*" fails the synth', () => {
    const app = new App();
    const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
    const catalog = new LakehouseCatalog(stack, 'Catalog', { bucket: existingBucket(stack) });
    (catalog.node.findChild('CrawlerPolicy') as iam.ManagedPolicy).addStatements(new iam.PolicyStatement({ actions: ['glue:GetTable'], resources: ['*'] }));
    expect(() => app.synth()).toThrow(/CrawlerPolicy allows glue:GetTable on Resource "\*"; only glue:GetSecurityConfiguration may have Resource "\*"/);
  });
});

describe('cdk-nag', () => {
  test('the AwsSolutions, NIST 800-53 R5 and HIPAA Security packs find nothing unacknowledged with defaults or with raw tables', () => {
    expect(formatFindings(complianceFindings(stack => new LakehouseCatalog(stack, 'Catalog', { bucket: existingBucket(stack) })))).toBe('');
    expect(formatFindings(complianceFindings(stack => new LakehouseCatalog(stack, 'Catalog', {
      bucket: existingBucket(stack), naming: naming(), schemaDeleteBehavior: SchemaDeleteBehavior.DELETE_FROM_DATABASE,
      rawTables: [{ name: 'raw_events', folder: 'events/', columns: [{ name: 'event_id' }] }],
    })))).toBe('');
  });

  test('AwsSolutions finds nothing unacknowledged with defaults', () => {
    const findings = nagFindings(stack => new LakehouseCatalog(stack, 'Catalog', { bucket: existingBucket(stack) }));
    if (findings.length) throw new Error(formatFindings(findings));
    expect(findings).toEqual([]);
  });

  test('AwsSolutions finds nothing unacknowledged with a bucket from another stack and grants', () => {
    const findings = nagFindings(stack => {
      const dataStack = new Stack(stack.node.scope!, 'Storage', { env: { account: '123456789012', region: 'eu-west-1' } });
      const bucket = new s3.Bucket(dataStack, 'Lake', { enforceSSL: true, serverAccessLogsPrefix: 'access/' });
      const catalog = new LakehouseCatalog(stack, 'Catalog', { bucket, naming: naming() });
      const analyst = new iam.Role(stack, 'Analyst', { assumedBy: new iam.AccountRootPrincipal() });
      catalog.grantReadCatalog(analyst);
      catalog.grantStartCrawler(analyst, DataLayer.CURATED);
    });
    const mine = findings.filter(f => !f.path.startsWith('Storage/'));
    if (mine.length) throw new Error(formatFindings(mine));
    expect(mine).toEqual([]);
  });
});
