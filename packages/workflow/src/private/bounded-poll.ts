import { Validate } from '@lakehouse-cdk/core';
import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/** The longest poll loop: each poll is four history events, well under the 25,000-event limit. */
export const MAX_POLLS = 1000;
/** The longest wait between two polls. */
export const MAX_POLL_INTERVAL_SECONDS = 3600;

/** An outcome of a poll: when `condition` holds, go to `next`. */
export interface PollOutcome {
  readonly condition: sfn.Condition;
  readonly next: sfn.IChainable;
}

export interface BoundedPollOptions {
  /** The word of the wait and count states: `RawCrawler` gives `WaitForRawCrawler` and `CountRawCrawlerPoll`. */
  readonly subject: string;
  /** Where the loop keeps its state; the poll count is `<statePath>.polls`. */
  readonly statePath: string;
  readonly interval: Duration;
  readonly maxPolls: number;
  /** The task that reads the status; its result must not replace `<statePath>.polls`. */
  readonly poll: sfn.TaskStateBase;
  /** Fields of `statePath` that the loop keeps (the count replaces the object at `statePath`). */
  readonly carry?: string[];
  /** The Choice after the poll. */
  readonly choiceId: string;
  /** Where the loop leaves when the status says so, checked in order. */
  readonly outcomes: PollOutcome[];
  /** Where the loop goes after `maxPolls` polls without an outcome. */
  readonly timedOut: sfn.IChainable;
}

/**
 * Wait → count the poll → read the status → Choice: leave on an outcome,
 * time out after `maxPolls` polls, else wait again. ASL can't subtract
 * timestamps, so the time bound is a poll count. The count starts at
 * `<statePath>.polls`, which the state before the loop sets to 0.
 *
 * @returns the Wait state, where the loop starts
 */
export function boundedPoll(scope: Construct, options: BoundedPollOptions): sfn.Wait {
  const { subject, statePath } = options;
  const wait = new sfn.Wait(scope, `WaitFor${subject}`, {
    comment: `Waits between two polls (at most ${options.maxPolls} polls, ${options.interval.toSeconds()} seconds apart)`,
    time: sfn.WaitTime.duration(options.interval),
  });
  const carried: Record<string, string> = {};
  for (const field of options.carry ?? []) carried[`${field}.$`] = `${statePath}.${field}`;
  const count = new sfn.Pass(scope, `Count${subject}Poll`, {
    parameters: { ...carried, 'polls.$': `States.MathAdd(${statePath}.polls, 1)` },
    resultPath: statePath,
  });
  const choice = new sfn.Choice(scope, options.choiceId);
  for (const outcome of options.outcomes) choice.when(outcome.condition, outcome.next);
  choice
    .when(sfn.Condition.numberGreaterThanEquals(`${statePath}.polls`, options.maxPolls), options.timedOut)
    .otherwise(wait);
  wait.next(count).next(options.poll).next(choice);
  return wait;
}

/** A Pass that puts `{Error, Cause, State}` at `failurePath` and goes to `next`. */
export function failureState(scope: Construct, id: string, props: {
  readonly error: string;
  readonly causeFormat: string;
  readonly causeArgs: string[];
  readonly failedState: string;
  readonly failurePath: string;
  readonly next: sfn.IChainable;
}): sfn.Pass {
  const cause = props.causeArgs.length === 0
    ? { Cause: props.causeFormat }
    : { 'Cause.$': `States.Format('${props.causeFormat}', ${props.causeArgs.join(', ')})` };
  const pass = new sfn.Pass(scope, id, {
    parameters: { Error: props.error, ...cause, State: props.failedState },
    resultPath: props.failurePath,
  });
  pass.next(props.next);
  return pass;
}

/**
 * Checks a poll interval and timeout and returns the number of polls,
 * `ceil(timeout / interval)`. Errors name `intervalProp` and `timeoutProp`.
 */
export function pollCount(intervalProp: string, interval: Duration, timeoutProp: string, timeout: Duration, scope: Construct): number {
  // The bound is a poll count written into the definition: a token's placeholder would make it a meaningless number.
  const intervalSeconds = Validate.seconds(intervalProp, interval, scope);
  Validate.knownAtSynth(intervalProp, intervalSeconds, 'the poll bound (a number of polls in the definition) is computed from it', scope);
  Validate.integerInRange(`${intervalProp} (seconds)`, intervalSeconds, 1, MAX_POLL_INTERVAL_SECONDS, scope);
  const timeoutSeconds = Validate.seconds(timeoutProp, timeout, scope);
  Validate.knownAtSynth(timeoutProp, timeoutSeconds, 'the poll bound (a number of polls in the definition) is computed from it', scope);
  Validate.atLeast(timeoutProp, timeoutSeconds, intervalSeconds, 'seconds', `one ${intervalProp}`, scope);
  const polls = Math.ceil(timeoutSeconds / intervalSeconds);
  if (polls > MAX_POLLS) {
    Validate.fail(timeoutProp, `${timeoutSeconds} seconds`,
      `must be at most ${MAX_POLLS} ${intervalProp}s (${MAX_POLLS * intervalSeconds} seconds), to stay under the 25,000-event execution history limit`, scope);
  }
  return polls;
}

/** Checks a step name: a PascalCase word that state ids are made of. */
export function validateStepName(prop: string, name: string, scope: Construct): void {
  Validate.matches(prop, name, STEP_NAME_PATTERN, 'must be a PascalCase word of up to 40 letters and digits (state ids are made of it)', scope);
}

const STEP_NAME_PATTERN = '[A-Z][A-Za-z0-9]{0,39}';
