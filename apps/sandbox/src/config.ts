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

/** The sandbox's defaults. Every key of {@link CONTEXT_KEYS} can be overridden with `-c lakehouse:<key>=<value>`. */
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

/** A setting that context may override: every one except the account, which only the CDK environment gives. */
export type ContextKey = Exclude<keyof SandboxConfig, 'account'>;

/** Reads one context value (a string from `-c`, any JSON value from cdk.json); `name` is the full context key, for errors. */
type ContextReader<T> = (name: string, value: unknown) => T;

/**
 * Every `lakehouse:` context key the sandbox reads, and how its value is read
 * and checked. A new setting is one entry here (and its default above); any
 * other `lakehouse:` key is an error that lists these.
 */
export const CONTEXT_KEYS: { readonly [K in ContextKey]: ContextReader<SandboxConfig[K]> } = {
  project: text,
  environment: text,
  region: (name, value) => {
    const region = text(name, value);
    Validate.matches(name, region, '[a-z]{2}(-[a-z]+)+-\\d', 'must be an AWS region such as us-east-1');
    return region;
  },
  tags: tagsObject,
  orchestration: (name, value) => {
    const tier = text(name, value);
    // MWAA Serverless is not offered: its supported-operator list could not be checked for the Step Functions operators (orchestration README).
    Validate.oneOf(name, tier, ORCHESTRATION_TIERS);
    return tier;
  },
  mwaaEnvironmentClass: text,
  processedCrawlerSchedule: (name, value) => {
    const schedule = text(name, value);
    Validate.cronExpression(name, schedule);
    return schedule;
  },
  dbtBytesScannedCutoff: wholeBytes,
  maintenanceBytesScannedCutoff: wholeBytes,
  icebergMaintenanceDays: (name, value) => {
    const days = text(name, value);
    weekdays(name, days);
    return days;
  },
};

/**
 * Reads the sandbox configuration: the defaults, then CDK context overrides,
 * then the account and region of the CDK environment. A `lakehouse:` key that
 * is not in {@link CONTEXT_KEYS}, or a value it rejects, is an error naming the key.
 */
export function loadSandboxConfig(app: App, env: NodeJS.ProcessEnv = process.env): SandboxConfig {
  const known = Object.keys(CONTEXT_KEYS);
  for (const name of Object.keys(app.node.getAllContext())) {
    if (name.startsWith(CONTEXT_PREFIX) && !known.includes(name.slice(CONTEXT_PREFIX.length))) {
      Validate.fail(name, JSON.stringify(app.node.tryGetContext(name)),
        `is not a sandbox setting; the settings are ${known.map(key => CONTEXT_PREFIX + key).join(', ')}`);
    }
    // lakehouse_orchestration, Lakehouse:tags, lakehouse.region: meant as a setting, but CDK would ignore it.
    if (/^lakehouse/i.test(name) && !name.startsWith(CONTEXT_PREFIX)) {
      Validate.fail(name, JSON.stringify(app.node.tryGetContext(name)),
        `is not a sandbox setting: the settings start with "${CONTEXT_PREFIX}" (lower case, then a colon), for example ${CONTEXT_PREFIX}${name.replace(/^lakehouse[^a-z0-9]*/i, '') || 'orchestration'}`);
    }
  }
  const read = <K extends ContextKey>(key: K, fallback: SandboxConfig[K]): SandboxConfig[K] => {
    const name = `${CONTEXT_PREFIX}${key}`;
    const value = app.node.tryGetContext(name);
    return value === undefined ? fallback : CONTEXT_KEYS[key](name, value);
  };
  const orchestration = read('orchestration', SANDBOX_DEFAULTS.orchestration);
  const environmentClass = app.node.tryGetContext(`${CONTEXT_PREFIX}mwaaEnvironmentClass`);
  if (orchestration !== 'mwaa' && environmentClass !== undefined) {
    Validate.fail(`${CONTEXT_PREFIX}mwaaEnvironmentClass`, JSON.stringify(environmentClass),
      `applies only to ${CONTEXT_PREFIX}orchestration=mwaa; the ${orchestration} tier runs no Airflow environment`);
  }
  return {
    project: read('project', SANDBOX_DEFAULTS.project),
    environment: read('environment', SANDBOX_DEFAULTS.environment),
    account: env.CDK_DEFAULT_ACCOUNT,
    region: read('region', env.CDK_DEFAULT_REGION ?? SANDBOX_DEFAULTS.region),
    tags: read('tags', SANDBOX_DEFAULTS.tags),
    orchestration,
    mwaaEnvironmentClass: read('mwaaEnvironmentClass', SANDBOX_DEFAULTS.mwaaEnvironmentClass),
    processedCrawlerSchedule: read('processedCrawlerSchedule', SANDBOX_DEFAULTS.processedCrawlerSchedule),
    dbtBytesScannedCutoff: read('dbtBytesScannedCutoff', SANDBOX_DEFAULTS.dbtBytesScannedCutoff),
    maintenanceBytesScannedCutoff: read('maintenanceBytesScannedCutoff', SANDBOX_DEFAULTS.maintenanceBytesScannedCutoff),
    icebergMaintenanceDays: read('icebergMaintenanceDays', SANDBOX_DEFAULTS.icebergMaintenanceDays),
  };
}

/** A string setting, as given (a number from cdk.json becomes its text). */
function text(name: string, value: unknown): string {
  if (typeof value === 'object' && value !== null) {
    Validate.fail(name, JSON.stringify(value), 'must be a string');
  }
  return String(value);
}

/** A whole number of bytes, from `-c` text or a cdk.json number. */
function wholeBytes(name: string, value: unknown): number {
  const parsed = typeof value === 'number' ? value : Number(text(name, value).trim() || NaN);
  if (!Number.isInteger(parsed) || parsed < 0) {
    Validate.fail(name, JSON.stringify(value), 'must be a whole number of bytes, such as 107374182400 (100 GiB)');
  }
  return parsed;
}

/** Tags as a JSON object of strings: `-c lakehouse:tags='{"Team":"data"}'`, or the object itself in cdk.json. */
function tagsObject(name: string, value: unknown): Record<string, string> {
  const rule = 'must be a JSON object of string values, such as {"Team":"data"}';
  let tags: unknown = value;
  if (typeof value === 'string') {
    try {
      tags = JSON.parse(value);
    } catch {
      Validate.fail(name, value, `${rule} (it is not valid JSON)`);
    }
  }
  if (typeof tags !== 'object' || tags === null || Array.isArray(tags)
    || Object.values(tags).some(tag => typeof tag !== 'string')) {
    Validate.fail(name, typeof value === 'string' ? value : JSON.stringify(value), rule);
  }
  return tags as Record<string, string>;
}

/** `SUN`, `MON,THU` or `never` as weekdays; `name` is the setting's name in errors. */
function weekdays(name: string, value: string): Weekday[] {
  if (value.trim().toLowerCase() === 'never') return [];
  const days = value.split(',').map(day => day.trim().toUpperCase());
  for (const day of days) Validate.oneOf(name, day, [...Object.values(Weekday), 'never']);
  return days as Weekday[];
}

/** `SUN`, `MON,THU` or `never` as the dbt step's weekdays. */
export function maintenanceDays(value: string): Weekday[] {
  return weekdays(`${CONTEXT_PREFIX}icebergMaintenanceDays`, value);
}
