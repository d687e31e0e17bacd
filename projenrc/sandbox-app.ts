import * as cxapi from 'aws-cdk-lib/cx-api';
import { RegionInfo } from 'aws-cdk-lib/region-info';
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
  /** The files the app uploads as assets (the DAGs, the dbt project), as nx inputs: inputs of its build and tests. */
  readonly assetInputs?: string[];
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
      // Before every `cdk synth`, `deploy` or `diff`, nx builds what is stale (from its cache when nothing is),
      // so lib/main.js and the layers it loads always match their source.
      buildCommand: 'bash ../../scripts/cdk-build-hook.sh',
      requireApproval: awscdk.ApprovalLevel.BROADENING,
      context: currentFeatureFlags(),
      deps: [
        ...options.layers.map(layer => `${layer.package.packageName}@${layer.version}`),
        `cdk-nag@${VERSIONS.cdkNag}`,
      ],
      devDeps: [`${options.testing.package.packageName}@*`, `fast-check@${VERSIONS.fastCheck}`],
      jestOptions: {
        passWithNoTests: false,
        updateSnapshot: javascript.UpdateSnapshot.NEVER,
        // Babel instruments only the app's source; V8 coverage slows every module, aws-cdk-lib included.
        jestConfig: { testTimeout: 120_000, coverageProvider: 'babel' },
      },
    });
    this.package.addField('private', true);
    this.package.addVersion('0.0.0');
    joinWorkspace(this);

    // The hook's target: the app compiled, after the layers' builds; cached like build.
    const assets = options.assetInputs ?? [];
    this.package.addField('nx', {
      targets: {
        // A change to the DAGs or the dbt project changes the synthesized assets, and what the tests check.
        build: { inputs: ['production', '^production', ...assets] },
        // The tests run lib/main.js as the CLI does; the libraries' tests need only their dependencies built.
        test: { dependsOn: ['build'], inputs: ['testing', '^production', ...assets] },
        compile: {
          dependsOn: ['^build'],
          inputs: ['production', '^production'],
          outputs: ['{projectRoot}/lib', '{projectRoot}/tsconfig.tsbuildinfo'],
          cache: true,
        },
      },
    });
    // ts-jest transpiles the tests one by one, as in the libraries, instead of type-checking each with the whole program.
    this.tryFindObjectFile('test/tsconfig.json')?.addOverride('compilerOptions.isolatedModules', true);

    // build = compile + synth (cdk.out feeds the nx cache, cfn-lint and the local run).
    this.postCompileTask.reset();
    // The app synthesizes compiled JavaScript: compile here, so synth never type-checks again.
    this.compileTask.exec('tsc --build');
    replaceBuildTask(this, 'Compile the app and synthesize the sandbox', ['compile', 'synth:silent']);
  }
}

/** Flags the CDK CLI no longer reports, whatever their value. */
const OBSOLETE_FLAGS = ['@aws-cdk/core:enableStackNameDuplicates', '@aws-cdk/aws-s3:grantWriteWithoutAcl', '@aws-cdk/aws-kms:defaultKeyPolicies'];

/**
 * Every feature flag of the installed aws-cdk-lib whose unset behaviour is not
 * the recommended one, set to that unset behaviour: the templates stay what
 * the tests check, and `cdk synth` stops reporting "N feature flags are not
 * configured". Turning one to its recommended value is then a visible change
 * of cdk.json (regenerated here when aws-cdk-lib moves).
 */
function currentFeatureFlags(): Record<string, unknown> {
  const flags: Record<string, unknown> = {};
  for (const [name, flag] of Object.entries(cxapi.FLAGS)) {
    const unset = flag.unconfiguredBehavesLike?.v2 ?? false;
    if (OBSOLETE_FLAGS.includes(name) || typeof flag.recommendedValue !== 'boolean' || unset === flag.recommendedValue) continue;
    flags[name] = unset;
  }
  // Unset, the region lookups cover every partition: say so.
  flags[cxapi.TARGET_PARTITIONS] = [...new Set(RegionInfo.regions.map(region => region.partition))];
  return flags;
}
