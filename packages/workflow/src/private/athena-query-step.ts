import { Naming, ResourceKind, Validate, WildcardResource } from '@lakehouse-cdk/core';
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { ATHENA_TRANSIENT_ERRORS } from './retry';
import type { AthenaQueryStepOptions, ITransformationStep, TransformationContext, TransformationStepConfig } from '../transformation-step';

/** Athena's limit on the length of a query string. */
const MAX_QUERY_LENGTH = 262_144;

/** The default placeholder query: it reads no table, so it scans nothing. */
export const DEFAULT_QUERY = 'SELECT 1';

/**
 * `AthenaStartQueryExecution` whose IAM statements are the scoped ones given.
 *
 * The task derives, for any query, `s3:CreateBucket`/`s3:GetObject`/… and
 * `lakeformation:GetDataAccess` on `*`, and Glue create/delete rights on the
 * `default` database. The pipeline grants only what its query needs, so the
 * derived statements are replaced before the task is bound to the graph (the
 * state machine reads `taskPolicies` when it binds the task).
 */
class ScopedAthenaStartQueryExecution extends tasks.AthenaStartQueryExecution {
  constructor(scope: Construct, id: string, props: tasks.AthenaStartQueryExecutionProps, policies: iam.PolicyStatement[]) {
    super(scope, id, props);
    Object.defineProperty(this, 'taskPolicies', { value: policies, writable: false });
  }
}

export class AthenaQueryStep implements ITransformationStep {
  constructor(private readonly options: AthenaQueryStepOptions) {}

  public bind(scope: Construct, context: TransformationContext): TransformationStepConfig {
    const queryString = this.options.queryString ?? DEFAULT_QUERY;
    const workGroup = this.options.workGroup ?? context.athenaWorkGroupName;
    Validate.length('queryString', queryString, 1, MAX_QUERY_LENGTH, scope);
    const workGroupRules = Naming.rulesFor(ResourceKind.ATHENA_WORKGROUP);
    Validate.length('workGroup', workGroup, workGroupRules.minLength, workGroupRules.maxLength, scope);
    Validate.matches('workGroup', workGroup, workGroupRules.pattern, `must be an Athena workgroup name (${workGroupRules.description})`, scope);

    const stack = Stack.of(scope);
    const policies = [
      new iam.PolicyStatement({
        sid: 'RunTransformationQuery',
        actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution'],
        resources: [stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: workGroup })],
      }),
    ];
    const wildcardResources: WildcardResource[] = [];
    const resultsPrefix = context.resultsPrefix;
    if (context.resultsBucket) {
      const resultObjects = context.resultsBucket.arnForObjects(`${resultsPrefix}*`);
      wildcardResources.push({
        resource: resultObjects,
        reason: 'Athena writes each query result under a new key (the query id) below the pipeline\'s results prefix; only that prefix is allowed',
      });
      policies.push(new iam.PolicyStatement({
        sid: 'LocateQueryResultsBucket',
        actions: ['s3:GetBucketLocation'],
        resources: [context.resultsBucket.bucketArn],
      }));
      policies.push(new iam.PolicyStatement({
        sid: 'WriteQueryResults',
        actions: ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        resources: [resultObjects],
      }));
    }
    if (context.resultsKey) {
      policies.push(new iam.PolicyStatement({
        sid: 'EncryptQueryResults',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [context.resultsKey.keyArn],
      }));
    }
    if (context.catalogDatabaseName !== undefined) {
      const database = context.catalogDatabaseName;
      const tables = stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${database}/*` });
      wildcardResources.push({
        resource: tables,
        reason: 'The transformation query may read any table of its one Glue database; the tables are created by the crawlers after deployment',
      });
      policies.push(new iam.PolicyStatement({
        sid: 'ReadTransformationCatalog',
        actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition'],
        resources: [
          stack.formatArn({ service: 'glue', resource: 'catalog' }),
          stack.formatArn({ service: 'glue', resource: 'database', resourceName: database }),
          tables,
        ],
      }));
    }

    const task = new ScopedAthenaStartQueryExecution(scope, context.stateId, {
      comment: 'Runs the transformation query (placeholder for dbt); starts it without waiting for it',
      queryString,
      workGroup,
      integrationPattern: sfn.IntegrationPattern.REQUEST_RESPONSE,
      queryExecutionContext: context.catalogDatabaseName !== undefined ? { databaseName: context.catalogDatabaseName } : undefined,
      resultConfiguration: context.resultsBucket
        ? { outputLocation: { bucketName: context.resultsBucket.bucketName, objectKey: resultsPrefix.replace(/\/+$/, '') } }
        : undefined,
      resultSelector: { 'QueryExecutionId.$': '$.QueryExecutionId' },
      resultPath: context.resultPath,
    }, policies);
    return { task, transientErrors: ATHENA_TRANSIENT_ERRORS, wildcardResources };
  }
}
