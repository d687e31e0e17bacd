/** Who can reach the Apache Airflow UI of an environment. */
export enum WebserverAccess {
  /**
   * The UI has a VPC endpoint only: reach it through a VPN, a bastion or
   * another network path into the VPC.
   */
  PRIVATE_ONLY = 'PRIVATE_ONLY',
  /** The UI has a public endpoint; sign-in still needs IAM permissions. */
  PUBLIC_ONLY = 'PUBLIC_ONLY',
}

/**
 * The level of the Airflow logs sent to CloudWatch Logs. DEBUG is left out
 * on purpose: it floods the log groups (CloudWatch ingestion is billed per
 * GB) and can print connection details.
 */
export enum AirflowLogLevel {
  /** Informational messages and above. */
  INFO = 'INFO',
  /** Warnings and above. */
  WARNING = 'WARNING',
  /** Errors and above. */
  ERROR = 'ERROR',
  /** Critical errors only. */
  CRITICAL = 'CRITICAL',
}

/** The MWAA values this package accepts, kept in one place. */
export class MwaaSettings {
  /** The first Airflow version whose environments accept MinWebservers and MaxWebservers. */
  public static readonly WEBSERVER_SCALING_SINCE = '2.9.0';

  /** MWAA environment classes, smallest first. */
  public static readonly ENVIRONMENT_CLASSES: string[] = ['mw1.micro', 'mw1.small', 'mw1.medium', 'mw1.large', 'mw1.xlarge', 'mw1.2xlarge'];

  /** The environment class used when none is given: the cheapest class with autoscaling workers. */
  public static readonly DEFAULT_ENVIRONMENT_CLASS = 'mw1.small';

  /** The one class that runs scheduler and worker in one container, without autoscaling. */
  public static readonly MICRO_CLASS = 'mw1.micro';

  private constructor() {}
}
