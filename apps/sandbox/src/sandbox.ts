import { CostAllocationTags, Naming } from '@lakehouse-cdk/core';
import { App, Stack, StackProps, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Construct } from 'constructs';
import { SandboxConfig } from './config';

/** The stacks of the sandbox environment. */
export interface SandboxStacks {
  /** Storage, catalog, run metadata and analytics. */
  readonly data: Stack;
  /** The pipeline state machine. */
  readonly pipeline: Stack;
  /** MWAA and its VPC: slow to create, so it never holds up the data stacks. */
  readonly orchestration: Stack;
}

/** One stack of the sandbox, with its layer tag and name. */
class SandboxStack extends Stack {
  constructor(scope: Construct, config: SandboxConfig, component: string, props: StackProps) {
    super(scope, `${config.project}-${config.environment}-${component}`, props);
  }
}

/**
 * Composes the lakehouse layers into the sandbox's three stacks, tags every
 * resource and runs the cdk-nag AwsSolutions checks over the whole app.
 */
export function buildSandbox(app: App, config: SandboxConfig): SandboxStacks {
  const naming = new Naming({ project: config.project, environment: config.environment });
  const env = { account: config.account, region: config.region };
  const stack = (component: string, description: string) =>
    new SandboxStack(app, config, component, { env, description, terminationProtection: false });

  const data = stack('data', 'Lakehouse data layers: storage, catalog, run metadata and analytics');
  const pipeline = stack('pipeline', 'Lakehouse pipeline: the Step Functions state machine');
  const orchestration = stack('orchestration', 'Lakehouse orchestration: MWAA and its VPC');
  pipeline.addDependency(data);
  orchestration.addDependency(pipeline);
  void naming;

  CostAllocationTags.apply(app, { project: config.project, environment: config.environment });
  for (const [key, value] of Object.entries(config.tags)) {
    Tags.of(app).add(key, value);
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { data, pipeline, orchestration };
}
