import { CONSUMER_CDK_VERSIONS, ConsumerTest, LakehouseLibrary, LakehouseMonorepo, LayerReleases, PythonFolder, pytestTarget, SandboxApp, TestingPackage } from './projenrc';

const root = new LakehouseMonorepo();

// Test helpers shared by every package's jest suite (private, not published).
const testing = new TestingPackage(root);

// One line per lakehouse layer. Layers build on core only, never on each other.
const core = new LakehouseLibrary(root, { layer: 'core', testing, description: 'Shared vocabulary of Lakehouse CDK: naming, data layers, retention guard, cost tags and validation.' });
const storage = new LakehouseLibrary(root, { layer: 'storage', testing, deps: [core], description: 'The lakehouse data-lake and DAGs buckets: layer prefixes, KMS, lifecycle tiering and access logs.' });
const metadata = new LakehouseLibrary(root, { layer: 'metadata', testing, deps: [core], description: 'The lakehouse pipeline-runs table in DynamoDB.' });
const catalog = new LakehouseLibrary(root, { layer: 'catalog', testing, deps: [core], description: 'The lakehouse Glue catalog: database, one crawler per layer, crawler role and security configuration.' });
const analytics = new LakehouseLibrary(root, { layer: 'analytics', testing, deps: [core], description: 'The lakehouse Athena workgroup and named queries.' });
const workflow = new LakehouseLibrary(root, { layer: 'workflow', testing, deps: [core], devDeps: ['asl-validator@^4.0.0', 'jsonata@^2.0.0'], description: 'The lakehouse pipeline as a Step Functions state machine.' });
const orchestration = new LakehouseLibrary(root, { layer: 'orchestration', testing, deps: [core], description: 'The lakehouse orchestration: an MWAA environment (Airflow 3 by default) that runs the pipeline DAG, or an EventBridge Scheduler schedule that starts the pipeline daily.' });

// The Python suites as nx projects: nx caches each pytest run on what it reads, and `affected`
// selects a suite when one of those files changes (nx matches a changed file against the inputs).
// The folders the sandbox deploys as assets hold no nx file of their own outside their tests.
const dagFiles = ['{workspaceRoot}/dags/**/*', '!{workspaceRoot}/dags/tests/**'];
const dbtFiles = ['{workspaceRoot}/dbt_project/**/*'];
const support = { input: 'default', projects: ['tests-support'] };
new PythonFolder(root, { name: 'tests-support', root: 'tests/support' });
new PythonFolder(root, { name: 'local', root: 'local' });
new PythonFolder(root, {
  name: 'dags', root: 'dags/tests', tests: ['dags/tests'], dependsOn: ['tests-support'],
  inputs: [...dagFiles, support],
  // The one DAG on each Airflow version it supports on MWAA: 3.0.6 in the main venv (the local
  // run's), 2.11.0 in a venv of its own.
  extraVenvs: ['.venv-airflow2'],
});
new PythonFolder(root, {
  name: 'dbt', root: 'dbt_project/tests_py', tests: ['dbt_project/tests_py'], dependsOn: ['tests-support'],
  // The venv tests copy the scripts and every requirements file of the repository.
  inputs: [...dbtFiles, support, '{workspaceRoot}/scripts/venv.sh', '{workspaceRoot}/scripts/check-python.sh', '{workspaceRoot}/**/requirements*.txt'],
});
const sandboxTemplates = { dependentTasksOutputFiles: 'apps/sandbox/cdk.out/**', transitive: false };
new PythonFolder(root, {
  name: 'tests-sandbox', root: 'tests/sandbox', tests: ['tests/sandbox'], dependsOn: ['@lakehouse-cdk/sandbox'],
  // cfn-lint reads the synthesized templates and its configuration; the cost check, docs/cost.md.
  inputs: [sandboxTemplates, '{workspaceRoot}/.cfnlintrc.yaml', '{workspaceRoot}/docs/cost.md'],
});
new PythonFolder(root, {
  name: 'tests-local', root: 'tests/local', tests: ['tests/local'], dependsOn: ['@lakehouse-cdk/sandbox', 'local', 'tests-support'],
  // The local run: the synthesized sandbox, the runner, the DAG and the dbt project.
  inputs: [sandboxTemplates, { input: 'default', projects: ['local', 'tests-support'] }, ...dagFiles, ...dbtFiles, '{workspaceRoot}/scripts/check-python.sh'],
});
new PythonFolder(root, {
  name: 'tests-workflow', root: 'tests/workflow', tests: ['tests/workflow'], dependsOn: ['@lakehouse-cdk/workflow', 'tests-support'],
  // The suite synthesizes the workflow package's fixture app from source and runs dbt_project's entrypoint.
  inputs: ['^production', '{workspaceRoot}/packages/workflow/test/fixtures/**/*', ...dbtFiles],
});
new PythonFolder(root, {
  name: 'tests-orchestration', root: 'tests/orchestration', tests: ['tests/orchestration'],
  // The scheduler tier's backfill script, run against moto.
  inputs: ['{workspaceRoot}/scripts/backfill.py'],
});
new PythonFolder(root, {
  name: 'tests-scripts', root: 'tests/scripts', tests: ['tests/scripts'],
  // The progress the long commands print: the nx wrapper and the shell scripts' wait loop.
  inputs: ['{workspaceRoot}/scripts/nx-progress.js', '{workspaceRoot}/scripts/lib/progress.sh'],
});
new PythonFolder(root, {
  name: 'tests-docs', root: 'tests/docs', tests: ['tests/docs'],
  // The commands the docs name exist: the docs, the projen tasks and the nx projects.
  inputs: ['{workspaceRoot}/**/*.md', '{workspaceRoot}/.projen/tasks.json', '{workspaceRoot}/**/project.json', '{workspaceRoot}/packages/*/package.json', '{workspaceRoot}/apps/*/package.json'],
});
// The named queries parse as Athena SQL.
analytics.package.addField('nx', { targets: { pytest: pytestTarget(['packages/analytics/test'], ['{projectRoot}/queries/**/*', '{projectRoot}/test/**/*.py'], false) } });

new SandboxApp(root, { layers: [core, storage, metadata, catalog, analytics, workflow, orchestration], testing, assetInputs: [...dagFiles, ...dbtFiles] });

// A fresh app outside the workspace installs the packed layers at the aws-cdk-lib and constructs floor they declare.
new ConsumerTest(root, { dir: 'test/consumers/floor', layers: [core, storage, metadata, catalog, analytics, workflow, orchestration] });
// New apps in each jsii language install what `package` built for the registries: tarballs, wheels, jars, Go modules.
new ConsumerTest(root, { dir: 'test/consumers/typescript', layers: [core, storage], packaged: true, args: [CONSUMER_CDK_VERSIONS.typescript], toolchain: 'node --version' });
new ConsumerTest(root, { dir: 'test/consumers/python', layers: [core, storage], packaged: true, args: [CONSUMER_CDK_VERSIONS.python], toolchain: 'python3 --version' });
new ConsumerTest(root, { dir: 'test/consumers/java', layers: [core, storage, catalog], packaged: true, args: [CONSUMER_CDK_VERSIONS.java], toolchain: 'java -version 2>&1 && mvn -v' });
new ConsumerTest(root, { dir: 'test/consumers/go', layers: [core, storage], packaged: true, args: [CONSUMER_CDK_VERSIONS.go], toolchain: 'go version' });

// Each layer is released on its own version, tag and changelog, to npm, PyPI, Maven Central and Go.
new LayerReleases(root, { layers: [core, storage, metadata, catalog, analytics, workflow, orchestration] });

root.synth();
