import { expectValidationError, synth } from '@lakehouse-cdk/testing';
import { App, Stack } from 'aws-cdk-lib';
import * as fc from 'fast-check';
import { AirflowLogLevel, AirflowVersion, MwaaEnvironmentProps, MwaaSettings, WebserverAccess } from '../src';
import { buildEnvironment } from './support';

const LOG_TYPES = ['DagProcessingLogs', 'SchedulerLogs', 'TaskLogs', 'WebserverLogs', 'WorkerLogs'];
const AT_LEAST_INFO = ['INFO', 'WARNING', 'ERROR', 'CRITICAL'];
const DAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'];
const LARGER_CLASSES = MwaaSettings.ENVIRONMENT_CLASSES.filter(c => c !== MwaaSettings.MICRO_CLASS);

const maintenanceWindow = fc.tuple(fc.constantFrom(...DAYS), fc.integer({ min: 0, max: 23 }), fc.constantFrom('00', '30'))
  .map(([day, hour, minutes]) => `${day}:${String(hour).padStart(2, '0')}:${minutes}`);

/** Sizing that MWAA accepts: the micro class is fixed at one of each; the others scale. */
const validSizing: fc.Arbitrary<Partial<MwaaEnvironmentProps>> = fc.oneof(
  fc.record({ environmentClass: fc.constant(MwaaSettings.MICRO_CLASS) }),
  fc.tuple(
    fc.constantFrom(...LARGER_CLASSES),
    fc.integer({ min: 2, max: 5 }),
    fc.integer({ min: 1, max: 25 }),
    fc.integer({ min: 0, max: 24 }),
  ).map(([environmentClass, schedulers, minWorkers, extra]) => ({
    environmentClass, schedulers, minWorkers, maxWorkers: Math.min(25, minWorkers + extra),
  })),
);

const validProps: fc.Arbitrary<Partial<MwaaEnvironmentProps>> = fc.tuple(
  validSizing,
  fc.record({
    airflowVersion: fc.constantFrom(...AirflowVersion.all()),
    logLevel: fc.constantFrom(...Object.values(AirflowLogLevel)),
    webserverAccess: fc.constantFrom(...Object.values(WebserverAccess)),
    natGateways: fc.integer({ min: 1, max: 2 }),
    weeklyMaintenanceWindowStart: maintenanceWindow,
  }, { requiredKeys: [] }),
).map(([sizing, rest]) => ({ ...sizing, ...rest }));

describe('MwaaEnvironment properties', () => {
  test('for any valid props, all five logs are on at INFO or above, the UI is private unless opted in, and it runs in exactly two subnets', () => {
    fc.assert(fc.property(validProps, props => {
      const { template } = synth(stack => buildEnvironment(stack, props));
      const environment = (Object.values(template.findResources('AWS::MWAA::Environment'))[0] as any).Properties;

      for (const type of LOG_TYPES) {
        expect(environment.LoggingConfiguration[type].Enabled).toBe(true);
        expect(AT_LEAST_INFO).toContain(environment.LoggingConfiguration[type].LogLevel);
      }
      expect(environment.LoggingConfiguration[LOG_TYPES[0]].LogLevel).toBe(props.logLevel ?? 'INFO');
      const expectedAccess = props.webserverAccess === WebserverAccess.PUBLIC_ONLY ? 'PUBLIC_ONLY' : 'PRIVATE_ONLY';
      expect(environment.WebserverAccessMode).toBe(expectedAccess);
      expect(environment.NetworkConfiguration.SubnetIds).toHaveLength(2);
      expect(environment.MinWorkers).toBeLessThanOrEqual(environment.MaxWorkers);
      template.resourceCountIs('AWS::EC2::NatGateway', props.natGateways ?? 1);
      template.resourceCountIs('AWS::EC2::FlowLog', 1);
    }), { numRuns: 20 });
  });

  const invalidCases: Array<[string, string, fc.Arbitrary<Partial<MwaaEnvironmentProps>>]> = [
    ['a name over 80 characters', 'environmentName',
      fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_-]{80,120}$/).map(environmentName => ({ environmentName }))],
    ['a name that does not start with a letter', 'environmentName',
      fc.tuple(fc.constantFrom('0', '9', '_', '-'), fc.stringMatching(/^[a-zA-Z0-9_-]{0,40}$/)).map(([first, rest]) => ({ environmentName: first + rest }))],
    ['minWorkers above maxWorkers', 'maxWorkers',
      fc.tuple(fc.integer({ min: 2, max: 25 }), fc.integer({ min: 1, max: 24 }))
        .filter(([min, max]) => min > max).map(([minWorkers, maxWorkers]) => ({ minWorkers, maxWorkers }))],
    ['an unknown environment class', 'environmentClass',
      fc.string({ minLength: 1, maxLength: 12 }).filter(c => !MwaaSettings.ENVIRONMENT_CLASSES.includes(c)).map(environmentClass => ({ environmentClass }))],
    ['a maintenance window off the half hour or malformed', 'weeklyMaintenanceWindowStart',
      fc.oneof(
        fc.tuple(fc.constantFrom(...DAYS), fc.integer({ min: 0, max: 23 }), fc.integer({ min: 1, max: 59 }).filter(m => m !== 30))
          .map(([day, hour, minute]) => `${day}:${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`),
        fc.tuple(fc.constantFrom(...DAYS), fc.integer({ min: 24, max: 99 })).map(([day, hour]) => `${day}:${hour}:00`),
        fc.string({ maxLength: 12 }),
      ).map(weeklyMaintenanceWindowStart => ({ weeklyMaintenanceWindowStart }))],
  ];

  test.each(invalidCases)('%s fails with the named validation error', (_, prop, invalid) => {
    fc.assert(fc.property(invalid, props => {
      expectValidationError(() => buildEnvironment(synthStack(), props), prop);
    }), { numRuns: 25 });
  });
});

/** A fresh stack; invalid props throw while the construct is built, before any synthesis. */
function synthStack(): Stack {
  return new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
}
