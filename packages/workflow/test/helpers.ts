import * as path from 'path';
import { synth } from '@lakehouse-cdk/testing';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { DbtJob, DbtJobProps, LakehousePipeline, LakehousePipelineProps, PipelineStep } from '../src';

export const RAW_CRAWLER = 'lakehouse-sandbox-raw';
export const CURATED_CRAWLER = 'lakehouse-sandbox-curated';
export const WORKGROUP = 'lakehouse-sandbox';
export const DATABASE = 'lakehouse_sandbox';
export const DATA_LAKE_BUCKET = 'lakehouse-sandbox-data-lake';
export const RUNS_TABLE = 'lakehouse-sandbox-pipeline-runs';
export const DBT_PROJECT = path.join(__dirname, 'fixtures', 'dbt-project');

/** The pipeline-runs table, imported once per stack. */
export function runsTableOf(stack: Stack): dynamodb.ITable {
  return (stack.node.tryFindChild('Runs') as dynamodb.ITable | undefined) ?? dynamodb.Table.fromTableName(stack, 'Runs', RUNS_TABLE);
}

/** The data-lake bucket, imported once per stack. */
export function dataLakeOf(stack: Stack): s3.IBucket {
  return (stack.node.tryFindChild('DataLake') as s3.IBucket | undefined) ?? s3.Bucket.fromBucketName(stack, 'DataLake', DATA_LAKE_BUCKET);
}

/** The required props of a dbt job, against the imported bucket and table. */
export function requiredJobProps(stack: Stack): DbtJobProps {
  return {
    projectDirectory: DBT_PROJECT,
    dataLakeBucket: dataLakeOf(stack),
    athenaWorkGroupName: WORKGROUP,
    databaseName: DATABASE,
    runsTable: runsTableOf(stack),
  };
}

/** A dbt job with the required props plus `extra`. */
export function dbtJob(stack: Stack, extra: Partial<DbtJobProps> = {}, id = 'Dbt'): DbtJob {
  return new DbtJob(stack, id, { ...requiredJobProps(stack), ...extra });
}

/**
 * The required props of the default steps: raw crawl → dbt → curated crawl,
 * with a dbt job of the required props plus `job`.
 */
export function requiredProps(stack: Stack, job: Partial<DbtJobProps> = {}): LakehousePipelineProps {
  return {
    runsTable: runsTableOf(stack),
    rawCrawlerName: RAW_CRAWLER,
    curatedCrawlerName: CURATED_CRAWLER,
    transformation: PipelineStep.dbt(dbtJob(stack, job)),
  };
}

export interface PipelineSynth {
  readonly stack: Stack;
  readonly template: Template;
  readonly pipeline: LakehousePipeline;
  /** The pipeline's definition (the STANDARD state machine). */
  readonly definition: any;
  /** The stuck-run closer's definition (the EXPRESS state machine). */
  readonly closer: any;
}

/**
 * Synthesizes one pipeline with `props(stack)`, by default the required
 * props of the default steps.
 */
export function synthPipeline(props: (stack: Stack) => LakehousePipelineProps = requiredProps, context: Record<string, unknown> = {}): PipelineSynth {
  let pipeline: LakehousePipeline | undefined;
  const { stack, template } = synth(stack => {
    pipeline = new LakehousePipeline(stack, 'Pipeline', props(stack));
  }, context);
  return { stack, template, pipeline: pipeline!, definition: definitionOf(template), closer: definitionOf(template, 'EXPRESS') };
}

/** Synthesizes a pipeline with the required default-step props plus `extra(stack)`. */
export function synthDefaults(extra: (stack: Stack) => Partial<LakehousePipelineProps> = () => ({})): PipelineSynth {
  return synthPipeline(stack => ({ ...requiredProps(stack), ...extra(stack) }));
}

/**
 * The definition of the one state machine of `type` (the pipeline is
 * STANDARD, the stuck-run closer EXPRESS), with every CloudFormation token
 * turned into a placeholder string, so that it is plain ASL: `${Ref}` and
 * `${Id.Attr}`.
 */
export function definitionOf(template: Template, type: 'STANDARD' | 'EXPRESS' = 'STANDARD'): any {
  const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine', { Properties: { StateMachineType: type } }));
  expect(machines).toHaveLength(1);
  return JSON.parse(flatten((machines[0] as any).Properties.DefinitionString));
}

function flatten(node: any): string {
  if (typeof node === 'string') return node;
  if (node['Fn::Join']) {
    const [delimiter, items] = node['Fn::Join'];
    return items.map(flatten).join(delimiter);
  }
  if (node.Ref) {
    const pseudo: Record<string, string> = {
      'AWS::Partition': 'aws', 'AWS::Region': 'eu-west-1', 'AWS::AccountId': '123456789012', 'AWS::URLSuffix': 'amazonaws.com',
    };
    return pseudo[node.Ref] ?? `\${${node.Ref}}`;
  }
  if (node['Fn::GetAtt']) return `\${${node['Fn::GetAtt'].join('.')}}`;
  throw new Error(`cannot flatten ${JSON.stringify(node)}`);
}

