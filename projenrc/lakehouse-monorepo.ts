import { Component, github, javascript, JsonFile, typescript } from 'projen';
import { PYTEST_TARGET, pythonTestInputs } from './python-suites';
import { VERSIONS } from './versions';

/** Outputs a cached `build` must restore, or a cache hit leaves a package incomplete. */
const BUILD_OUTPUTS = [
  '{projectRoot}/lib',
  '{projectRoot}/.jsii',
  '{projectRoot}/tsconfig.json',
  '{projectRoot}/tsconfig.tsbuildinfo',
  '{projectRoot}/API.md',
  '{projectRoot}/cdk.out',
];

/** Files that builds write: never inputs, so a build can't invalidate its own cache. */
const GENERATED = [
  '!{projectRoot}/lib/**',
  '!{projectRoot}/.jsii',
  '!{projectRoot}/tsconfig.json',
  '!{projectRoot}/tsconfig.tsbuildinfo',
  '!{projectRoot}/API.md',
  '!{projectRoot}/cdk.out/**',
  '!{projectRoot}/dist/**',
  '!{projectRoot}/coverage/**',
  '!{projectRoot}/test-reports/**',
];

/**
 * The workspace root: npm workspaces over packages/* and apps/*, nx as the
 * task runner, the Python virtualenv, CI and the quick-start tasks.
 */
export class LakehouseMonorepo extends typescript.TypeScriptProject {
  constructor() {
    super({
      name: 'lakehouse-cdk',
      description: 'An AWS data lakehouse as reusable AWS CDK construct libraries.',
      defaultReleaseBranch: 'main',
      projenrcTs: true,
      packageManager: javascript.NodePackageManager.NPM,
      minNodeVersion: VERSIONS.minNode,
      typescriptVersion: VERSIONS.typescript,
      // aws-cdk-lib and constructs at the root hoist the workspace's one copy of
      // each, so npm never nests a 110 MB aws-cdk-lib in a member.
      devDeps: [`nx@${VERSIONS.nx}`, 'ts-node@^10.9.2', '@types/node@^20', `constructs@${VERSIONS.constructs}`, `aws-cdk-lib@${VERSIONS.awsCdkLib}`],
      // npm 11 runs install scripts only for packages it is told to trust.
      allowScripts: ['nx', 'esbuild', '@parcel/watcher'],
      license: 'Apache-2.0',
      copyrightOwner: 'Lakehouse CDK contributors',
      sampleCode: false,
      jest: false,
      eslint: false,
      release: false,
      depsUpgrade: false,
      buildWorkflow: false,
      pullRequestTemplate: false,
      githubOptions: { mergify: false, pullRequestLint: true },
      workflowNodeVersion: '22',
      gitignore: ['.nx/', '.venv/', '.venv-*/', '__pycache__/', '.pytest_cache/', 'cdk.out/', '.local/', 'bench-results/'],
    });
    this.package.addField('private', true);
    this.package.addField('workspaces', ['packages/*', 'apps/*']);

    this.addNxConfig();
    this.configureTasks();
    this.addPullRequestWorkflow();
    new WorkspaceDependencyResolver(this);
  }

  private addNxConfig(): void {
    new JsonFile(this, 'nx.json', {
      obj: {
        $schema: './node_modules/nx/schemas/nx-schema.json',
        // Since nx 23.2 the default cache lives in the home directory, shared by every clone.
        cacheDirectory: '.nx/cache',
        defaultBase: 'main',
        neverConnectToCloud: true,
        // Decided here, so nx does not stop the first command in a terminal to ask, then rewrite this file.
        analytics: false,
        useDaemonProcess: false,
        namedInputs: {
          sharedGlobals: [
            '{workspaceRoot}/.projenrc.ts',
            '{workspaceRoot}/projenrc/**/*',
            '{workspaceRoot}/.projen/deps.json',
          ],
          default: ['{projectRoot}/**/*', 'sharedGlobals'],
          production: [
            'default',
            ...GENERATED,
            '!{projectRoot}/test/**',
            '!{projectRoot}/**/*.md',
            '!{projectRoot}/jest.config.json',
            '!{projectRoot}/tsconfig.dev.json',
          ],
          testing: ['default', ...GENERATED],
          // What every pytest run reads besides its own folder: the pytest setup and the virtualenv's requirements.
          pythonTests: pythonTestInputs(),
        },
        targetDefaults: {
          build: {
            dependsOn: ['^build'],
            inputs: ['production', '^production'],
            outputs: BUILD_OUTPUTS,
            cache: true,
          },
          test: {
            // jest compiles the package's own source; only the packages it imports must be built.
            dependsOn: ['^build'],
            inputs: ['testing', '^production'],
            outputs: ['{projectRoot}/coverage', '{projectRoot}/test-reports'],
            cache: true,
          },
          package: {
            dependsOn: ['build'],
            inputs: ['production', '^production'],
            outputs: ['{projectRoot}/dist'],
            cache: true,
          },
        },
      },
      committed: true,
    });
  }

