import * as fs from 'fs';
import * as path from 'path';
import { formatFindings, nagFindingsOfApp } from '@lakehouse-cdk/testing';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { LakehouseWorkflowStack } from './fixtures/readme-example';
import { aslErrors, definitionOf, entriesWithoutFailedState, everyPathTerminates, synthDefaults } from './helpers';

const FIXTURE = path.join(__dirname, 'fixtures', 'readme-example.ts');
const README = path.join(__dirname, '..', 'README.md');

/** The code between `// readme-example:begin` and `// readme-example:end`, with the published package's import path. */
function exampleCode(): string {
  const text = fs.readFileSync(FIXTURE, 'utf8');
  const match = /\/\/ readme-example:begin\n([\s\S]*?)\/\/ readme-example:end\n/.exec(text);
  if (!match) throw new Error(`${FIXTURE} has no readme-example markers`);
  return match[1].replace("from '../../src';", "from '@lakehouse-cdk/workflow';");
}

/** The fenced code block between `<!-- readme-example:begin -->` and `<!-- readme-example:end -->`. */
function readmeCode(): string {
  const text = fs.readFileSync(README, 'utf8');
  const match = /<!-- readme-example:begin -->\n```ts\n([\s\S]*?)```\n<!-- readme-example:end -->/.exec(text);
  if (!match) throw new Error('README.md has no readme-example block');
  return match[1];
}

function synthExample() {
  const app = new App();
  const stack = new LakehouseWorkflowStack(app, 'Lakehouse', { env: { account: '123456789012', region: 'eu-west-1' } });
  return { app, template: Template.fromStack(stack) };
}

test('the README holds the compiled example verbatim', () => {
  expect(readmeCode()).toBe(exampleCode());
  expect(exampleCode()).toContain("import { DbtJob, LakehousePipeline, PipelineStep } from '@lakehouse-cdk/workflow';");
});

test('the example synthesizes a pipeline of four steps: crawl, dbt, a quality query, crawl', () => {
  const { template } = synthExample();
  const definition = definitionOf(template);
  const states = definition.States;
  expect(states.RecordPipelineStart.Next).toBe('StartRawCrawler');
  expect(states.CheckRawCrawlResult.Choices[0].Next).toBe('RunDbtTransformations');
  expect(states.RunDbtTransformations.Next).toBe('RunQualityCheck');
  expect(states.IsQualityCheckDone.Choices[0].Next).toBe('StartCuratedCrawler');
  expect(states.CheckCuratedCrawlResult.Choices[0].Next).toBe('RecordPipelineSuccess');
  expect(states.RunDbtTransformations.Parameters.EnvironmentVariablesOverride).toContainEqual({ Name: 'LAKEHOUSE_DBT_SELECT', Type: 'PLAINTEXT', Value: 'marts' });
  expect(states.RunQualityCheck.Parameters).toMatchObject({
    WorkGroup: 'lakehouse-prod',
    QueryExecutionContext: { Database: 'lakehouse_prod' },
    ResultConfiguration: { OutputLocation: 's3://lakehouse-prod-data-lake/athena-results/' },
  });
  expect(states.RunQualityCheck.Parameters.QueryString).toMatch(/^SELECT CAST\(IF\(count\(\*\) > 0, '0', '[^']+'\) AS integer\)/);
  expect(states.ApplyDefaultPipelineName.Result).toBe('lakehouse-prod');
  expect(aslErrors(definition)).toBe('');
  expect(everyPathTerminates(definition)).toEqual([]);
  expect(entriesWithoutFailedState(definition)).toEqual([]);
  template.resourceCountIs('AWS::CodeBuild::Project', 1);
});

test('the example is cdk-nag clean', () => {
  const { app } = synthExample();
  expect(formatFindings(nagFindingsOfApp(app))).toBe('');
});

/**
 * The states a successful run of the default steps enters, each crawler
 * READY at its `polls`-th poll: the definition is followed from StartAt,
 * taking at each Choice the branch of that run.
 */
function statesOfSuccessfulRun(definition: any, polls: number, givesPipelineName: boolean): string[] {
  const entered: string[] = [];
  const visits = new Map<string, number>();
  let name: string = definition.StartAt;
  while (entered.length < 10_000) {
    entered.push(name);
    visits.set(name, (visits.get(name) ?? 0) + 1);
    const state = definition.States[name];
    if (state.Type === 'Succeed' || state.Type === 'Fail') return entered;
    if (state.Type !== 'Choice') {
      name = state.Next;
      continue;
    }
    if (name === 'ValidateInput') {
      name = givesPipelineName ? state.Choices.find((c: any) => c.Variable === '$.pipeline_name' && c.IsPresent === true).Next : state.Default;
    } else if (/^Is.+CrawlerReady$/.test(name)) {
      name = visits.get(name)! < polls ? state.Default : state.Choices[0].Next;
    } else {
      // The date checks and the crawl results: the first rule is the valid date, the SUCCEEDED crawl.
      name = state.Choices[0].Next;
    }
  }
  throw new Error('the run did not end');
}

test('the README\'s count of state transitions per run, 16 + 8N, is the default definition\'s', () => {
  const { definition } = synthDefaults();
  for (const polls of [1, 2, 5, 60]) {
    const run = statesOfSuccessfulRun(definition, polls, false);
    expect(run[run.length - 1]).toBe('PipelineSucceeded');
    expect(run).toHaveLength(16 + 8 * polls);
    expect(statesOfSuccessfulRun(definition, polls, true)).toHaveLength(15 + 8 * polls);
  }
  expect(statesOfSuccessfulRun(definition, 5, false).slice(0, 8)).toEqual([
    'ValidateInput', 'ApplyDefaultPipelineName', 'SplitExecutionDate', 'CheckExecutionDateShape', 'ParseExecutionDate', 'CheckExecutionDate',
    'RecordPipelineStart', 'StartRawCrawler',
  ]);
  const readme = fs.readFileSync(README, 'utf8');
  expect(readme).toContain('**16 + 8N** transitions');
  expect(readme).toContain('a run is 56 transitions');
});
