import { Validate } from '@lakehouse-cdk/core';
import { Arn, ArnFormat } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ILakehousePipeline } from '../lakehouse-pipeline-ref';
import { grantStartAndWatch } from './start-grants';

const STATE_MACHINE_ARN_PATTERN = 'arn:aws[a-z-]*:states:[a-z0-9-]+:[0-9]{12}:stateMachine:[A-Za-z0-9_-]{1,80}';

/** A pipeline state machine that exists already: the same grant, no new resources. */
export class ImportedLakehousePipeline extends Construct implements ILakehousePipeline {
  public readonly stateMachine: sfn.IStateMachine;
  public readonly stateMachineArn: string;
  public readonly stateMachineName: string;
  private readonly executionsArn: string;

  constructor(scope: Construct, id: string, stateMachineArn: string) {
    super(scope, id);
    Validate.matches('stateMachineArn', stateMachineArn, STATE_MACHINE_ARN_PATTERN,
      'must be the ARN of a Step Functions state machine: arn:<partition>:states:<region>:<account>:stateMachine:<name>', this);
    this.stateMachine = sfn.StateMachine.fromStateMachineArn(this, 'StateMachine', stateMachineArn);
    this.stateMachineArn = this.stateMachine.stateMachineArn;
    // The executions live in the state machine's own partition, region and account, which may not be this stack's.
    const components = Arn.split(stateMachineArn, ArnFormat.COLON_RESOURCE_NAME);
    this.stateMachineName = components.resourceName!;
    this.executionsArn = Arn.format({
      partition: components.partition,
      service: 'states',
      region: components.region,
      account: components.account,
      resource: 'execution',
      resourceName: `${this.stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  public grantStartAndWatch(grantee: iam.IGrantable): iam.Grant {
    return grantStartAndWatch(grantee, this.stateMachineArn, this.executionsArn);
  }
}
