import { asList, expectValidationError, formatFindings, nagFindings, policyStatements, synth } from '@lakehouse-cdk/testing';
import { Fn, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { ILakehousePipeline, LakehousePipeline } from '../src';
import { requiredProps, RUNS_TABLE } from './helpers';

const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';
const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:210987654321:stateMachine:team-pipeline';
const RUN_KEY_ACTIONS = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'];

/** The key statements of each state machine role's policy, by the role's construct: pipeline and stuck-run closer. */
function roleKeyStatements(stack: Stack, template: ReturnType<typeof synth>['template']) {
  return policyStatements(template)
    .filter(({ policy }) => /^Pipeline(StateMachineRole|StuckRunCloserStateMachineRole)/.test(policy))
    .map(({ policy, statement }) => ({ policy: policy.startsWith('PipelineStuckRunCloser') ? 'closer' : 'pipeline', statement: stack.resolve(statement) }))
    .filter(({ statement }) => asList<string>(statement.Action).some(action => action.startsWith('kms:')));
}

describe('a runs table with a customer key', () => {
  test('the pipeline and its stuck-run rule are granted the key of an imported table, on exactly its ARN', () => {
    const { stack, template } = synth(s => {
      const runsTable = dynamodb.Table.fromTableAttributes(s, 'KeyedRuns', { tableName: RUNS_TABLE, encryptionKey: kms.Key.fromKeyArn(s, 'RunsKey', KEY_ARN) });
      new LakehousePipeline(s, 'Pipeline', { ...requiredProps(s), runsTable });
    });
    const keyStatements = roleKeyStatements(stack, template).filter(({ statement }) => statement.Resource === KEY_ARN);
    expect(keyStatements).toEqual([
      { policy: 'pipeline', statement: { Effect: 'Allow', Action: RUN_KEY_ACTIONS, Resource: KEY_ARN } },
      { policy: 'closer', statement: { Effect: 'Allow', Action: RUN_KEY_ACTIONS, Resource: KEY_ARN } },
    ]);
  });

  test('a key created beside the table is granted by reference', () => {
    const { stack, template } = synth(s => {
      const key = new kms.Key(s, 'RunsKey', { enableKeyRotation: true });
      const runsTable = new dynamodb.Table(s, 'KeyedRuns', {
        partitionKey: { name: 'pipeline_name', type: dynamodb.AttributeType.STRING },
        sortKey: { name: 'execution_date', type: dynamodb.AttributeType.STRING },
        encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryptionKey: key,
      });
      new LakehousePipeline(s, 'Pipeline', { ...requiredProps(s), runsTable });
    });
    const granted = roleKeyStatements(stack, template).filter(({ statement }) => JSON.stringify(statement.Resource).includes('RunsKey'));
    expect(granted.map(({ policy, statement }) => [policy, statement.Action])).toEqual([['pipeline', RUN_KEY_ACTIONS], ['closer', RUN_KEY_ACTIONS]]);
  });

  test('a table without a customer key adds no key statement to either role', () => {
    const { stack, template } = synth(s => { new LakehousePipeline(s, 'Pipeline', requiredProps(s)); });
    const withKey = synth(s => {
      const runsTable = dynamodb.Table.fromTableAttributes(s, 'KeyedRuns', { tableName: RUNS_TABLE, encryptionKey: kms.Key.fromKeyArn(s, 'RunsKey', KEY_ARN) });
      new LakehousePipeline(s, 'Pipeline', { ...requiredProps(s), runsTable });
    });
    expect(roleKeyStatements(withKey.stack, withKey.template).length - roleKeyStatements(stack, template).length).toBe(2);
    expect(roleKeyStatements(stack, template).map(({ statement }) => statement.Resource)).not.toContain(KEY_ARN);
  });

  test('is AwsSolutions clean', () => {
    const findings = nagFindings(s => {
      const runsTable = dynamodb.Table.fromTableAttributes(s, 'KeyedRuns', { tableName: RUNS_TABLE, encryptionKey: kms.Key.fromKeyArn(s, 'RunsKey', KEY_ARN) });
      new LakehousePipeline(s, 'Pipeline', { ...requiredProps(s), runsTable });
    });
    expect(formatFindings(findings)).toBe('');
  });
});

describe('LakehousePipeline.fromStateMachineArn', () => {
  function adopted(arn: string, grant = true) {
    let pipeline!: ILakehousePipeline;
    const result = synth(s => {
      pipeline = LakehousePipeline.fromStateMachineArn(s, 'Pipeline', arn);
      if (grant) pipeline.grantStartAndWatch(new iam.Role(s, 'Airflow', { assumedBy: new iam.ServicePrincipal('airflow.amazonaws.com') }));
    });
    return { ...result, pipeline };
  }

  test('grantStartAndWatch: StartExecution on exactly the ARN, DescribeExecution on its executions in its own account and region', () => {
    const { template, stack, pipeline } = adopted(STATE_MACHINE_ARN);
    expect(policyStatements(template).map(s => stack.resolve(s.statement))).toEqual([
      { Effect: 'Allow', Action: 'states:StartExecution', Resource: STATE_MACHINE_ARN },
      { Effect: 'Allow', Action: 'states:DescribeExecution', Resource: 'arn:aws:states:us-east-1:210987654321:execution:team-pipeline:*' },
    ]);
    expect(pipeline.stateMachineName).toBe('team-pipeline');
    expect(pipeline.stateMachine.stateMachineArn).toBe(STATE_MACHINE_ARN);
  });

  test('an ARN known only at deploy time: the executions are derived from it, not from the stack', () => {
    const { template, stack } = adopted(Fn.importValue('TeamPipelineArn'));
    const describe = policyStatements(template).map(s => stack.resolve(s.statement)).find(s => s.Action === 'states:DescribeExecution');
    const text = JSON.stringify(describe.Resource);
    expect(text).toContain('Fn::Select');
    expect(text).toContain('TeamPipelineArn');
    expect(text).not.toContain('AWS::AccountId');
  });

  test('creates no resource', () => {
    const { template } = adopted(STATE_MACHINE_ARN, false);
    expect(template.toJSON().Resources ?? {}).toEqual({});
  });

  test('the grantee is AwsSolutions clean: the executions wildcard is acknowledged exactly', () => {
    const findings = nagFindings(s => {
      const role = new iam.Role(s, 'Airflow', { assumedBy: new iam.ServicePrincipal('airflow.amazonaws.com') });
      LakehousePipeline.fromStateMachineArn(s, 'Pipeline', STATE_MACHINE_ARN).grantStartAndWatch(role);
    });
    expect(formatFindings(findings)).toBe('');
  });

  test('a created pipeline\'s grantee is AwsSolutions clean too', () => {
    const findings = nagFindings(s => {
      const pipeline = new LakehousePipeline(s, 'Pipeline', requiredProps(s));
      pipeline.grantStartAndWatch(new iam.Role(s, 'Airflow', { assumedBy: new iam.ServicePrincipal('airflow.amazonaws.com') }));
    });
    expect(formatFindings(findings)).toBe('');
  });

  test.each([
    'arn:aws:states:us-east-1:210987654321:execution:team-pipeline:run-1',
    'arn:aws:lambda:us-east-1:210987654321:function:team-pipeline',
    'team-pipeline',
  ])('%j is refused with a named error', arn => {
    const error = expectValidationError(() => adopted(arn), 'stateMachineArn', /must be the ARN of a Step Functions state machine/);
    expect(error.message).toMatch(/^Test\/Pipeline: stateMachineArn /);
  });
});
