import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/** The error of an input whose `execution_date` is missing or not a YYYY-MM-DD date. */
export const INVALID_EXECUTION_DATE_ERROR = 'Lakehouse.InvalidExecutionDate';
/** The error of an input whose `pipeline_name` is not a non-empty string. */
export const INVALID_PIPELINE_NAME_ERROR = 'Lakehouse.InvalidPipelineName';

const DATE_CHECK = '$.date_check';

/**
 * The JSONata expression that gives the input `execution_date`: the UTC day
 * before `scheduled_time`, as Airflow's `ds` is for a daily schedule.
 */
export const EXECUTION_DATE_FROM_SCHEDULED_TIME =
  "$fromMillis($toMillis($states.input.scheduled_time) - 86400000, '[Y0001]-[M01]-[D01]')";

/**
 * Builds the states that check the input before any side effect, and returns
 * the first of them. `next` is entered with `$.pipeline_name` set (the
 * default when absent) and `$.execution_date` a YYYY-MM-DD calendar date.
 * An input with `scheduled_time` (an ISO 8601 time) and no `execution_date`
 * first gets `execution_date` = the UTC day before `scheduled_time`.
 *
 * Choice rules have no regular expressions (StringMatches knows only `*`), so
 * the date is checked with intrinsic functions:
 * 1. it has only digits and `-` (splitting it on those characters leaves
 *    nothing) and three `-`-separated fields;
 * 2. each field, prefixed with `1`, is parsed as a number: `1` + a four-digit
 *    year is 11000-19999, `1` + a two-digit month 101-112, `1` + a two-digit
 *    day 101-131 (the prefix keeps leading zeros and makes the lengths
 *    count); and the fields joined with `-` give back the input, which
 *    refuses empty or doubled separators;
 * 3. days past the end of their month are refused (February allows 29).
 */
export function inputValidation(scope: Construct, defaultPipelineName: string, next: sfn.IChainable): sfn.State {
  const validateInput = new sfn.Choice(scope, 'ValidateInput', {
    comment: 'Checks the input before anything is written',
  });
  // A scheduled start (EventBridge Scheduler) passes its scheduled time instead of a date.
  // Choice rules and intrinsic functions have no date arithmetic; this one state uses JSONata.
  // A scheduled_time that is not an ISO 8601 time fails the execution here, before anything is written.
  const deriveDate = sfn.Pass.jsonata(scope, 'DeriveExecutionDate', {
    comment: 'execution_date is the UTC day before scheduled_time',
    outputs: `{% $merge([$states.input, {'execution_date': ${EXECUTION_DATE_FROM_SCHEDULED_TIME}}]) %}`,
  });
  deriveDate.next(validateInput);

  const invalidDate = new sfn.Fail(scope, 'InvalidExecutionDate', {
    error: INVALID_EXECUTION_DATE_ERROR,
    cause: 'The input needs "execution_date" as a YYYY-MM-DD calendar date',
  });
  const invalidName = new sfn.Fail(scope, 'InvalidPipelineName', {
    error: INVALID_PIPELINE_NAME_ERROR,
    cause: 'The input\'s "pipeline_name", when given, must be a non-empty string',
  });

  const applyDefaultName = new sfn.Pass(scope, 'ApplyDefaultPipelineName', {
    result: sfn.Result.fromString(defaultPipelineName),
    resultPath: '$.pipeline_name',
  });
  const splitDate = new sfn.Pass(scope, 'SplitExecutionDate', {
    parameters: {
      'other_characters.$': "States.ArrayLength(States.StringSplit($.execution_date, '0123456789-'))",
      'field_count.$': "States.ArrayLength(States.StringSplit($.execution_date, '-'))",
      'fields.$': "States.StringSplit($.execution_date, '-')",
    },
    resultPath: DATE_CHECK,
  });
  const checkShape = new sfn.Choice(scope, 'CheckExecutionDateShape');
  const parseFields = new sfn.Pass(scope, 'ParseExecutionDate', {
    parameters: {
      'year.$': `States.StringToJson(States.Format('1{}', States.ArrayGetItem(${DATE_CHECK}.fields, 0)))`,
      'month.$': `States.StringToJson(States.Format('1{}', States.ArrayGetItem(${DATE_CHECK}.fields, 1)))`,
      'day.$': `States.StringToJson(States.Format('1{}', States.ArrayGetItem(${DATE_CHECK}.fields, 2)))`,
      'rebuilt.$': `States.Format('{}-{}-{}', States.ArrayGetItem(${DATE_CHECK}.fields, 0), States.ArrayGetItem(${DATE_CHECK}.fields, 1), States.ArrayGetItem(${DATE_CHECK}.fields, 2))`,
    },
    resultPath: DATE_CHECK,
  });
  const checkDate = new sfn.Choice(scope, 'CheckExecutionDate');

  const name = '$.pipeline_name';
  validateInput
    .when(sfn.Condition.and(
      sfn.Condition.not(sfn.Condition.isPresent('$.execution_date')),
      sfn.Condition.isPresent('$.scheduled_time'),
      sfn.Condition.isString('$.scheduled_time'),
    ), deriveDate)
    .when(sfn.Condition.or(
      sfn.Condition.not(sfn.Condition.isPresent('$.execution_date')),
      sfn.Condition.not(sfn.Condition.isString('$.execution_date')),
    ), invalidDate)
    .when(sfn.Condition.and(
      sfn.Condition.isPresent(name),
      sfn.Condition.or(sfn.Condition.not(sfn.Condition.isString(name)), sfn.Condition.stringEquals(name, '')),
    ), invalidName)
    .when(sfn.Condition.isPresent(name), splitDate)
    .otherwise(applyDefaultName);
  applyDefaultName.next(splitDate);
  splitDate.next(checkShape);

  checkShape
    .when(sfn.Condition.and(
      sfn.Condition.numberEquals(`${DATE_CHECK}.other_characters`, 0),
      sfn.Condition.numberEquals(`${DATE_CHECK}.field_count`, 3),
    ), parseFields)
    .otherwise(invalidDate);
  parseFields.next(checkDate);

  const month = `${DATE_CHECK}.month`;
  const day = `${DATE_CHECK}.day`;
  const monthIn = (months: number[]) => sfn.Condition.or(...months.map(m => sfn.Condition.numberEquals(month, 100 + m)));
  checkDate
    .when(sfn.Condition.and(
      sfn.Condition.stringEqualsJsonPath(`${DATE_CHECK}.rebuilt`, '$.execution_date'),
      sfn.Condition.numberGreaterThanEquals(`${DATE_CHECK}.year`, 11000),
      sfn.Condition.numberLessThanEquals(`${DATE_CHECK}.year`, 19999),
      sfn.Condition.numberGreaterThanEquals(month, 101),
      sfn.Condition.numberLessThanEquals(month, 112),
      sfn.Condition.numberGreaterThanEquals(day, 101),
      sfn.Condition.numberLessThanEquals(day, 131),
      sfn.Condition.not(sfn.Condition.and(monthIn([4, 6, 9, 11]), sfn.Condition.numberEquals(day, 131))),
      sfn.Condition.not(sfn.Condition.and(monthIn([2]), sfn.Condition.numberGreaterThan(day, 129))),
    ), next)
    .otherwise(invalidDate);

  return validateInput;
}
