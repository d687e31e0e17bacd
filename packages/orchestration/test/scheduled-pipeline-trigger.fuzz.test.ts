import {
  assertFuzz, boundaryNumbers, built, durations, FuzzSpec, fuzzValue, MISSING, oneOfValues, reportFuzzCounts, strings, tokenNumbers, tokenStrings, wrongTypes,
} from '@lakehouse-cdk/testing';
import { Duration, Token } from 'aws-cdk-lib';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as fc from 'fast-check';
import { STATE_MACHINE_ARN } from './support';
import { ScheduledPipelineTrigger } from '../src';

afterAll(reportFuzzCounts);

const durationsAnd = (...valid: Duration[]) => fc.oneof({ weight: 2, arbitrary: oneOfValues(...valid) }, durations(), wrongTypes(), fc.constant(MISSING));
/** The pipeline the trigger starts, once per stack. */
const pipeline = (stack: any): sfn.IStateMachine => stack.node.tryFindChild('Pipeline') ?? sfn.StateMachine.fromStateMachineArn(stack, 'Pipeline', STATE_MACHINE_ARN);
const expression = (text: string) => fuzzValue(`ScheduleExpression.expression(${JSON.stringify(text)})`, () => scheduler.ScheduleExpression.expression(text));

test('ScheduledPipelineTrigger: any fuzzed props give a schedule within EventBridge Scheduler rules, or a named error', () => {
  const spec: FuzzSpec = {
    construct: 'ScheduledPipelineTrigger',
    props: {
      stateMachine: fc.oneof(
        { weight: 2, arbitrary: built('an imported state machine', pipeline) },
        wrongTypes(), fc.constant(MISSING)),
      pipelineName: strings('lakehouse', 'events.daily-v2'),
      scheduleName: strings('lakehouse-daily', 'a', 'A_b.1', 'x'.repeat(64), 'x'.repeat(65)),
      schedule: fc.oneof(
        oneOfValues(
          scheduler.ScheduleExpression.cron({ minute: '30', hour: '2' }),
          scheduler.ScheduleExpression.rate(Duration.hours(6)),
          scheduler.ScheduleExpression.rate(Duration.days(1)),
        ),
        fc.constantFrom('cron(0 0 * * ? *)', 'cron(0 0 * * *)', 'rate(1 days)', 'rate(0 minutes)', 'at(2030-02-30T00:00:00)', 'at(2030-01-01T00:00:00)', 'daily', '')
          .map(expression),
        tokenStrings().map(token => fuzzValue(`ScheduleExpression.expression(${token.label})`, stack => scheduler.ScheduleExpression.expression(token.make(stack) as string))),
        wrongTypes(), fc.constant(MISSING)),
      retryAttempts: fc.oneof({ weight: 3, arbitrary: oneOfValues(0, 3, 185) }, boundaryNumbers(), tokenNumbers(), wrongTypes(), fc.constant(MISSING)),
      maxEventAge: durationsAnd(Duration.minutes(1), Duration.hours(1), Duration.hours(24)),
      deadLetterRetention: durationsAnd(Duration.minutes(1), Duration.days(4), Duration.days(14)),
    },
    maxFuzzed: 3,
    build: (stack, fuzzed) => new ScheduledPipelineTrigger(stack, 'Trigger', {
      stateMachine: pipeline(stack),
      ...fuzzed,
    } as any),
    rules: (template, fuzzed) => {
      const schedules = Object.values<any>(template.findResources('AWS::Scheduler::Schedule'));
      if (schedules.length !== 1) throw new Error(`${schedules.length} schedules`);
      const { Name: name, Target: target, ScheduleExpression: expressionString } = schedules[0].Properties;
      if (typeof name === 'string' && !/^[0-9a-zA-Z-_.]{1,64}$/.test(name)) throw new Error(`the schedule name ${JSON.stringify(name)} breaks EventBridge Scheduler's rule`);
      const givenToken = Token.isUnresolved((fuzzed.schedule as any)?.expressionString);
      if (typeof expressionString === 'string' && !givenToken && !/^(cron|rate|at)\(/.test(expressionString)) throw new Error(`the schedule expression ${JSON.stringify(expressionString)}`);
      const { MaximumRetryAttempts: retries, MaximumEventAgeInSeconds: age } = target.RetryPolicy;
      if (!(Number.isInteger(retries) && retries >= 0 && retries <= 185)) throw new Error(`MaximumRetryAttempts ${retries}`);
      if (!(Number.isInteger(age) && age >= 60 && age <= 86400)) throw new Error(`MaximumEventAgeInSeconds ${age}`);
      if (target.Arn !== STATE_MACHINE_ARN) throw new Error(`the target is ${JSON.stringify(target.Arn)}`);
      // A token pipeline name is joined into the input at deploy time.
      const input: string = typeof target.Input === 'string' ? target.Input
        : (target.Input['Fn::Join']?.[1] ?? []).map((part: unknown) => typeof part === 'string' ? part : 'TOKEN').join('');
      if (!/"pipeline_name":/.test(input) || !input.includes('"scheduled_time":"<aws.scheduler.scheduled-time>"')) throw new Error(`the input is ${input}`);
      if (typeof target.Input !== 'string' && !Token.isUnresolved(fuzzed.pipelineName)) throw new Error(`the input is not known at synth: ${input}`);
      const [queue] = Object.values<any>(template.findResources('AWS::SQS::Queue'));
      const retention = queue.Properties.MessageRetentionPeriod;
      if (!(fuzzed.deadLetterRetention as any)?.isUnresolved?.() && !(Number.isInteger(retention) && retention >= 60 && retention <= 1209600)) {
        throw new Error(`the dead-letter queue keeps messages ${retention} seconds`);
      }
      if (!queue.Properties.SqsManagedSseEnabled) throw new Error('the dead-letter queue is not encrypted');
      if (target.DeadLetterConfig?.Arn === undefined) throw new Error('the schedule has no dead-letter queue');
    },
  };
  assertFuzz(spec);
});
