import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';

/**
 * Errors worth retrying on the DynamoDB optimized integration: throttling and
 * server-side faults. `States.TaskFailed` is left out on purpose: it would
 * also retry a refused condition or a malformed request, which can only fail
 * again.
 */
export const DYNAMODB_TRANSIENT_ERRORS = [
  'DynamoDB.ProvisionedThroughputExceededException',
  'DynamoDB.ThrottlingException',
  'DynamoDB.RequestLimitExceeded',
  'DynamoDB.InternalServerErrorException',
];

/** Errors worth retrying on the Glue SDK integration: throttling, timeouts and server-side faults. */
export const GLUE_TRANSIENT_ERRORS = [
  'Glue.ThrottlingException',
  'Glue.OperationTimeoutException',
  'Glue.InternalServiceException',
  'Glue.ConcurrentModificationException',
];

/** Errors worth retrying on the Athena optimized integration. */
export const ATHENA_TRANSIENT_ERRORS = [
  'Athena.TooManyRequestsException',
  'Athena.InternalServerException',
];

/**
 * Adds the pipeline's retry policy: exponential backoff with full jitter, so
 * that retries of many runs do not hit a throttled API in lockstep.
 */
export function addTransientRetry(task: sfn.TaskStateBase, errors: string[]): void {
  task.addRetry({
    errors,
    interval: Duration.seconds(2),
    backoffRate: 2,
    maxAttempts: 4,
    maxDelay: Duration.seconds(60),
    jitterStrategy: sfn.JitterType.FULL,
  });
}

/** Errors worth retrying on the CodeBuild optimized integration: the account's concurrent-build limit. */
export const CODEBUILD_TRANSIENT_ERRORS = [
  'CodeBuild.AccountLimitExceededException',
];
