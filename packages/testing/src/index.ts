import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, AppProps, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';

/** A finding of a cdk-nag rule pack that was not acknowledged. */
export interface NagFinding {
  readonly rule: string;
  readonly severity: string;
  readonly path: string;
  readonly description: string;
}

/** The result of synthesizing one stack. */
export interface Synthesized {
  readonly app: App;
  readonly stack: Stack;
  readonly template: Template;
}

/**
 * Builds `build(stack)` into a fresh app and stack and synthesizes it into a
 * temporary folder. `context` is the app's context, for example the
 * retention guard's flag.
 */
export function synth(build: (stack: Stack) => void, context: Record<string, unknown> = {}): Synthesized {
  const app = new App({ context, outdir: tempOutdir() });
  const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  build(stack);
  return { app, stack, template: Template.fromStack(stack) };
}

/**
 * Synthesizes `build(stack)` with the cdk-nag AwsSolutions pack and returns
 * every finding that was not acknowledged. An empty list means the stack is
 * clean: every rule passed or was acknowledged with a reason.
 */
export function nagFindings(build: (stack: Stack) => void, appProps: AppProps = {}): NagFinding[] {
  const app = new App({ ...appProps, outdir: tempOutdir() });
  const stack = new Stack(app, 'Nag', { env: { account: '123456789012', region: 'eu-west-1' } });
  build(stack);
  return nagFindingsOfApp(app);
}

/** What aws-cdk-lib prints on every synthesis with a validation plugin, whatever the outcome. */
const VALIDATION_OUTPUT = /^(Performing Policy Validations|Validation Report\n|Validation failed\. A copy of this report can be found in )/;

/**
 * Runs `synthesize` without the console output of aws-cdk-lib's policy
 * validation: with a plugin (cdk-nag), each synthesis prints a heading and the
 * whole report, passed or failed, which jest shows for every test as
 * `console.error` with a stack trace. The findings are read from
 * `validation-report.json` instead (`readValidationReport`), and a failing
 * test names them. Any other console output passes through.
 */
export function withoutValidationOutput<T>(synthesize: () => T): T {
  const error = console.error;
  console.error = (...args: unknown[]) => {
    if (!(typeof args[0] === 'string' && VALIDATION_OUTPUT.test(args[0]))) error(...args);
  };
  try {
    return synthesize();
  } finally {
    console.error = error;
  }
}

/** Synthesizes a whole app with the AwsSolutions pack and returns its unacknowledged findings. */
export function nagFindingsOfApp(app: App): NagFinding[] {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const exitCode = process.exitCode;
  try {
    withoutValidationOutput(() => app.synth({ force: true }));
  } catch (error) {
    // A failed validation throws after writing its report; an error without a report is a real error.
    if (!fs.existsSync(path.join(app.outdir, 'validation-report.json'))) throw error;
  } finally {
    // Before 2.263, aws-cdk-lib reports a failed validation by setting the exit
    // code instead of throwing; the findings are the result here, not a failed run.
    process.exitCode = exitCode;
  }
  return readValidationReport(app.outdir);
}

/**
 * Synthesizes `app` and returns why it failed, or undefined when it passed.
 * A failed validation throws from aws-cdk-lib 2.263 on; before, it prints its
 * report and sets `process.exitCode`, which is put back here so that a synth
 * meant to fail does not fail the test run.
 */
export function synthFailure(app: App): string | undefined {
  const exitCode = process.exitCode;
  try {
    withoutValidationOutput(() => app.synth({ force: true }));
    return process.exitCode !== exitCode ? `validation failed; see ${path.join(app.outdir, 'validation-report.json')}` : undefined;
  } catch (error) {
    return String(error);
  } finally {
    process.exitCode = exitCode;
  }
}

/** Reads the findings of `validation-report.json` in a cloud assembly folder. */
export function readValidationReport(outdir: string): NagFinding[] {
  const file = path.join(outdir, 'validation-report.json');
  if (!fs.existsSync(file)) return [];
  const report = JSON.parse(fs.readFileSync(file, 'utf8'));
  const findings: NagFinding[] = [];
  for (const plugin of report.pluginReports ?? []) {
    for (const violation of plugin.violations ?? []) {
      for (const construct of violation.violatingConstructs ?? []) {
        findings.push({
          rule: violation.ruleName,
          severity: violation.severity,
          path: construct.constructPath,
          description: violation.description,
        });
      }
    }
  }
  return findings;
}

/** Formats findings one a line, for a readable test failure. */
export function formatFindings(findings: NagFinding[]): string {
  return findings.map(f => `${f.severity} ${f.rule} at ${f.path}: ${f.description}`).join('\n');
}

/** Every IAM policy statement in a template, with the logical id of its policy. */
export interface PolicyStatementOf {
  readonly policy: string;
  readonly statement: any;
}

/** Returns every statement of every AWS::IAM::Policy and inline role policy in the template. */
export function policyStatements(template: Template): PolicyStatementOf[] {
  const result: PolicyStatementOf[] = [];
  for (const [id, policy] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
    for (const statement of (policy as any).Properties.PolicyDocument.Statement) {
      result.push({ policy: id, statement });
    }
  }
  for (const [id, role] of Object.entries(template.findResources('AWS::IAM::Role'))) {
    for (const inline of (role as any).Properties.Policies ?? []) {
      for (const statement of inline.PolicyDocument.Statement) {
        result.push({ policy: `${id}/${inline.PolicyName}`, statement });
      }
    }
  }
  return result;
}

/** Normalises a statement's Action or Resource (string or list) to a list. */
export function asList<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * The name of the error that `Validate` in @lakehouse-cdk/core throws (what
 * `Validate.isValidationError` checks). Written out here because core's own
 * tests use this package, so this package cannot depend on core.
 */
export const VALIDATION_ERROR_NAME = 'LakehouseValidationError';

/** Runs `build` and returns what it threw; fails when nothing was thrown. */
export function errorOf(build: () => unknown): any {
  try {
    build();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, but nothing was thrown');
}

/**
 * Runs `build` and checks that it throws the shared Lakehouse validation
 * error, whose message names `prop` and, when given, matches `rule`.
 * Returns the error for further checks.
 */
export function expectValidationError(build: () => unknown, prop: string, rule?: RegExp): Error {
  const error = errorOf(build);
  if (!(error instanceof Error) || error.name !== VALIDATION_ERROR_NAME) {
    throw new Error(`expected a ${VALIDATION_ERROR_NAME} naming ${prop}, but got: ${String(error)}`);
  }
  if (!error.message.includes(prop)) {
    throw new Error(`expected the validation error to name ${prop}: ${error.message}`);
  }
  if (rule && !rule.test(error.message)) {
    throw new Error(`expected the validation error to match ${rule}: ${error.message}`);
  }
  return error;
}

function tempOutdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'lakehouse-cdk-test-'));
}
export * from './fuzz';
export * from './readme-examples';
