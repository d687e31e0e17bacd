import { Validate } from '@lakehouse-cdk/core';
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
  /** MWAA environment class. */
  readonly mwaaEnvironmentClass: string;
  /** When the processed-layer crawler runs: the pipeline starts the raw and curated crawlers itself. */
  readonly processedCrawlerSchedule: string;
}

/** The sandbox's defaults. Every key can be overridden with `-c lakehouse:<key>=<value>`. */
export const SANDBOX_DEFAULTS: SandboxConfig = {
  project: 'lakehouse',
  environment: 'sandbox',
  region: 'us-east-1',
  tags: { Owner: 'data-platform' },
  mwaaEnvironmentClass: 'mw1.small',
  processedCrawlerSchedule: 'cron(0 3 * * ? *)',
};

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
    mwaaEnvironmentClass: override('mwaaEnvironmentClass') ?? SANDBOX_DEFAULTS.mwaaEnvironmentClass,
    processedCrawlerSchedule: override('processedCrawlerSchedule') ?? SANDBOX_DEFAULTS.processedCrawlerSchedule,
  };
  Validate.matches(`${CONTEXT_PREFIX}region`, config.region, '[a-z]{2}(-[a-z]+)+-\\d', 'must be an AWS region such as us-east-1');
  Validate.cronExpression(`${CONTEXT_PREFIX}processedCrawlerSchedule`, config.processedCrawlerSchedule);
  return config;
}