  private configureTasks(): void {
    // projen's root build compiles a root package that does not exist; nx builds the members.
    for (const name of ['build', 'compile', 'post-compile', 'pre-compile', 'package', 'test', 'watch']) {
      this.tasks.removeTask(name);
    }
    // Successful and cached tasks print one line each; a failing task prints its whole output.
    // After 15 s without output, scripts/nx-progress.js prints which tasks are running and for how long.
    const nx = (args: string) => `node scripts/nx-progress.js nx ${args} --output-style=static-failures-only`;
    const everything = `-t build test ${PYTEST_TARGET}`;

    // First, so that a wrong Python fails in a second rather than after minutes of building.
    const python = this.addTask('check-python', {
      description: 'Check that the Python the virtualenv is made from is a supported version (3.11 or 3.12)',
      exec: 'bash scripts/check-python.sh',
    });
    const venv = this.addTask('venv', {
      description: 'Create .venv (Airflow 3.0.6, dbt, moto) from requirements-dev.txt and the Airflow 2.11.0 DAG test venv .venv-airflow2; each redone only when its requirements change',
      exec: 'bash scripts/venv.sh',
    });
    this.addTask('build', {
      description: 'Synthesize the project files, then build every package (cached by nx)',
      steps: [
        { spawn: 'default' },
        { exec: nx('run-many -t build') },
        { say: 'built; next: npx projen test runs every test, npx projen local runs the pipeline here' },
      ],
    });
    this.addTask('test', {
      description: 'Every test: jest in every package and every pytest suite, each cached by nx',
      steps: [
        { spawn: python.name },
        { spawn: venv.name },
        { exec: nx(`run-many ${everything}`), receiveArgs: true },
        { say: 'tests passed; next: npx projen local runs the pipeline here, npx projen affected tests only what a change touches' },
      ],
    });
    this.addTask('local', {
      description: 'Run the whole pipeline on this machine: build and synthesize the sandbox, then moto, Airflow and dbt on DuckDB',
      steps: [
        { spawn: python.name },
        { exec: nx('run @lakehouse-cdk/sandbox:build') },
        // Only the main virtualenv: the local run needs no Airflow-version test venv.
        { exec: 'bash scripts/venv.sh .venv' },
        // Arguments after `--` reach the runner: npx projen local -- --dates 2026-01-01,2026-01-02
        { exec: '.venv/bin/python -m local', receiveArgs: true },
      ],
    });
    this.addTask('bench:local', {
      description: 'Measure the local run against dbt build alone on the same data',
      steps: [
        { exec: nx('run @lakehouse-cdk/sandbox:build') },
        { exec: 'bash scripts/venv.sh .venv' },
        { exec: '.venv/bin/python scripts/bench-local.py', receiveArgs: true },
      ],
    });
    this.addTask('affected', {
      description: 'Build and test (jest and pytest) only what the change touches, against main',
      steps: [
        { spawn: python.name },
        { spawn: venv.name },
        { exec: nx(`affected ${everything}`), receiveArgs: true },
      ],
    });
    this.addTask('package', {
      description: 'Package every library for npm, PyPI, Maven Central and Go into its dist/ (cached by nx)',
      exec: nx('run-many -t package'),
    });
    this.addTask('bench:test', {
      description: 'Measure a cold npx projen test at the base commit (BENCH_BASE) against HEAD, and HEAD from the cache',
      exec: 'bash scripts/bench-test.sh',
    });
    this.addTask('bench:fuzz', {
      description: 'Run every property fuzz suite with FUZZ_RUNS cases per property (default 1000) and print the outcomes per construct',
      steps: [
        { exec: nx('run-many -t build -p @lakehouse-cdk/core @lakehouse-cdk/testing') },
        { exec: 'bash scripts/bench/fuzz.sh', receiveArgs: true },
      ],
    });
    this.addTask('bench:build', {
      description: 'Measure cold, cached and affected builds and the sandbox synth time',
      exec: 'bash scripts/bench-build.sh',
    });
  }

  private addPullRequestWorkflow(): void {
    const workflow = this.github!.addWorkflow('pull-request');
    workflow.on({ pullRequest: { branches: ['main'] } });
    workflow.addJobs({
      affected: {
        name: 'nx affected build and test',
        runsOn: ['ubuntu-latest'],
        permissions: { contents: github.workflows.JobPermission.READ },
        steps: [
          { name: 'Checkout', uses: 'actions/checkout@v4', with: { 'fetch-depth': 0 } },
          { name: 'Setup Node.js', uses: 'actions/setup-node@v4', with: { 'node-version': '22', 'cache': 'npm' } },
          { name: 'Setup Python', uses: 'actions/setup-python@v5', with: { 'python-version': '3.11' } },
          {
            name: 'Restore the nx cache',
            uses: 'actions/cache@v4',
            with: {
              'path': '.nx/cache',
              'key': "nx-${{ runner.os }}-${{ hashFiles('package-lock.json') }}-${{ github.sha }}",
              'restore-keys': "nx-${{ runner.os }}-${{ hashFiles('package-lock.json') }}-",
            },
          },
          { name: 'Install', run: 'npm ci' },
          { name: 'Project files are up to date', run: 'npx projen && git diff --exit-code' },
          { name: 'Python virtualenv', run: 'npx projen venv' },
          {
            name: 'Build and test (jest and pytest) what the change affects',
            run: `npx nx affected -t build test ${PYTEST_TARGET} --base=origin/\${{ github.base_ref }} --head=HEAD --output-style=stream`,
          },
        ],
      },
    });
  }
}

/** Installs at the root when a member's manifest moved: the lock file covers every member. */
class WorkspaceDependencyResolver extends Component {
  constructor(private readonly root: LakehouseMonorepo) {
    super(root);
  }

  public postSynthesize(): void {
    // projen installs when the root package.json changes; a member's package.json changes the root lock file too.
    const membersChanged = this.root.subprojects.some(member => (member as javascript.NodeProject).package?.file.changed);
    if (membersChanged && !this.root.package.file.changed) {
      this.root.logger.info('Installing dependencies at the root: a workspace member\'s package.json changed');
      this.root.tasks.runTask(this.root.package.installTask.name);
    }
  }
}
