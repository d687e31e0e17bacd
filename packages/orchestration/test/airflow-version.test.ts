import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { expectValidationError, synth } from '@lakehouse-cdk/testing';
import { App, Stack } from 'aws-cdk-lib';
import * as fc from 'fast-check';
import { AirflowVersion } from '../src';
import { buildEnvironment } from './support';

const DAGS_FOLDER = path.join(__dirname, '..', '..', '..', 'dags');

function requirementsFile(constraint: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'requirements-'));
  const file = path.join(dir, 'requirements.txt');
  fs.writeFileSync(file, `${constraint}\napache-airflow-providers-amazon==9.12.0\n`);
  return file;
}

describe('AirflowVersion', () => {
  test('3.0.6 and 2.11.0 run on Python 3.12 with their own constraints files', () => {
    expect(AirflowVersion.V3_0_6.pythonVersion).toBe('3.12');
    expect(AirflowVersion.V3_0_6.constraintsUrl)
      .toBe('https://raw.githubusercontent.com/apache/airflow/constraints-3.0.6/constraints-3.12.txt');
    expect(AirflowVersion.V2_11_0.constraintsUrl)
      .toBe('https://raw.githubusercontent.com/apache/airflow/constraints-2.11.0/constraints-3.12.txt');
    expect(AirflowVersion.V2_10_3.constraintsUrl)
      .toBe('https://raw.githubusercontent.com/apache/airflow/constraints-2.10.3/constraints-3.11.txt');
  });

  test('all() is newest first and of() finds each version by its string', () => {
    const versions = AirflowVersion.all();
    expect(versions[0]).toBe(AirflowVersion.V3_0_6);
    for (const version of versions) expect(AirflowVersion.of(version.version)).toBe(version);
    expect(versions.map(v => v.majorVersion)).toEqual([3, 2, 2, 2, 2, 2, 2]);
  });

  test('of() rejects any other version and names the supported ones', () => {
    fc.assert(fc.property(
      fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 9 }))
        .map(([a, b, c]) => `${a}.${b}.${c}`)
        .filter(v => !AirflowVersion.all().some(known => known.version === v)),
      version => {
        expect(() => AirflowVersion.of(version, 'lakehouse:airflowVersion'))
          .toThrow(/lakehouse:airflowVersion must be one of 3\.0\.6, 2\.11\.0, 2\.10\.3/);
      }));
  });

  test('every version has a pinned MWAA requirements file in dags/ naming its constraints', () => {
    for (const version of [AirflowVersion.V3_0_6, AirflowVersion.V2_11_0]) {
      const file = path.join(DAGS_FOLDER, `requirements-${version.version}.txt`);
      const text = fs.readFileSync(file, 'utf8');
      expect(text).toContain(`--constraint "${version.constraintsUrl}"`);
      expect(text).toMatch(/^apache-airflow-providers-amazon==\d+\.\d+\.\d+$/m);
    }
  });
});

describe('MwaaEnvironment and its requirements file', () => {
  test('a requirements file with the constraints of the chosen version is accepted', () => {
    const file = requirementsFile(`--constraint "${AirflowVersion.V2_11_0.constraintsUrl}"`);
    const { template } = synth(stack => buildEnvironment(stack, { airflowVersion: AirflowVersion.V2_11_0, requirementsPath: file }));
    template.hasResourceProperties('AWS::MWAA::Environment', { AirflowVersion: '2.11.0', RequirementsS3Path: 'requirements.txt' });
  });

  test('constraints of another version are rejected, naming the expected file', () => {
    const file = requirementsFile(`-c ${AirflowVersion.V2_10_3.constraintsUrl}`);
    expectValidationError(() => buildEnvironment(new Stack(new App(), 'S'), { requirementsPath: file }), 'requirementsPath');
    expect(() => buildEnvironment(new Stack(new App(), 'S'), { requirementsPath: file }))
      .toThrow(/constraints-3\.0\.6\/constraints-3\.12\.txt/);
  });
});
