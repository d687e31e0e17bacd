import { Naming, PropType, ResourceKind, Validate, WildcardResource } from '@lakehouse-cdk/core';
import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { boundedPoll, failureState, pollCount, validateStepName } from './bounded-poll';
import { snakeCase } from './crawl-step';
import { ATHENA_TRANSIENT_ERRORS } from './retry';
import type { AthenaQueryStepOptions, IPipelineStep, PipelineStepConfig, PipelineStepContext } from '../pipeline-step';

/** Athena's limit on the length of a query string. */
const MAX_QUERY_LENGTH = 262_144;
/** The default placeholder query: it reads no table, so it scans nothing. */
export const DEFAULT_QUERY = 'SELECT 1';
export const DEFAULT_QUERY_STEP_NAME = 'Query';
export const DEFAULT_RESULTS_PREFIX = 'athena-results/';
/** The error of a query that ended FAILED or CANCELLED. */
export const QUERY_FAILED_ERROR = 'Lakehouse.QueryFailed';
/** The error of a query still running after the step's timeout. */
export const QUERY_TIMEOUT_ERROR = 'Lakehouse.QueryTimeout';
const DEFAULT_POLL_INTERVAL = Duration.seconds(10);
const DEFAULT_TIMEOUT = Duration.minutes(30);

/**
 * `AthenaStartQueryExecution` whose IAM statements are the scoped ones given.
 *
 * The task derives, for any query, `s3:CreateBucket`/`s3:GetObject`/… and
 * `lakeformation:GetDataAccess` on `*`, and Glue create/delete rights on the
 * `default` database. The step grants only what its query needs, so the
 * derived statements are replaced before the task is bound to the graph (the
 * state machine reads `taskPolicies` when it binds the task).
 */
class ScopedAthenaStartQueryExecution extends tasks.AthenaStartQueryExecution {
  constructor(scope: Construct, id: string, props: tasks.AthenaStartQueryExecutionProps, policies: iam.PolicyStatement[]) {
    super(scope, id, props);
    Object.defineProperty(this, 'taskPolicies', { value: policies, writable: false });
  }
}

/**
 * Run<Name> starts the query (request-response), then the bounded poll
 * WaitFor<Name> reads GetQueryExecution until the query ends: SUCCEEDED goes
 * on, FAILED or CANCELLED fails the run with Athena's reason.
 */
export class AthenaQueryStep implements IPipelineStep {
  public readonly name: string;

  constructor(private readonly options: AthenaQueryStepOptions) {
    Validate.propTypes(options, {
      name: PropType.STRING, queryString: PropType.STRING, workGroup: PropType.STRING, resultsBucket: PropType.CONSTRUCT, resultsPrefix: PropType.STRING,
      resultsKey: PropType.CONSTRUCT, catalogDatabaseName: PropType.STRING, pollInterval: PropType.DURATION, timeout: PropType.DURATION,
    }, ['workGroup']);
    this.name = options.name ?? DEFAULT_QUERY_STEP_NAME;
  }

