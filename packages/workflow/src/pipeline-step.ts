import { WildcardResource } from '@lakehouse-cdk/core';
import { Duration } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { DbtJob } from './dbt-job';
import { AthenaQueryStep } from './private/athena-query-step';
import { CrawlStep } from './private/crawl-step';
import { DbtStep } from './private/dbt-step';

/** What the pipeline tells a step when it builds it. */
export interface PipelineStepContext {
  /** Where the step goes when its work has succeeded. */
  readonly next: sfn.IChainable;
  /**
   * Where the step goes when its work has failed, with `$.failure` set to
   * `{"Error", "Cause", "State"}` (State: the id of the state that failed).
   * The pipeline sends the failures of the step's tasks here itself; the
   * step uses it for failures it detects (a crawl that ended FAILED).
   */
  readonly recordFailure: sfn.IChainable;
  /** The state path of the failure, `$.failure`. */
  readonly failurePath: string;
  /** The pipeline-runs table, for steps that read the run record. */
  readonly runsTable: dynamodb.ITable;
}

/** A task of a step, with the errors worth retrying on it. */
export interface PipelineStepTask {
  /** The task state. The pipeline adds a Retry for `transientErrors` and a Catch for any other error. */
  readonly task: sfn.TaskStateBase;
  /**
   * The transient errors that the pipeline retries with backoff and jitter,
   * for example `Athena.TooManyRequestsException`. At least one.
   */
  readonly transientErrors: string[];
  /**
   * Where a failure of this task goes, with `$.failure` set. The chain must
   * end in the context's `recordFailure`. Used to turn a job's raw error into
   * a cause that says what failed.
   * @default - the context's `recordFailure`
   */
  readonly onFailure?: sfn.IChainable;
}

/** The states a step built. */
export interface PipelineStepConfig {
  /** The state the step starts with. */
  readonly start: sfn.State;
  /** Every task state of the step, each with its transient errors. */
  readonly tasks: PipelineStepTask[];
  /**
   * The longest the step can take before it fails by itself (its poll
   * bound or its job timeout). The pipeline's timeout must exceed the sum
   * over its steps, so that a slow step fails and records the run before the
   * execution times out.
   */
  readonly maxDuration: Duration;
  /**
   * The resources with a wildcard in the tasks' IAM statements, each with
   * why it needs one. The pipeline acknowledges exactly these cdk-nag
   * `AwsSolutions-IAM5[Resource::…]` findings on its role's policy. A task
   * statement may not allow `Resource: "*"`.
   * @default - none
   */
  readonly wildcardResources?: WildcardResource[];
}

/**
 * One step of the pipeline: a crawl, a query, a dbt build. The pipeline
 * owns the order, the run recording, the retries and the catches; a step
 * only builds its states.
 */
export interface IPipelineStep {
  /**
   * The step's name, a PascalCase word that its state ids are made of
   * (`Raw` gives `StartRawCrawler`). Names are unique in a pipeline.
   */
  readonly name: string;
  /** Builds the step's states in `scope`. Called once by the pipeline. */
  bind(scope: Construct, context: PipelineStepContext): PipelineStepConfig;
}

/** Options of a crawl step. */
export interface CrawlStepOptions {
  /** The Glue crawler to run. */
  readonly crawlerName: string;
  /**
   * The step's name: `Raw` gives `StartRawCrawler`, `WaitForRawCrawler`, …
   * A PascalCase word of letters and digits, up to 40 characters.
   */
  readonly name: string;
  /**
   * Time between two polls of the crawler: whole seconds, from 1 second to
   * 1 hour. Each poll is four state transitions.
   * @default Duration.seconds(30)
   */
  readonly pollInterval?: Duration;
  /**
   * How long the crawler may run before the run fails with
   * `Lakehouse.CrawlerTimeout`: `ceil(timeout / pollInterval)` polls, at most
   * 1,000, so that an execution stays well under the 25,000-event history limit.
   * @default Duration.minutes(30)
   */
  readonly timeout?: Duration;
}

