import { RunRecord, RunStatus } from '../src';

const ATTRIBUTES = [
  RunRecord.PIPELINE_NAME, RunRecord.EXECUTION_DATE, RunRecord.STATUS, RunRecord.START_TIME, RunRecord.END_TIME,
  RunRecord.EXECUTION_ARN, RunRecord.ERROR, RunRecord.CAUSE, RunRecord.FAILED_STATE, RunRecord.SUMMARY,
];
const CONDITIONS = [RunRecord.START_CONDITION, RunRecord.OWN_RUN_CONDITION, RunRecord.STUCK_RUN_CONDITION];

describe('RunRecord', () => {
  test('attribute names are distinct DynamoDB attribute names', () => {
    expect(new Set(ATTRIBUTES).size).toBe(ATTRIBUTES.length);
    for (const attribute of ATTRIBUTES) expect(attribute).toMatch(/^[a-z][a-z_]*$/);
  });

  test('every condition names attributes only through placeholders bound by conditionNames', () => {
    for (const condition of CONDITIONS) {
      const placeholders = condition.match(/#[a-z_]+/g) ?? [];
      expect(placeholders.length).toBeGreaterThan(0);
      const names = RunRecord.conditionNames(placeholders.map(placeholder => placeholder.slice(1)));
      for (const placeholder of placeholders) expect(ATTRIBUTES).toContain(names[placeholder]);
      // No bare attribute name: `status` is a DynamoDB reserved word.
      const bare = condition.replace(/#[a-z_]+|:[a-z_]+/g, '');
      for (const attribute of ATTRIBUTES) expect(bare).not.toMatch(new RegExp(`\\b${attribute}\\b`));
    }
  });

  test('the conditions use only the :running and :execution_arn values', () => {
    for (const condition of CONDITIONS) {
      for (const value of condition.match(/:[a-z_]+/g) ?? []) expect([':running', ':execution_arn']).toContain(value);
    }
  });

  test('statuses are the strings stored in the table', () => {
    expect(Object.values(RunStatus)).toEqual(['RUNNING', 'SUCCEEDED', 'FAILED']);
  });

  test('start attributes are written by the start of every run', () => {
    expect(RunRecord.START_ATTRIBUTES).toEqual(['pipeline_name', 'execution_date', 'status', 'start_time', 'execution_arn']);
  });
});
