import { synth } from '@lakehouse-cdk/testing';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { LakehousePipeline, LakehousePipelineProps } from '../src';

export const RAW_CRAWLER = 'lakehouse-sandbox-raw';
export const CURATED_CRAWLER = 'lakehouse-sandbox-curated';
export const WORKGROUP = 'lakehouse-sandbox';

/** The required props, against an imported table and bucket. */
export function requiredProps(stack: Stack): LakehousePipelineProps {
  return {
    runsTable: dynamodb.Table.fromTableName(stack, 'Runs', 'lakehouse-sandbox-pipeline-runs'),
    rawCrawlerName: RAW_CRAWLER,
    curatedCrawlerName: CURATED_CRAWLER,
    athenaWorkGroupName: WORKGROUP,
  };
}

export interface PipelineSynth {
  readonly stack: Stack;
  readonly template: Template;
  readonly pipeline: LakehousePipeline;
  readonly definition: any;
}

/** Synthesizes one pipeline with the required props plus `extra(stack)`. */
export function synthPipeline(extra: (stack: Stack) => Partial<LakehousePipelineProps> = () => ({})): PipelineSynth {
  let pipeline: LakehousePipeline | undefined;
  const { stack, template } = synth(stack => {
    pipeline = new LakehousePipeline(stack, 'Pipeline', { ...requiredProps(stack), ...extra(stack) });
  });
  return { stack, template, pipeline: pipeline!, definition: definitionOf(template) };
}

/** With a results bucket, the props most deployments use. */
export function withResultsBucket(stack: Stack): Partial<LakehousePipelineProps> {
  return { resultsBucket: s3.Bucket.fromBucketName(stack, 'Results', 'lakehouse-sandbox-data-lake') };
}

/**
 * The state machine's definition with every CloudFormation token turned into
 * a placeholder string, so that it is plain ASL: `${Ref}` and `${Id.Attr}`.
 */
export function definitionOf(template: Template): any {
  const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
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

