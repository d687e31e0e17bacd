import { Validate } from '@lakehouse-cdk/core';
import { Weekday } from '@lakehouse-cdk/workflow';
import { App } from 'aws-cdk-lib';

/** The settings of the sandbox environment, in one place. */
export interface SandboxConfig {
  /** First word of every resource name and the `Project` tag. */
  readonly project: string;
  /** Second word of every resource name and the `Environment` tag. */
  readonly environment: string;
  /** The AWS account, from the CDK environment (the profile you deploy with). */
  readonly account?: string;
  /** The AWS region, from the CDK environment, else this default. */
  readonly region: string;
  /** Extra tags on every resource, besides the cost-allocation tags. */
  readonly tags: Record<string, string>;
  /**
   * What starts the pipeline every day: `mwaa` (an MWAA environment running
   * the DAG) or `scheduler` (an EventBridge Scheduler schedule, no Airflow).
   */
  readonly orchestration: string;
  /** MWAA environment class. */
  readonly mwaaEnvironmentClass: string;
  /** When the processed-layer crawler runs: the pipeline starts the raw and curated crawlers itself. */
  readonly processedCrawlerSchedule: string;
  /** The most one dbt query may scan, in bytes (the dbt workgroup's cutoff). */
  readonly dbtBytesScannedCutoff: number;
  /** The most one Iceberg maintenance query (OPTIMIZE, VACUUM) may scan, in bytes (the maintenance workgroup's cutoff). */
  readonly maintenanceBytesScannedCutoff: number;
  /** The weekdays of the execution date on which the dbt job compacts and expires the marts, comma-separated (`SUN`, `MON,THU`), or `never`. */
  readonly icebergMaintenanceDays: string;
}

/** The sandbox's defaults. Every key can be overridden with `-c lakehouse:<key>=<value>`. */
export const SANDBOX_DEFAULTS: SandboxConfig = {
  project: 'lakehouse',
  environment: 'sandbox',
  region: 'us-east-1',
  tags: { Owner: 'data-platform' },
  orchestration: 'mwaa',
  mwaaEnvironmentClass: 'mw1.small',
  processedCrawlerSchedule: 'cron(0 3 * * ? *)',
  // 100 GiB: at Athena's $5 per TB scanned, one query costs at most about $0.49.
  dbtBytesScannedCutoff: 100 * 1024 ** 3,
  maintenanceBytesScannedCutoff: 100 * 1024 ** 3,
  icebergMaintenanceDays: 'SUN',
};

/** The values of `lakehouse:orchestration`. */
export const ORCHESTRATION_TIERS = ['mwaa', 'scheduler'];

/** The context prefix of the sandbox's overrides. */
export const CONTEXT_PREFIX = 'lakehouse:';

/**
 * Reads the sandbox configuration: the defaults, then CDK context overrides,
 * then the account and region of the CDK environment.
 */
export function loadSandboxConfig(app: App, env: NodeJS.ProcessEnv = process.env): SandboxConfig {
  const override = (key: keyof SandboxConfig): string | undefined => {
    const value = app.node.tryGetContext(`${CONTEXT_PREFIX}${key}`);
    return value === undefined ? undefined : String(value);
  };
  const tags = app.node.tryGetContext(`${CONTEXT_PREFIX}tags`);
  const config: SandboxConfig = {
    project: override('project') ?? SANDBOX_DEFAULTS.project,
    environment: override('environment') ?? SANDBOX_DEFAULTS.environment,
    account: env.CDK_DEFAULT_ACCOUNT,
    region: override('region') ?? env.CDK_DEFAULT_REGION ?? SANDBOX_DEFAULTS.region,
    tags: typeof tags === 'string' ? JSON.parse(tags) : tags ?? SANDBOX_DEFAULTS.tags,
    orchestration: override('orchestration') ?? SANDBOX_DEFAULTS.orchestration,
    mwaaEnvironmentClass: override('mwaaEnvironmentClass') ?? SANDBOX_DEFAULTS.mwaaEnvironmentClass,
    processedCrawlerSchedule: override('processedCrawlerSchedule') ?? SANDBOX_DEFAULTS.processedCrawlerSchedule,
    dbtBytesScannedCutoff: wholeNumber('dbtBytesScannedCutoff', override('dbtBytesScannedCutoff')) ?? SANDBOX_DEFAULTS.dbtBytesScannedCutoff,
    maintenanceBytesScannedCutoff: wholeNumber('maintenanceBytesScannedCutoff', override('maintenanceBytesScannedCutoff'))
      ?? SANDBOX_DEFAULTS.maintenanceBytesScannedCutoff,
    icebergMaintenanceDays: override('icebergMaintenanceDays') ?? SANDBOX_DEFAULTS.icebergMaintenanceDays,
  };
  Validate.matches(`${CONTEXT_PREFIX}region`, config.region, '[a-z]{2}(-[a-z]+)+-\\d', 'must be an AWS region such as us-east-1');
  Validate.cronExpression(`${CONTEXT_PREFIX}processedCrawlerSchedule`, config.processedCrawlerSchedule);
  maintenanceDays(config.icebergMaintenanceDays);
  // MWAA Serverless is not offered: its supported-operator list could not be checked for the Step Functions operators (orchestration README).
  Validate.oneOf(`${CONTEXT_PREFIX}orchestration`, config.orchestration, ORCHESTRATION_TIERS);
  return config;
}

/** The context value as a whole number, or undefined when it is not set. */
function wholeNumber(key: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  Validate.integerAtLeast(`${CONTEXT_PREFIX}${key}`, parsed, 0, 'bytes', 'a whole number of bytes');
  return parsed;
}

/** `SUN`, `MON,THU` or `never` as the dbt step's weekdays. */
export function maintenanceDays(value: string): Weekday[] {
  if (value.trim().toLowerCase() === 'never') return [];
  const days = value.split(',').map(day => day.trim().toUpperCase());
  for (const day of days) Validate.oneOf(`${CONTEXT_PREFIX}icebergMaintenanceDays`, day, [...Object.values(Weekday), 'never']);
  return days as Weekday[];
}
