import { awscdk, javascript, typescript } from 'projen';
import { LakehouseLibrary } from './lakehouse-library';
import { TestingPackage } from './testing-package';
import { VERSIONS } from './versions';
import { joinWorkspace, memberOptions, replaceBuildTask } from './workspace';

export interface SandboxAppOptions {
  /** The layer libraries the sandbox composes. */
  readonly layers: LakehouseLibrary[];
  /** The shared jest helpers. */
  readonly testing: TestingPackage;
}

/**
 * apps/sandbox: the thin CDK app that composes every layer into the sandbox
 * environment. It synthesizes compiled JavaScript, so synth never type-checks
 * again after build.
 */
export class SandboxApp extends awscdk.AwsCdkTypeScriptApp {
  constructor(root: typescript.TypeScriptProject, options: SandboxAppOptions) {
    super({
      ...memberOptions(root),
      outdir: 'apps/sandbox',
      name: '@lakehouse-cdk/sandbox',
      description: 'The sandbox environment of Lakehouse CDK.',
      cdkVersion: VERSIONS.awsCdkLib,
      cdkVersionPinning: true,
      constructsVersion: VERSIONS.constructs,
      cdkCliVersion: VERSIONS.awsCdkCli,
      typescriptVersion: VERSIONS.typescript,
      app: 'node lib/main.js',
      requireApproval: awscdk.ApprovalLevel.BROADENING,
      deps: [
        ...options.layers.map(layer => `${layer.package.packageName}@${layer.version}`),
        `cdk-nag@${VERSIONS.cdkNag}`,
      ],
      devDeps: [`${options.testing.package.packageName}@*`, `fast-check@${VERSIONS.fastCheck}`],
      jestOptions: {
        passWithNoTests: false,
        updateSnapshot: javascript.UpdateSnapshot.NEVER,
        jestConfig: { testTimeout: 120_000 },
      },
    });
    this.package.addField('private', true);
    this.package.addVersion('0.0.0');
    joinWorkspace(this);

    // build = compile + synth (cdk.out feeds the nx cache, cfn-lint and the local run).
    this.postCompileTask.reset();
    // The app synthesizes compiled JavaScript: compile here, so synth never type-checks again.
    this.compileTask.exec('tsc --build');
    replaceBuildTask(this, 'Compile the app and synthesize the sandbox', ['compile', 'synth:silent']);
  }
}
