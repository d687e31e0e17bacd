import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { IConstruct } from 'constructs';

/**
 * A lakehouse pipeline: the state machine that runs one day of the
 * lakehouse, and the grant to start and follow its executions.
 * `LakehousePipeline` creates one; `LakehousePipeline.fromStateMachineArn`
 * adopts one that exists.
 */
export interface ILakehousePipeline extends IConstruct {
  /** The state machine, for example the `stateMachine` of an orchestrator. */
  readonly stateMachine: sfn.IStateMachine;
  /** The state machine's ARN. */
  readonly stateMachineArn: string;
  /** The state machine's name. */
  readonly stateMachineName: string;

  /**
   * Lets `grantee` start executions of the pipeline
   * (`states:StartExecution` on the state machine) and follow them
   * (`states:DescribeExecution` on its executions).
   */
  grantStartAndWatch(grantee: iam.IGrantable): iam.Grant;
}