/** Options of an Athena query step. */
export interface AthenaQueryStepOptions {
  /**
   * The step's name: `Quality` gives `RunQuality`, `WaitForQuality`, …
   * A PascalCase word of letters and digits, up to 40 characters.
   * @default 'Query'
   */
  readonly name?: string;
  /**
   * The SQL statement to run, 1 to 262,144 characters. The default is a
   * placeholder that reads no data, so Athena bills only its 10 MB minimum.
   * @default 'SELECT 1'
   */
  readonly queryString?: string;
  /** The Athena workgroup that runs the query. */
  readonly workGroup: string;
  /**
   * The bucket of the query results. The step may write only under
   * `resultsPrefix` in it.
   * @default - no S3 grants: the workgroup's enforced result location must be writable by other grants
   */
  readonly resultsBucket?: s3.IBucket;
  /**
   * The key prefix of the query results in `resultsBucket`: a relative S3
   * key prefix (`Validate.keyPrefix`).
   * @default 'athena-results/'
   */
  readonly resultsPrefix?: string;
  /**
   * The KMS key of the query results.
   * @default - no KMS grants
   */
  readonly resultsKey?: kms.IKey;
  /**
   * The Glue database the query reads; the role may read its tables and partitions.
   * @default - no Glue catalog grants
   */
  readonly catalogDatabaseName?: string;
  /**
   * Time between two polls of the query's status: whole seconds, 1 s to 1 h.
   * @default Duration.seconds(10)
   */
  readonly pollInterval?: Duration;
  /**
   * How long the query may run before the run fails with
   * `Lakehouse.QueryTimeout`: `ceil(timeout / pollInterval)` polls, at most 1,000.
   * @default Duration.minutes(30)
   */
  readonly timeout?: Duration;
}

/** Options of the dbt step. */
export interface DbtStepOptions {
  /**
   * The step's name: the default gives the state `RunDbtTransformations`.
   * A PascalCase word of letters and digits, up to 40 characters.
   * @default 'DbtTransformations'
   */
  readonly name?: string;
  /**
   * The dbt selection of the build (`--select`), for example `marts`.
   * @default - every model, test and seed
   */
  readonly select?: string;
  /**
   * Rebuild incremental models from scratch (`--full-refresh`).
   * @default false
   */
  readonly fullRefresh?: boolean;
  /**
   * More arguments for `dbt build`, for example `['--threads', '8']`.
   * @default - none
   */
  readonly extraArgs?: string[];
  /**
   * The weekdays of the execution date on which the job compacts and
   * expires the Iceberg marts after a successful build (Athena `OPTIMIZE …
   * REWRITE DATA USING BIN_PACK` and `VACUUM`). An empty list turns
   * maintenance off. A failed maintenance is a warning in the run's
   * summary; it does not fail the run.
   * @default [Weekday.SUNDAY]
   */
  readonly icebergMaintenanceDays?: Weekday[];
}

/** A day of the week, as the dbt job reads it. */
export enum Weekday {
  /** Monday. */
  MONDAY = 'MON',
  /** Tuesday. */
  TUESDAY = 'TUE',
  /** Wednesday. */
  WEDNESDAY = 'WED',
  /** Thursday. */
  THURSDAY = 'THU',
  /** Friday. */
  FRIDAY = 'FRI',
  /** Saturday. */
  SATURDAY = 'SAT',
  /** Sunday. */
  SUNDAY = 'SUN',
}

/** The steps that Lakehouse CDK provides. */
export class PipelineStep {
  /**
   * Runs a Glue crawler and waits for it with a bounded poll. A crawler
   * that is already running is waited for; a crawl that ends in any status
   * but SUCCEEDED fails the run with `Lakehouse.CrawlFailed`.
   */
  public static crawl(options: CrawlStepOptions): IPipelineStep {
    return new CrawlStep(options);
  }

  /**
   * Runs one Athena query and waits for it with a bounded poll of
   * GetQueryExecution. A query that ends FAILED or CANCELLED fails the run
   * with `Lakehouse.QueryFailed`.
   */
  public static athenaQuery(options: AthenaQueryStepOptions): IPipelineStep {
    return new AthenaQueryStep(options);
  }

  /**
   * Runs `dbt build` in the job and waits for it (CodeBuild `.sync`). A
   * failed build fails the run, and the run record's cause names the
   * failing models and tests, from the summary the job writes into the
   * record.
   */
  public static dbt(job: DbtJob, options: DbtStepOptions = {}): IPipelineStep {
    return new DbtStep(job, options);
  }

  private constructor() {}
}
