import * as path from 'path';
import { javascript, LogLevel, Project, ProjenrcFile, typescript } from 'projen';
import { VERSIONS } from './versions';

/**
 * Wiring that every workspace member needs so that one `npm install` at the
 * root serves the whole monorepo.
 */
export function joinWorkspace(project: javascript.NodeProject): void {
  // The root installs once for every workspace member; a member installing on
  // its own would create a nested node_modules and a second aws-cdk-lib. projen
  // runs a member's install task after synthesis: it does nothing. A member's
  // "*" versions resolve against the root node_modules, so a new dependency
  // takes a version range rather than "*".
  project.package.installTask.reset();
  project.package.installCiTask.reset();

  // projen runs from the root only; members must not re-synthesize the repo.
  project.defaultTask?.reset();
  project.deps.removeDependency('projen');

  // jsii and the CDK CLI print an end-of-life banner on every run under Node 20.
  project.tasks.addEnvironment('JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION', '20');

  // Generated files name the file to edit: the root's .projenrc.ts.
  new RootProjenrc(project);

  // Types are hoisted to the root node_modules.
  for (const file of ['tsconfig.dev.json', 'tsconfig.json']) {
    project.tryFindObjectFile(file)?.addDeletionOverride('compilerOptions.typeRoots');
  }
}

/** A member's projenrc is the root's: the notice in its generated files names that file. */
class RootProjenrc extends ProjenrcFile {
  public readonly filePath: string;

  constructor(member: Project) {
    super(member);
    this.filePath = path.relative(member.outdir, path.join(member.root.outdir, '.projenrc.ts'));
  }

  /** The file is the root's; the member's .gitignore has nothing to keep. */
  public preSynthesize(): void {}
}

/** Common options of every TypeScript member of the workspace. */
export function memberOptions(root: typescript.TypeScriptProject) {
  return {
    parent: root,
    defaultReleaseBranch: 'main',
    packageManager: javascript.NodePackageManager.NPM,
    minNodeVersion: VERSIONS.minNode,
    author: 'Lakehouse CDK contributors',
    authorAddress: 'https://github.com/lakehouse-cdk/lakehouse-cdk',
    repositoryUrl: 'https://github.com/lakehouse-cdk/lakehouse-cdk.git',
    license: 'Apache-2.0',
    copyrightOwner: 'Lakehouse CDK contributors',
    sampleCode: false,
    eslint: false,
    release: false,
    depsUpgrade: false,
    github: false,
    projenrcJson: false,
    // A member installs nothing itself (the root does): its "Installing dependencies" notice would be noise.
    logging: { level: LogLevel.WARN },
  };
}

/**
 * projen locks `build`; members get a new one that runs only the given
 * tasks, so nx can cache build, test and package as separate targets.
 */
export function replaceBuildTask(project: Project, description: string, taskNames: string[]): void {
  project.tasks.removeTask('build');
  project.addTask('build', {
    description,
    steps: taskNames.map(name => {
      if (!project.tasks.tryFind(name)) {
        throw new Error(`cannot build ${project.name}: no task "${name}"`);
      }
      return { spawn: name };
    }),
  });
}
