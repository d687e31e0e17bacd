import { WildcardResource } from '@lakehouse-cdk/core';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { AthenaQueryStep } from './private/athena-query-step';

/** What the pipeline tells a transformation step when it builds it. */
export interface TransformationContext {
  /**
   * The state id the step's task must have: `RunDbtTransformations`. The
   * pipeline checks it, so that the state names stay the documented ones.
   */
  readonly stateId: string;
  /**
   * Where the task should put its result in the state, for example
   * `$.transformation`. It must not replace the whole state: the later states
   * read `$.pipeline_name` and `$.execution_date`.
   */
  readonly resultPath: string;
  /** The Athena workgroup the pipeline was given. */
  readonly athenaWorkGroupName: string;
  /**
   * The bucket of the query results.
   * @default - none: the workgroup's enforced result location applies
   */
  readonly resultsBucket?: s3.IBucket;
  /** The key prefix of the query results in `resultsBucket`, ending with `/`. */
  readonly resultsPrefix: string;
  /**
   * The key that encrypts the query results.
   * @default - none
   */
  readonly resultsKey?: kms.IKey;
  /**
   * The Glue database that the transformation reads.
   * @default - none: the step gets no Glue catalog access
   */
  readonly catalogDatabaseName?: string;
}

/** The task a transformation step built, and the errors worth retrying on it. */
export interface TransformationStepConfig {
  /**
   * The task, with the id given in `TransformationContext.stateId`. Its IAM
   * statements come from the task itself; the pipeline adds the Retry and the
   * Catch.
   */
  readonly task: sfn.TaskStateBase;
  /**
   * The transient errors that the pipeline retries with backoff and jitter,
   * for example `Athena.TooManyRequestsException`. At least one.
   */
  readonly transientErrors: string[];
  /**
   * The resources with a wildcard in the task's IAM statements, each with
   * why it needs one. The pipeline acknowledges exactly these cdk-nag
   * `AwsSolutions-IAM5[Resource::…]` findings on its role's policy; any
   * other wildcard resource stays reported. A task statement may not allow
   * `Resource: "*"`: the pipeline refuses to synthesize then (see the README).
   * @default - none: the task's statements have no wildcard resource
   */
  readonly wildcardResources?: WildcardResource[];
}

/**
 * The `RunDbtTransformations` step of the pipeline. The default runs one
 * Athena query; a later step can run dbt (for example with CodeBuild).
 */
export interface ITransformationStep {
  /** Builds the step's task in `scope`. Called once by the pipeline. */
  bind(scope: Construct, context: TransformationContext): TransformationStepConfig;
}

/** Options of the Athena query transformation step. */
export interface AthenaQueryStepOptions {
  /**
   * The SQL statement to run. The default is a placeholder that reads no
   * data, so Athena bills only its 10 MB minimum.
   * @default 'SELECT 1'
   */
  readonly queryString?: string;
  /**
   * The Athena workgroup that runs the query.
   * @default - the pipeline's `athenaWorkGroupName`
   */
  readonly workGroup?: string;
}

/** The transformation steps that Lakehouse CDK provides. */
export class TransformationStep {
  /**
   * Starts one Athena query in the workgroup (the plan's placeholder for dbt).
   *
   * The task uses the request-response pattern: it starts the query and goes
   * on without waiting for it, because the `.sync` Athena integration is not
   * supported by the local Step Functions interpreter the pipeline is tested
   * with, and the placeholder query has nothing that the curated crawl needs.
   */
  public static athenaQuery(options: AthenaQueryStepOptions = {}): ITransformationStep {
    return new AthenaQueryStep(options);
  }

  private constructor() {}
}
