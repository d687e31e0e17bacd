import { javascript, Project, typescript } from 'projen';
import { VERSIONS } from './versions';

/**
 * Wiring that every workspace member needs so that one `npm install` at the
 * root serves the whole monorepo.
 */
export function joinWorkspace(project: javascript.NodeProject): void {
  // projen hides these NodePackage steps; the workspace reorders them.
  const pkg = project.package as any;
  // The root installs once for every workspace; a member installing on its own
  // would create a nested node_modules and a second aws-cdk-lib.
  pkg.installDependencies = () => {};
  // "*" versions can only be resolved after the root install; the root does it.
  const resolve = pkg.resolveDepsAndWritePackageJson.bind(pkg);
  pkg.resolveDepsAndWritePackageJson = () => [];
  (project as any).__resolveWorkspaceDeps = resolve;

  // projen runs from the root only; members must not re-synthesize the repo.
  project.defaultTask?.reset();
  project.deps.removeDependency('projen');

  // jsii and the CDK CLI print an end-of-life banner on every run under Node 20.
  project.tasks.addEnvironment('JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION', '20');

  // Types are hoisted to the root node_modules.
  for (const file of ['tsconfig.dev.json', 'tsconfig.json']) {
    project.tryFindObjectFile(file)?.addDeletionOverride('compilerOptions.typeRoots');
  }
}

/** Resolves the members' "*" dependency versions after the root install. */
export function resolveWorkspaceDeps(root: Project): string[] {
  const changes: string[] = [];
  for (const member of root.subprojects) {
    const resolve = (member as any).__resolveWorkspaceDeps as (() => string[] | undefined) | undefined;
    changes.push(...(resolve?.() ?? []));
  }
  return changes;
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
