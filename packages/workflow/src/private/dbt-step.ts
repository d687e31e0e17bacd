import { PropType, RunRecord, Validate } from '@lakehouse-cdk/core';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { validateStepName } from './bounded-poll';
import { snakeCase } from './crawl-step';
import { CODEBUILD_TRANSIENT_ERRORS, DYNAMODB_TRANSIENT_ERRORS, addTransientRetry } from './retry';
import type { DbtJob } from '../dbt-job';
import { DbtStepOptions, IPipelineStep, PipelineStepConfig, PipelineStepContext, Weekday } from '../pipeline-step';

export const DEFAULT_DBT_STEP_NAME = 'DbtTransformations';
/** The error of a dbt build that failed, when the job wrote its summary. */
export const DBT_BUILD_FAILED_ERROR = 'Lakehouse.DbtBuildFailed';
/** Characters a dbt selector or argument may hold: no quotes, newlines or shell metacharacters. */
const SAFE_ARGUMENT = '[A-Za-z0-9_.:+@=,/*-]+';

/**
 * Run<Name> starts the dbt job and waits for it (`.sync`). When it fails,
 * Read<Name>Summary reads the summary the job wrote into the run record, so
 * that the record's cause names the failing models and tests instead of
 * CodeBuild's build description.
 */
export class DbtStep implements IPipelineStep {
  public readonly name: string;

  constructor(private readonly job: DbtJob, private readonly options: DbtStepOptions) {
    Validate.propTypes({ job }, { job: PropType.CONSTRUCT }, ['job']);
    Validate.propTypes(options, {
      name: PropType.STRING, select: PropType.STRING, fullRefresh: PropType.BOOLEAN, extraArgs: PropType.LIST, icebergMaintenanceDays: PropType.LIST,
    });
    if (!(job as any).project || !(job as any).timeout) {
      Validate.fail('job', `the construct ${job.node.path}`, 'must be a DbtJob', undefined);
    }
    this.name = options.name ?? DEFAULT_DBT_STEP_NAME;
  }

  public bind(scope: Construct, context: PipelineStepContext): PipelineStepConfig {
    const name = this.name;
    validateStepName('name', name, scope);
    const { select, extraArgs } = this.options;
    if (select !== undefined) {
      Validate.matches('select', select, `${SAFE_ARGUMENT}( ${SAFE_ARGUMENT})*`,
        'must be a dbt selection: words of letters, digits and _.:+@=,/*- separated by single spaces', scope);
    }
    for (const argument of extraArgs ?? []) {
      Validate.matches('extraArgs', argument, SAFE_ARGUMENT, 'must hold arguments of letters, digits and _.:+@=,/*- (no spaces or quotes)', scope);
    }
    const days = this.options.icebergMaintenanceDays ?? [Weekday.SUNDAY];
    for (const day of days) Validate.oneOf('icebergMaintenanceDays', day, Object.values(Weekday), scope);
    if (new Set(days).size !== days.length) {
      Validate.fail('icebergMaintenanceDays', JSON.stringify(days), 'must name each weekday at most once', scope);
    }

    const variable = (value: string): codebuild.BuildEnvironmentVariable => ({ type: codebuild.BuildEnvironmentVariableType.PLAINTEXT, value });
    const overrides: Record<string, codebuild.BuildEnvironmentVariable> = {
      LAKEHOUSE_EXECUTION_DATE: variable(sfn.JsonPath.stringAt('$.execution_date')),
      LAKEHOUSE_PIPELINE_NAME: variable(sfn.JsonPath.stringAt('$.pipeline_name')),
      LAKEHOUSE_EXECUTION_ARN: variable(sfn.JsonPath.stringAt('$$.Execution.Id')),
      LAKEHOUSE_DBT_FULL_REFRESH: variable(String(this.options.fullRefresh ?? false)),
      LAKEHOUSE_ICEBERG_MAINTENANCE: variable(days.length === 0 ? 'never' : days.join(',')),
    };
    if (select !== undefined) overrides.LAKEHOUSE_DBT_SELECT = variable(select);
    if (extraArgs !== undefined && extraArgs.length > 0) overrides.LAKEHOUSE_DBT_ARGS = variable(extraArgs.join(' '));

    const resultPath = `$.${snakeCase(name)}`;
    const run = new tasks.CodeBuildStartBuild(scope, `Run${name}`, {
      comment: 'Runs dbt build in the dbt job and waits for the build to end',
      project: this.job.project,
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      environmentVariablesOverride: overrides,
      // The build description is large; the id and status are what an operator needs.
      resultSelector: { 'BuildId.$': '$.Build.Id', 'BuildStatus.$': '$.Build.BuildStatus' },
      resultPath,
    });

    const summaryPath = `${resultPath}_summary`;
    const readSummary = new tasks.DynamoGetItem(scope, `Read${name}Summary`, {
      comment: 'Reads the summary that the job wrote into the run record',
      table: context.runsTable,
      key: {
        [RunRecord.PIPELINE_NAME]: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.pipeline_name')),
        [RunRecord.EXECUTION_DATE]: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.execution_date')),
      },
      consistentRead: true,
      expressionAttributeNames: RunRecord.conditionNames([RunRecord.SUMMARY, RunRecord.SUMMARY_MESSAGE]),
      projectionExpression: [new tasks.DynamoProjectionExpression().withAttribute(`#${RunRecord.SUMMARY}`).withAttribute(`#${RunRecord.SUMMARY_MESSAGE}`)],
      resultPath: summaryPath,
    });
    addTransientRetry(readSummary, DYNAMODB_TRANSIENT_ERRORS);
    // Without the summary, the failure keeps CodeBuild's error and cause.
    readSummary.addCatch(context.recordFailure, { errors: [sfn.Errors.ALL], resultPath: sfn.JsonPath.DISCARD });
    const message = `${summaryPath}.Item.${RunRecord.SUMMARY}.M.${RunRecord.SUMMARY_MESSAGE}.S`;
    const describe = new sfn.Pass(scope, `Describe${name}Failure`, {
      parameters: { Error: DBT_BUILD_FAILED_ERROR, 'Cause.$': message, State: run.id },
      resultPath: context.failurePath,
    });
    describe.next(context.recordFailure);
    readSummary.next(new sfn.Choice(scope, `Check${name}Summary`)
      .when(sfn.Condition.isPresent(message), describe)
      .otherwise(context.recordFailure));

    run.next(context.next);
    return {
      start: run,
      tasks: [{ task: run, transientErrors: CODEBUILD_TRANSIENT_ERRORS, onFailure: readSummary }],
      maxDuration: this.job.timeout.plus(this.job.queuedTimeout),
    };
  }
}
