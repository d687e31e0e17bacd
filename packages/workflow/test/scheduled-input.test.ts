// jsonata is the JSONata engine asl-validator checks definitions with, the language Step Functions evaluates.
import jsonata from 'jsonata';
import { EXECUTION_DATE_FROM_SCHEDULED_TIME } from '../src/private/input-validation';
import { synthDefaults } from './helpers';

async function dateFor(scheduledTime: string): Promise<string> {
  return jsonata(EXECUTION_DATE_FROM_SCHEDULED_TIME).evaluate({}, { states: { input: { scheduled_time: scheduledTime } } });
}

describe('an input with scheduled_time and no execution_date (EventBridge Scheduler)', () => {
  test.each([
    ['2026-03-02T00:00:00Z', '2026-03-01'],
    ['2026-03-01T00:00:00Z', '2026-02-28'],
    ['2028-03-01T00:00:00Z', '2028-02-29'],
    ['2027-01-01T00:00:00Z', '2026-12-31'],
    ['2026-05-01T00:30:00Z', '2026-04-30'],
    ['2026-07-15T23:59:59Z', '2026-07-14'],
  ])('scheduled at %s runs execution_date %s, the UTC day before', async (scheduledTime, expected) => {
    expect(await dateFor(scheduledTime)).toBe(expected);
  });

  test('ValidateInput sends it to DeriveExecutionDate first, which sets execution_date and checks it again', () => {
    const { definition } = synthDefaults();
    const validate = definition.States.ValidateInput;
    expect(validate.Choices[0]).toEqual({
      And: [
        { Not: { Variable: '$.execution_date', IsPresent: true } },
        { Variable: '$.scheduled_time', IsPresent: true },
        { Variable: '$.scheduled_time', IsString: true },
      ],
      Next: 'DeriveExecutionDate',
    });
    const derive = definition.States.DeriveExecutionDate;
    expect(derive).toMatchObject({ Type: 'Pass', QueryLanguage: 'JSONata', Next: 'ValidateInput' });
    expect(derive.Output).toContain(EXECUTION_DATE_FROM_SCHEDULED_TIME);
    expect(derive.Output).toContain('$merge([$states.input');
  });
});
