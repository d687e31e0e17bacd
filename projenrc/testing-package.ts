import { typescript } from 'projen';
import { VERSIONS } from './versions';
import { joinWorkspace, memberOptions, replaceBuildTask } from './workspace';

/**
 * `@lakehouse-cdk/testing`: the jest helpers every package's tests share
 * (synthesis, cdk-nag reports, policy inspection). Private, never published.
 */
export class TestingPackage extends typescript.TypeScriptProject {
  constructor(root: typescript.TypeScriptProject) {
    super({
      ...memberOptions(root),
      outdir: 'packages/testing',
      name: '@lakehouse-cdk/testing',
      description: 'Test helpers shared by the Lakehouse CDK packages.',
      typescriptVersion: VERSIONS.typescript,
      jest: false,
      package: false,
      // projen pins each devDependency to its peer's floor: the workspace's copy.
      peerDeps: [`aws-cdk-lib@^${VERSIONS.awsCdkLib}`, `constructs@^${VERSIONS.constructs}`, `cdk-nag@^${VERSIONS.cdkNag}`, `fast-check@${VERSIONS.fastCheck}`],
      devDeps: ['@types/jest'],
      // fast-check's declarations name pure-rand subpaths that node module resolution can't follow.
      tsconfig: { compilerOptions: { types: ['jest', 'node'], skipLibCheck: true } },
    });
    this.package.addField('private', true);
    this.package.addVersion('0.0.0');
    joinWorkspace(this);
    replaceBuildTask(this, 'Compile the test helpers', ['compile']);
  }
}
