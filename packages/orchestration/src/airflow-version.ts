import { Validate } from '@lakehouse-cdk/core';

/**
 * An Apache Airflow version that MWAA creates environments with, with the
 * Python version of MWAA's image and the Airflow constraints file that pins
 * every package of that image.
 *
 * The versions, their Python versions and constraints files are those of the
 * MWAA version table
 * (https://docs.aws.amazon.com/mwaa/latest/userguide/airflow-versions.html);
 * 3.0.6 is the newest that the `AWS::MWAA::Environment` resource accepts
 * (https://docs.aws.amazon.com/mwaa/latest/API/API_Environment.html).
 * MWAA versions at or past their end of support (1.10.12 to 2.6.3) are left out.
 */
export class AirflowVersion {
  /** Airflow 3.0.6 on Python 3.12, the default. */
  public static readonly V3_0_6 = new AirflowVersion('3.0.6', '3.12');
  /** Airflow 2.11.0 on Python 3.12: the only 2.x version MWAA upgrades in place to 3.x. */
  public static readonly V2_11_0 = new AirflowVersion('2.11.0', '3.12');
  /** Airflow 2.10.3 on Python 3.11. No in-place upgrade to 3.x: upgrade to 2.11.0 first. */
  public static readonly V2_10_3 = new AirflowVersion('2.10.3', '3.11');
  /** Airflow 2.10.1 on Python 3.11. */
  public static readonly V2_10_1 = new AirflowVersion('2.10.1', '3.11');
  /** Airflow 2.9.2 on Python 3.11. */
  public static readonly V2_9_2 = new AirflowVersion('2.9.2', '3.11');
  /** Airflow 2.8.1 on Python 3.11. */
  public static readonly V2_8_1 = new AirflowVersion('2.8.1', '3.11');
  /** Airflow 2.7.2 on Python 3.11. */
  public static readonly V2_7_2 = new AirflowVersion('2.7.2', '3.11');

  /** Every version this package supports, newest first. */
  public static all(): AirflowVersion[] {
    return [
      AirflowVersion.V3_0_6, AirflowVersion.V2_11_0, AirflowVersion.V2_10_3, AirflowVersion.V2_10_1,
      AirflowVersion.V2_9_2, AirflowVersion.V2_8_1, AirflowVersion.V2_7_2,
    ];
  }

  /**
   * The supported version named `version`, for example `'3.0.6'` from a
   * configuration file. Any other value is rejected with an error that lists
   * the supported versions.
   *
   * @param version the version string, for example `'3.0.6'`
   * @param prop the name of the setting the value came from, shown in the error
   */
  public static of(version: string, prop?: string): AirflowVersion {
    const known = AirflowVersion.all();
    Validate.oneOf(prop ?? 'airflowVersion', version, known.map(v => v.version));
    return known.find(v => v.version === version)!;
  }

  /** The version MWAA is given, for example `3.0.6`. */
  public readonly version: string;
  /** The Python version of MWAA's image for this version, for example `3.12`. */
  public readonly pythonVersion: string;
  /** The Airflow constraints file that `requirements.txt` names with `--constraint`. */
  public readonly constraintsUrl: string;
  /** The major version, 2 or 3. */
  public readonly majorVersion: number;

  private constructor(version: string, pythonVersion: string) {
    this.version = version;
    this.pythonVersion = pythonVersion;
    this.constraintsUrl = `https://raw.githubusercontent.com/apache/airflow/constraints-${version}/constraints-${pythonVersion}.txt`;
    this.majorVersion = Number(version.split('.')[0]);
  }

  /** The version string, for example `3.0.6`. */
  public toString(): string {
    return this.version;
  }
}