/** The states a state may go to next: Next, Choice rules, Default and Catch handlers. */
export function successors(state: any): string[] {
  const next: string[] = [];
  if (state.Next) next.push(state.Next);
  for (const choice of state.Choices ?? []) next.push(choice.Next);
  if (state.Default) next.push(state.Default);
  for (const handler of state.Catch ?? []) next.push(handler.Next);
  return next;
}

/** Every state reachable from StartAt. */
export function reachableStates(definition: any): Set<string> {
  const seen = new Set<string>();
  const queue = [definition.StartAt];
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const state = definition.States[name];
    if (state === undefined) throw new Error(`state ${name} is referenced but not defined`);
    queue.push(...successors(state));
  }
  return seen;
}

/** The reachable Task states. */
export function taskStates(definition: any): string[] {
  return [...reachableStates(definition)].filter(name => definition.States[name].Type === 'Task');
}

/**
 * Whether every path from every reachable state ends in Succeed or Fail:
 * each reachable state can reach a terminal state, and no non-terminal state
 * lacks a successor (End is allowed only on Succeed and Fail here).
 */
export function everyPathTerminates(definition: any): string[] {
  const problems: string[] = [];
  const reachable = reachableStates(definition);
  const terminal = (name: string) => ['Succeed', 'Fail'].includes(definition.States[name].Type);
  const canTerminate = new Set<string>([...reachable].filter(terminal));
  let changed = true;
  while (changed) {
    changed = false;
    for (const name of reachable) {
      if (canTerminate.has(name)) continue;
      if (successors(definition.States[name]).some(next => canTerminate.has(next))) {
        canTerminate.add(name);
        changed = true;
      }
    }
  }
  for (const name of reachable) {
    const state = definition.States[name];
    if (!canTerminate.has(name)) problems.push(`${name} cannot reach Succeed or Fail`);
    if (!terminal(name) && state.End) problems.push(`${name} ends the execution without Succeed or Fail`);
    if (!terminal(name) && successors(state).length === 0) problems.push(`${name} has no successor`);
  }
  return problems;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator = require('asl-validator');

/**
 * The asl-validator errors of a definition (empty when it is valid), with
 * paths and ARNs checked. The validator is given a copy: it writes its
 * defaults (a QueryLanguage on every state) into the object it checks.
 */
export function aslErrors(definition: any): string {
  const result = aslValidator(JSON.parse(JSON.stringify(definition)), { checkPaths: true, checkArn: true });
  return result.isValid ? '' : (result.errorsText('\n') || 'invalid');
}

const FAILURE = '$.failure';

/** Whether a result written to `resultPath` replaces `$.failure` (the default ResultPath is `$`). */
function replacesFailure(resultPath: string | null | undefined): boolean {
  return resultPath === undefined || resultPath === '$' || resultPath === FAILURE;
}

/** Whether a Pass that writes `$.failure` writes a State into it. */
function passSetsState(state: any): boolean {
  const written = state.Parameters ?? state.Result ?? {};
  return 'State' in written || 'State.$' in written;
}

/**
 * The edges along which `target` may be entered without `$.failure.State`:
 * a forward data-flow analysis over every path from StartAt. `$.failure`
 * lacks State at the start; a Catch or a task result written to `$` or
 * `$.failure` replaces it with an object that lacks State; a Pass that
 * writes `$.failure` sets it when its parameters have a State, and one that
 * writes `$.failure.State` sets it. Each edge is
 * reported as `<from> -> <target>`.
 */
export function entriesWithoutFailedState(definition: any, target = 'RecordPipelineFailure'): string[] {
  const reachable = reachableStates(definition);
  // mayLack[s]: some path enters s with $.failure.State missing.
  const mayLack = new Map<string, boolean>([...reachable].map(name => [name, false]));
  mayLack.set(definition.StartAt, true);
  const edges = (name: string, lacking: boolean): Array<[string, boolean]> => {
    const state = definition.States[name];
    let afterResult = lacking;
    if (state.Type === 'Task' && replacesFailure(state.ResultPath)) afterResult = true;
    if (state.Type === 'Pass' && (state.Parameters !== undefined || state.Result !== undefined)) {
      if (state.ResultPath === `${FAILURE}.State`) afterResult = false;
      else if (state.ResultPath === FAILURE) afterResult = !passSetsState(state);
      else if (replacesFailure(state.ResultPath)) afterResult = true;
    }
    const out: Array<[string, boolean]> = [];
    if (state.Next) out.push([state.Next, afterResult]);
    for (const choice of state.Choices ?? []) out.push([choice.Next, lacking]);
    if (state.Default) out.push([state.Default, lacking]);
    for (const handler of state.Catch ?? []) out.push([handler.Next, replacesFailure(handler.ResultPath) ? true : lacking]);
    return out;
  };
  let changed = true;
  while (changed) {
    changed = false;
    for (const name of reachable) {
      for (const [next, lacking] of edges(name, mayLack.get(name)!)) {
        if (lacking && !mayLack.get(next)) {
          mayLack.set(next, true);
          changed = true;
        }
      }
    }
  }
  const problems: string[] = [];
  for (const name of reachable) {
    for (const [next, lacking] of edges(name, mayLack.get(name)!)) {
      if (next === target && lacking) problems.push(`${name} -> ${target}`);
    }
  }
  return problems;
}
