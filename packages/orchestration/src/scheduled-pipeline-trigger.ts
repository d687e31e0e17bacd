import { ArnFormat, Duration, Names, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { CostAllocationTags, DataRetention, NagAcknowledgements, PropType, ServiceTrust, Validate } from '@lakehouse-cdk/core';
import { Construct } from 'constructs';

/** Properties of a schedule that starts the lakehouse pipeline without Airflow. */
export interface ScheduledPipelineTriggerProps {
  /** The pipeline state machine to start. */
  readonly stateMachine: sfn.IStateMachine;

  /**
   * The pipeline name passed as `pipeline_name`: 1 to 128 letters, digits,
   * `_`, `.` and `-` (`Validate.pipelineName`).
   * @default 'lakehouse'
   */
  readonly pipelineName?: string;

  /**
   * When the pipeline starts. Each start passes the scheduled time, and the
   * pipeline runs for the day before it (`execution_date`), as Airflow's `ds`
   * is for a daily schedule.
   * @default - every day at 00:00 UTC
   */
  readonly schedule?: scheduler.ScheduleExpression;

  /**
   * The schedule's name: 1 to 64 letters, digits, `.`, `-` and `_`.
   * @default - a name unique to this construct
   */
  readonly scheduleName?: string;

  /**
   * How often EventBridge Scheduler retries a start that failed: 0 to 185.
   * A retry cannot add a second run for the date while the first is running:
   * the pipeline's run record refuses it (`PipelineAlreadyRunning`).
   * @default 3
   */
  readonly retryAttempts?: number;

  /**
   * How long after the scheduled time a start may still be attempted:
   * 1 minute to 24 hours. Past it, the start goes to the dead-letter queue.
   * @default Duration.hours(1)
   */
  readonly maxEventAge?: Duration;

  /**
   * How long the dead-letter queue keeps a start that failed: 1 minute to 14 days.
   * @default Duration.days(14)
   */
  readonly deadLetterRetention?: Duration;
}

/**
 * Starts the lakehouse pipeline on a schedule with EventBridge Scheduler: the
 * cheapest orchestration, with no Airflow, no VPC and no fixed hourly charge.
 *
 * The input is `{"pipeline_name": …, "scheduled_time": <the scheduled time>}`;
 * the pipeline derives `execution_date` (the day before) from it. Starts that
 * still fail after the retries go to an encrypted SQS dead-letter queue. The
 * schedule's role may only start executions of this state machine and send to
 * that queue.
 */
export class ScheduledPipelineTrigger extends Construct {
  /** The schedule. */
  public readonly schedule: scheduler.ISchedule;
  /** The schedule's name. */
  public readonly scheduleName: string;
  /** The queue that keeps the starts that failed after every retry. */
  public readonly deadLetterQueue: sqs.IQueue;
  /** The role EventBridge Scheduler starts the pipeline with. */
  public readonly role: iam.IRole;

  constructor(scope: Construct, id: string, props: ScheduledPipelineTriggerProps) {
    super(scope, id);

    Validate.propTypes(props, {
      stateMachine: PropType.CONSTRUCT,
      pipelineName: PropType.STRING,
      scheduleName: PropType.STRING,
      retryAttempts: PropType.NUMBER,
      maxEventAge: PropType.DURATION,
      deadLetterRetention: PropType.DURATION,
    }, ['stateMachine'], this);
    const pipelineName = props.pipelineName ?? 'lakehouse';
    const retryAttempts = props.retryAttempts ?? 3;
    const maxEventAge = props.maxEventAge ?? Duration.hours(1);
    const deadLetterRetention = props.deadLetterRetention ?? Duration.days(14);
    const schedule = props.schedule ?? scheduler.ScheduleExpression.cron({ minute: '0', hour: '0' });
    const scheduleName = props.scheduleName ?? Names.uniqueResourceName(this, { maxLength: 64, separator: '-' });
    Validate.pipelineName('pipelineName', pipelineName, this);
    // aws-cdk-lib checks the retry policy's range when it renders the target, so both must be known here.
    const retryReason = "EventBridge Scheduler's retry policy is checked against its range at synth time";
    Validate.knownAtSynth('retryAttempts', retryAttempts, retryReason, this);
    Validate.integerInRange('retryAttempts', retryAttempts, 0, 185, this);
    const maxEventAgeSeconds = Validate.seconds('maxEventAge', maxEventAge, this);
    Validate.knownAtSynth('maxEventAge', maxEventAgeSeconds, retryReason, this);
    Validate.integerInRange('maxEventAge', maxEventAgeSeconds, 60, 86400, this);
    Validate.integerInRange('deadLetterRetention', Validate.seconds('deadLetterRetention', deadLetterRetention, this), 60, 1209600, this);
    if (!(schedule instanceof scheduler.ScheduleExpression)) {
      Validate.fail('schedule', schedule === null ? 'null' : `a ${Array.isArray(schedule) ? 'list' : typeof schedule}`,
        "must be a ScheduleExpression, for example ScheduleExpression.cron({ minute: '0', hour: '0' })", this);
    }
    Validate.scheduleExpression('schedule', schedule.expressionString, this);
    Validate.length('scheduleName', scheduleName, 1, 64, this);
    Validate.matches('scheduleName', scheduleName, '[0-9a-zA-Z-_.]+', 'must hold only letters, digits, hyphens, underscores and dots (EventBridge Scheduler name)', this);
    this.scheduleName = scheduleName;

    const deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      // SQS-managed keys: encrypted at rest with no key to pay for or manage.
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: deadLetterRetention,
      removalPolicy: DataRetention.removalPolicy(this),
    });
    NagAcknowledgements.acknowledge(deadLetterQueue, {
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the schedule: it receives only the starts EventBridge Scheduler gave up on.',
    });
    this.deadLetterQueue = deadLetterQueue;

    // The default schedule group; the name is known here, so the trust needs no reference back to the schedule.
    const scheduleArn = Stack.of(this).formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `default/${scheduleName}`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    const role = new iam.Role(this, 'Role', {
      description: `EventBridge Scheduler starts the lakehouse pipeline ${pipelineName} from the schedule ${scheduleName}`,
      assumedBy: ServiceTrust.principal(this, 'scheduler.amazonaws.com', { sourceArn: scheduleArn }),
    });
    this.role = role;

    const target = new targets.StepFunctionsStartExecution(props.stateMachine, {
      role,
      input: scheduler.ScheduleTargetInput.fromObject({
        pipeline_name: pipelineName,
        scheduled_time: scheduler.ContextAttribute.scheduledTime,
      }),
      deadLetterQueue,
      retryAttempts,
      maxEventAge,
    });
    this.schedule = new scheduler.Schedule(this, 'Resource', {
      scheduleName,
      description: `Starts the lakehouse pipeline ${pipelineName} for the day before each scheduled time`,
      schedule,
      target,
    });
    NagAcknowledgements.inlineDefaultPolicies(role);

    CostAllocationTags.tagLayer(this, 'orchestration');
  }
}
