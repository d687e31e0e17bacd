// A consumer's CDK app, run from a fresh folder outside the workspace with the
// packed libraries and aws-cdk-lib at the libraries' declared floor. It composes
// every layer the way a platform team would, checks it with the cdk-nag
// AwsSolutions pack as a validation plugin, and asserts on the templates.
// Usage: node app.js <outdir> <dags folder> <dbt project folder>
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { AnalyticsWorkgroup } = require('@lakehouse-cdk/analytics');
const { LakehouseCatalog } = require('@lakehouse-cdk/catalog');
const { DataLayer, Naming } = require('@lakehouse-cdk/core');
const { PipelineRunsTable } = require('@lakehouse-cdk/metadata');
const { MwaaEnvironment } = require('@lakehouse-cdk/orchestration');
const { DagsBucket, DataLakeStorage } = require('@lakehouse-cdk/storage');
const { DbtJob, LakehousePipeline, PipelineStep } = require('@lakehouse-cdk/workflow');
const { App, Stack, Validations } = require('aws-cdk-lib');
const { AwsSolutionsChecks } = require('cdk-nag');

const [outdir, dagsPath, dbtProject] = process.argv.slice(2);
const env = { account: '123456789012', region: 'eu-west-1' };
const naming = new Naming({ project: 'consumer', environment: 'floor' });

// Context off the CLI: no lookups, no network, the same assembly on every run.
const app = new App({ outdir, builtinCloudFormationValidation: false });

// Three stacks as in a real deployment, so grants cross stacks and the
// acknowledged ARNs hold imports.
const data = new Stack(app, 'Data', { env });
const storage = new DataLakeStorage(data, 'Storage', { naming });
const dags = new DagsBucket(data, 'Dags', { naming, accessLogsBucket: storage.accessLogsBucket });
const runs = new PipelineRunsTable(data, 'PipelineRuns', { naming });
const catalog = new LakehouseCatalog(data, 'Catalog', { naming, bucket: storage.bucket, encryptionKey: storage.encryptionKey });
const analytics = new AnalyticsWorkgroup(data, 'Analytics', {
  naming,
  resultsBucket: storage.bucket,
  resultsPrefix: storage.queryResultsPrefix,
  encryptionKey: storage.encryptionKey,
  databaseName: catalog.databaseName,
});

const workflow = new Stack(app, 'Pipeline', { env });
const dbt = new DbtJob(workflow, 'Dbt', {
  naming,
  projectDirectory: dbtProject,
  dataLakeBucket: storage.bucket,
  dataLakeKey: storage.encryptionKey,
  athenaWorkGroupName: analytics.workGroupName,
  databaseName: catalog.databaseName,
  runsTable: runs.table,
});
const pipeline = new LakehousePipeline(workflow, 'Pipeline', {
  naming,
  pipelineName: 'consumer',
  runsTable: runs.table,
  steps: [
    PipelineStep.crawl({ name: 'Raw', crawlerName: catalog.crawlerName(DataLayer.RAW) }),
    PipelineStep.dbt(dbt),
    // With a catalog database the query step reads the catalog: Glue table ARNs need a wildcard.
    PipelineStep.athenaQuery({
      name: 'QualityCheck',
      queryString: 'SELECT count(*) FROM fct_events',
      workGroup: analytics.workGroupName,
      resultsBucket: storage.bucket,
      resultsPrefix: storage.queryResultsPrefix,
      resultsKey: storage.encryptionKey,
      catalogDatabaseName: catalog.databaseName,
    }),
    PipelineStep.crawl({ name: 'Curated', crawlerName: catalog.crawlerName(DataLayer.CURATED) }),
  ],
});

const orchestration = new Stack(app, 'Orchestration', { env });
new MwaaEnvironment(orchestration, 'Airflow', {
  naming,
  stateMachine: pipeline.stateMachine,
  pipelineName: pipeline.pipelineName,
  dagsBucket: dags.bucket,
  dagsPath,
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }));

let assembly;
try {
  assembly = app.synth();
} catch (error) {
  const report = path.join(outdir, 'validation-report.json');
  if (fs.existsSync(report)) {
    const findings = JSON.parse(fs.readFileSync(report, 'utf8')).pluginReports
      .flatMap(plugin => plugin.violations)
      .flatMap(violation => violation.violatingConstructs.map(construct => `${violation.ruleName} at ${construct.constructPath}`));
    console.error(`cdk-nag reported ${findings.length} unacknowledged finding(s):\n  ${findings.join('\n  ')}`);
  }
  throw error;
}

const template = name => assembly.getStackByName(name).template;
const resourcesOf = (name, type) => Object.values(template(name).Resources).filter(resource => resource.Type === type);

// Synthesis passed the AwsSolutions plugin, so every finding was acknowledged;
// a report, if written, must hold no violation either.
const reportFile = path.join(outdir, 'validation-report.json');
if (fs.existsSync(reportFile)) {
  const violations = JSON.parse(fs.readFileSync(reportFile, 'utf8')).pluginReports.flatMap(plugin => plugin.violations);
  assert.deepStrictEqual(violations.map(v => v.ruleName), [], 'unacknowledged cdk-nag findings');
}

const keys = resourcesOf('Data', 'AWS::KMS::Key');
assert.ok(keys.some(key => key.Properties.EnableKeyRotation === true), 'the data lake has a customer managed key with rotation');
const crawlers = resourcesOf('Data', 'AWS::Glue::Crawler');
assert.deepStrictEqual(crawlers.length, 3, 'one crawler per data layer');
assert.strictEqual(resourcesOf('Pipeline', 'AWS::StepFunctions::StateMachine').length, 2, 'the pipeline and its stuck-run closer');
assert.strictEqual(resourcesOf('Pipeline', 'AWS::CodeBuild::Project').length, 1, 'the dbt job');
assert.strictEqual(resourcesOf('Orchestration', 'AWS::MWAA::Environment').length, 1, 'the MWAA environment');

// The finding of the DAG upload handler's managed policy has an id with several `::`,
// which this aws-cdk-lib refuses in Validations.acknowledge: it reached cdk-nag.
const managedPolicyAcknowledgements = resourcesOf('Orchestration', 'AWS::IAM::Role')
  .flatMap(role => role.Metadata?.cdk_nag?.rules_to_suppress ?? [])
  .map(rule => rule.id);
assert.ok(
  managedPolicyAcknowledgements.includes('AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]'),
  `the upload handler's managed-policy acknowledgement is recorded; found ${JSON.stringify(managedPolicyAcknowledgements)}`,
);

console.log(`synthesized ${assembly.stacks.map(s => s.stackName).join(', ')} with aws-cdk-lib ${require('aws-cdk-lib/package.json').version}: `
  + `${keys.length} KMS key(s), ${crawlers.length} crawlers, a state machine, an MWAA environment, no unacknowledged cdk-nag finding`);
