import { Duration, Token } from 'aws-cdk-lib';
import { Validate } from '@lakehouse-cdk/core';
import { IConstruct } from 'constructs';

/** S3 lifecycle day counts are 32-bit integers; 100 years is a practical ceiling. */
export const MAX_LIFECYCLE_DAYS = 36500;

/**
 * The whole number of days in `duration`, or undefined when it is a token.
 * S3 lifecycle rules count in whole days only, so `Duration.hours(36)` is
 * refused here with the shared error instead of a raw conversion error.
 */
export function wholeDays(scope: IConstruct, prop: string, duration: Duration, min: number = 1): number | undefined {
  const days = duration.toDays({ integral: false });
  if (Token.isUnresolved(days)) return undefined;
  Validate.integerInRange(prop, days, min, MAX_LIFECYCLE_DAYS, scope);
  return days;
}