  public bind(scope: Construct, context: PipelineStepContext): PipelineStepConfig {
    const name = this.name;
    validateStepName('name', name, scope);
    const queryString = this.options.queryString ?? DEFAULT_QUERY;
    const workGroup = this.options.workGroup;
    const resultsPrefix = this.options.resultsPrefix ?? DEFAULT_RESULTS_PREFIX;
    Validate.length('queryString', queryString, 1, MAX_QUERY_LENGTH, scope);
    const workGroupRules = Naming.rulesFor(ResourceKind.ATHENA_WORKGROUP);
    Validate.length('workGroup', workGroup, workGroupRules.minLength, workGroupRules.maxLength, scope);
    Validate.matches('workGroup', workGroup, workGroupRules.pattern, `must be an Athena workgroup name (${workGroupRules.description})`, scope);
    Validate.keyPrefix('resultsPrefix', resultsPrefix, scope);
    if (this.options.catalogDatabaseName !== undefined) {
      const databaseRules = Naming.rulesFor(ResourceKind.GLUE_DATABASE);
      Validate.length('catalogDatabaseName', this.options.catalogDatabaseName, databaseRules.minLength, databaseRules.maxLength, scope);
      Validate.matches('catalogDatabaseName', this.options.catalogDatabaseName, databaseRules.pattern,
        `must be a Glue database name (${databaseRules.description})`, scope);
    }
    const pollInterval = this.options.pollInterval ?? DEFAULT_POLL_INTERVAL;
    const timeout = this.options.timeout ?? DEFAULT_TIMEOUT;
    const maxPolls = pollCount('pollInterval', pollInterval, 'timeout', timeout, scope);

    const { policies, wildcardResources } = this.policies(scope, workGroup, resultsPrefix);
    const statePath = `$.${snakeCase(name)}_query`;
    const waitState = `WaitFor${name}`;
    const start = new ScopedAthenaStartQueryExecution(scope, `Run${name}`, {
      comment: 'Starts the query; the poll that follows waits for it',
      queryString,
      workGroup,
      integrationPattern: sfn.IntegrationPattern.REQUEST_RESPONSE,
      queryExecutionContext: this.options.catalogDatabaseName !== undefined ? { databaseName: this.options.catalogDatabaseName } : undefined,
      resultConfiguration: this.options.resultsBucket
        ? { outputLocation: { bucketName: this.options.resultsBucket.bucketName, objectKey: resultsPrefix.replace(/\/+$/, '') } }
        : undefined,
      resultSelector: { 'QueryExecutionId.$': '$.QueryExecutionId', 'polls': 0 },
      resultPath: statePath,
    }, policies);

    // Keeps only the query's state: the rest of the response has timestamps and
    // statistics, and StateChangeReason exists only for some states (a
    // ResultSelector path that does not exist fails the task).
    const getStatus = new tasks.CallAwsService(scope, `Get${name}Status`, {
      service: 'athena',
      action: 'getQueryExecution',
      iamAction: 'athena:GetQueryExecution',
      iamResources: [workGroupArn(scope, workGroup)],
      parameters: { 'QueryExecutionId.$': `${statePath}.QueryExecutionId` },
      resultSelector: { 'State.$': '$.QueryExecution.Status.State' },
      resultPath: `${statePath}.status`,
    });
    const queryFailed = failureState(scope, `${name}QueryFailed`, {
      error: QUERY_FAILED_ERROR,
      causeFormat: `Athena query {} in workgroup ${workGroup} ended {}; its StateChangeReason (GetQueryExecution) says why`,
      causeArgs: [`${statePath}.QueryExecutionId`, `${statePath}.status.State`],
      failedState: waitState,
      failurePath: context.failurePath,
      next: context.recordFailure,
    });
    const timedOut = failureState(scope, `${name}TimedOut`, {
      error: QUERY_TIMEOUT_ERROR,
      causeFormat: `Athena query {} was still running after {} polls, ${pollInterval.toSeconds()} seconds apart`,
      causeArgs: [`${statePath}.QueryExecutionId`, `${statePath}.polls`],
      failedState: waitState,
      failurePath: context.failurePath,
      next: context.recordFailure,
    });
    const state = `${statePath}.status.State`;
    const wait = boundedPoll(scope, {
      subject: name,
      statePath,
      interval: pollInterval,
      maxPolls,
      carry: ['QueryExecutionId'],
      poll: getStatus,
      choiceId: `Is${name}Done`,
      outcomes: [
        { condition: sfn.Condition.stringEquals(state, 'SUCCEEDED'), next: context.next },
        { condition: sfn.Condition.or(sfn.Condition.stringEquals(state, 'FAILED'), sfn.Condition.stringEquals(state, 'CANCELLED')), next: queryFailed },
      ],
      timedOut,
    });
    start.next(wait);

    return {
      start,
      tasks: [start, getStatus].map(task => ({ task, transientErrors: ATHENA_TRANSIENT_ERRORS })),
      maxDuration: Duration.seconds(maxPolls * pollInterval.toSeconds()),
      wildcardResources,
    };
  }

  private policies(scope: Construct, workGroup: string, resultsPrefix: string): { policies: iam.PolicyStatement[]; wildcardResources: WildcardResource[] } {
    const stack = Stack.of(scope);
    const { resultsBucket, resultsKey, catalogDatabaseName } = this.options;
    const policies = [
      new iam.PolicyStatement({
        actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution'],
        resources: [workGroupArn(scope, workGroup)],
      }),
    ];
    const wildcardResources: WildcardResource[] = [];
    if (resultsBucket) {
      const resultObjects = resultsBucket.arnForObjects(`${resultsPrefix}*`);
      wildcardResources.push({
        resource: resultObjects,
        reason: 'Athena writes each query result under a new key (the query id) below the results prefix; only that prefix is allowed',
      });
      policies.push(new iam.PolicyStatement({ actions: ['s3:GetBucketLocation'], resources: [resultsBucket.bucketArn] }));
      policies.push(new iam.PolicyStatement({
        actions: ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        resources: [resultObjects],
      }));
    }
    if (resultsKey) {
      policies.push(new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [resultsKey.keyArn] }));
    }
    if (catalogDatabaseName !== undefined) {
      const tables = stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${catalogDatabaseName}/*` });
      wildcardResources.push({
        resource: tables,
        reason: 'The query may read any table of its one Glue database; the tables are created by the crawlers and dbt after deployment',
      });
      policies.push(new iam.PolicyStatement({
        actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition'],
        resources: [
          stack.formatArn({ service: 'glue', resource: 'catalog' }),
          stack.formatArn({ service: 'glue', resource: 'database', resourceName: catalogDatabaseName }),
          tables,
        ],
      }));
    }
    return { policies, wildcardResources };
  }
}

function workGroupArn(scope: Construct, workGroup: string): string {
  return Stack.of(scope).formatArn({ service: 'athena', resource: 'workgroup', resourceName: workGroup });
}
