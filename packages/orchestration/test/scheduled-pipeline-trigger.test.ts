import { expectValidationError, formatFindings, policyStatements, synth, asList } from '@lakehouse-cdk/testing';
import { App, Duration, Lazy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { ScheduledPipelineTrigger, ScheduledPipelineTriggerProps } from '../src';
import { STATE_MACHINE_ARN, stackFindings, withCompliancePacks } from './support';

function buildTrigger(stack: Stack, props: Partial<ScheduledPipelineTriggerProps> = {}): ScheduledPipelineTrigger {
  const stateMachine = sfn.StateMachine.fromStateMachineArn(stack, 'Pipeline', STATE_MACHINE_ARN);
  return new ScheduledPipelineTrigger(stack, 'Trigger', { stateMachine, ...props });
}

function scheduleProperties(template: Template): any {
  const schedules = Object.values(template.findResources('AWS::Scheduler::Schedule'));
  expect(schedules).toHaveLength(1);
  return (schedules[0] as any).Properties;
}

describe('ScheduledPipelineTrigger defaults', () => {
  let template: Template;
  let props: any;
  beforeAll(() => {
    template = synth(stack => buildTrigger(stack)).template;
    props = scheduleProperties(template);
  });

  test('runs daily at 00:00 UTC, always on', () => {
    expect(props.ScheduleExpression).toBe('cron(0 0 * * ? *)');
    expect(props.ScheduleExpressionTimezone).toBe('Etc/UTC');
    expect(props.State).toBe('ENABLED');
    expect(props.FlexibleTimeWindow).toEqual({ Mode: 'OFF' });
  });

  test('starts the pipeline with the pipeline name and the scheduled time, which the pipeline turns into execution_date', () => {
    expect(props.Target.Arn).toBe(STATE_MACHINE_ARN);
    expect(JSON.parse(props.Target.Input)).toEqual({
      pipeline_name: 'lakehouse',
      scheduled_time: '<aws.scheduler.scheduled-time>',
    });
  });

  test('retries 3 times within an hour, then keeps the start in an encrypted dead-letter queue', () => {
    expect(props.Target.RetryPolicy).toEqual({ MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 });
    const [queueId] = Object.keys(template.findResources('AWS::SQS::Queue'));
    expect(props.Target.DeadLetterConfig.Arn).toEqual({ 'Fn::GetAtt': [queueId, 'Arn'] });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
  });

  test('the role may only start this state machine and send to the dead-letter queue', () => {
    const statements = policyStatements(template).map(s => s.statement);
    const actions = statements.flatMap(s => asList<string>(s.Action)).sort();
    expect(actions).toEqual(['sqs:SendMessage', 'states:StartExecution']);
    const start = statements.find(s => asList<string>(s.Action).includes('states:StartExecution'));
    expect(start.Resource).toBe(STATE_MACHINE_ARN);
  });

  test('only EventBridge Scheduler, for this schedule of this account, may assume the role', () => {
    const [role] = Object.values(template.findResources('AWS::IAM::Role')) as any[];
    const [statement] = role.Properties.AssumeRolePolicyDocument.Statement;
    expect(statement.Principal).toEqual({ Service: 'scheduler.amazonaws.com' });
    expect(JSON.stringify(statement.Condition)).toContain(`schedule/default/${props.Name}`);
    expect(statement.Condition.StringEquals['aws:SourceAccount']).toBeDefined();
  });
});

describe('ScheduledPipelineTrigger props', () => {
  test('schedule, name, retries and event age reach the schedule', () => {
    const { template } = synth(stack => buildTrigger(stack, {
      pipelineName: 'daily.events',
      scheduleName: 'lakehouse-daily',
      schedule: scheduler.ScheduleExpression.cron({ minute: '30', hour: '2' }),
      retryAttempts: 0,
      maxEventAge: Duration.minutes(15),
    }));
    const props = scheduleProperties(template);
    expect(props.Name).toBe('lakehouse-daily');
    expect(props.ScheduleExpression).toBe('cron(30 2 * * ? *)');
    expect(props.Target.RetryPolicy).toEqual({ MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 900 });
    expect(JSON.parse(props.Target.Input).pipeline_name).toBe('daily.events');
  });

  test.each([
    ['pipelineName', { pipelineName: 'daily events' }],
    ['retryAttempts', { retryAttempts: 186 }],
    ['retryAttempts', { retryAttempts: -1 }],
    ['maxEventAge', { maxEventAge: Duration.seconds(30) }],
    ['maxEventAge', { maxEventAge: Duration.hours(25) }],
    ['deadLetterRetention', { deadLetterRetention: Duration.days(15) }],
    ['scheduleName', { scheduleName: 'a'.repeat(65) }],
    ['scheduleName', { scheduleName: 'daily run' }],
    ['retryAttempts', { retryAttempts: Lazy.number({ produce: () => 3 }) }],
    ['retryAttempts', { retryAttempts: '3' }],
    ['maxEventAge', { maxEventAge: Duration.hours(Lazy.number({ produce: () => 1 })) }],
    ['maxEventAge', { maxEventAge: 3600 }],
    ['maxEventAge', { maxEventAge: Duration.millis(60_500) }],
    ['deadLetterRetention', { deadLetterRetention: Duration.days(Lazy.number({ produce: () => 4 })) }],
    ['schedule', { schedule: 'cron(0 0 * * ? *)' }],
    ['schedule', { schedule: scheduler.ScheduleExpression.expression('rate(1 days)') }],
    ['schedule', { schedule: scheduler.ScheduleExpression.expression('cron(0 0 * * *)') }],
    ['stateMachine', { stateMachine: undefined }],
  ])('%s is rejected: %p', (prop, props) => {
    expectValidationError(() => buildTrigger(new Stack(new App(), 'S'), props as Partial<ScheduledPipelineTriggerProps>), prop);
  });
});

describe('ScheduledPipelineTrigger cdk-nag', () => {
  test('no unacknowledged finding in the AwsSolutions, NIST 800-53 R5 and HIPAA Security packs', () => {
    const findings = stackFindings(stack => {
      withCompliancePacks(stack);
      buildTrigger(stack);
    });
    expect(formatFindings(findings)).toBe('');
  });
});
