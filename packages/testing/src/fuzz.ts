import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnParameter, Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as fc from 'fast-check';

/**
 * Property fuzz of construct props: each case builds a construct from a
 * valid baseline with one to three props replaced by fuzzed values
 * (boundary numbers, tokens, odd strings, wrong runtime types), and must
 * give either a template that keeps the documented rules, or the shared
 * validation error naming one of the replaced props.
 *
 * `FUZZ_RUNS` sets the cases per property (50 by default, what CI runs);
 * with `FUZZ_REPORT=<file>`, each suite appends its counts to that file, one
 * JSON line per construct, which the fuzz bench sums up.
 */

/** The cases per property: `FUZZ_RUNS`, 50 by default. */
export function fuzzRuns(): number {
  const runs = Number(process.env.FUZZ_RUNS ?? 50);
  return Number.isInteger(runs) && runs > 0 ? runs : 50;
}

/** A fuzzed prop value, made in the stack of its case (a CfnParameter needs one). */
export interface FuzzValue {
  /** How the value reads in a counterexample. */
  readonly label: string;
  /** Makes the value in `stack`. */
  make(stack: Stack): unknown;
}

let parameterCount = 0;
/** A CfnParameter of `type` in `stack`, with an id unique to the case. */
function parameter(stack: Stack, type: string): CfnParameter {
  return new CfnParameter(stack, `FuzzParameter${parameterCount++}`, { type });
}

/** A value that is the same in every stack. */
export function constant(label: string, value: unknown): FuzzValue {
  return fuzzValue(label, () => value);
}

/** A value made in the case's stack. */
export function fuzzValue(label: string, make: (stack: Stack) => unknown): FuzzValue {
  const value = { label, make, toString: () => label };
  Object.defineProperty(value, fc.toStringMethod, { value: () => label });
  return value;
}

/** The prop left out: for a required prop, a missing collaborator. */
export const MISSING: FuzzValue = constant('undefined', undefined);

/** Numbers at and around the edges: 0, -1, 1.5, NaN, ±Infinity, huge, and small integers. */
export function boundaryNumbers(): fc.Arbitrary<FuzzValue> {
  return fc.oneof(
    fc.constantFrom(0, -1, 1, 1.5, 2, 10, 30, 60, 10_000, NaN, Infinity, -Infinity, 2 ** 31, Number.MAX_SAFE_INTEGER, 1e300, -0)
      .map(n => constant(String(n), n)),
    fc.integer({ min: -5, max: 4000 }).map(n => constant(String(n), n)),
  );
}

/** A number token: a CfnParameter's `valueAsNumber` or a `Lazy.number`. */
export function tokenNumbers(): fc.Arbitrary<FuzzValue> {
  return fc.constantFrom(
    fuzzValue('CfnParameter.valueAsNumber', stack => parameter(stack, 'Number').valueAsNumber),
    fuzzValue('Lazy.number(7)', () => Lazy.number({ produce: () => 7 })),
  );
}

/** A string token: a CfnParameter's `valueAsString` or a `Lazy.string`. */
export function tokenStrings(): fc.Arbitrary<FuzzValue> {
  return fc.constantFrom(
    fuzzValue('CfnParameter.valueAsString', stack => parameter(stack, 'String').valueAsString),
    fuzzValue('Lazy.string("lazy")', () => Lazy.string({ produce: () => 'lazy' })),
  );
}

/** Empty, whitespace, unicode, control and long strings, and any string. */
export function oddStrings(): fc.Arbitrary<FuzzValue> {
  return fc.oneof(
    fc.constantFrom('', ' ', '\t', '\n', ' a ', 'ünïcødé', '数据湖', '🦆', 'a/b', '../', '*', 'a'.repeat(300), 'x'.repeat(5000), 'Robert\'); DROP TABLE')
      .map(s => constant(JSON.stringify(s.length > 40 ? `${s.slice(0, 10)}…(${s.length})` : s), s)),
    fc.string({ maxLength: 40 }).map(s => constant(JSON.stringify(s), s)),
  );
}

/** Values of the wrong runtime type, as a JavaScript caller can pass them. */
export function wrongTypes(): fc.Arbitrary<FuzzValue> {
  return fc.constantFrom(
    constant('42', 42),
    constant('"text"', 'text'),
    constant('true', true),
    constant('{}', {}),
    constant('{ project: 1 }', { project: 1 }),
    constant('[]', []),
    constant('["a"]', ['a']),
    constant('null', null),
    constant('() => 1', () => 1),
  );
}

/** Durations in every unit with boundary amounts, and token durations. */
export function durations(): fc.Arbitrary<FuzzValue> {
  const units: Array<[string, (n: number) => Duration]> = [
    ['seconds', Duration.seconds], ['minutes', Duration.minutes], ['hours', Duration.hours], ['days', Duration.days],
  ];
  return fc.oneof(
    fc.tuple(fc.constantFrom(...units), fc.constantFrom(0, 1, 1.5, 2, 5, 30, 45, 60, 90, 365, 3600, 100_000, 1e9, NaN, Infinity))
      .map(([[unit, of], n]) => fuzzValue(`Duration.${unit}(${n})`, () => of(n))),
    fc.constantFrom(...units).map(([unit, of]) =>
      fuzzValue(`Duration.${unit}(CfnParameter)`, stack => of(parameter(stack, 'Number').valueAsNumber))),
    fc.constantFrom(...units).map(([unit, of]) => fuzzValue(`Duration.${unit}(Lazy.number)`, () => of(Lazy.number({ produce: () => 30 })))),
  );
}

/** Every removal policy, and strings that are none. */
export function removalPolicies(): fc.Arbitrary<FuzzValue> {
  return fc.constantFrom(...Object.values(RemovalPolicy), 'snapshot', 'DELETE', '')
    .map(policy => constant(`RemovalPolicy ${JSON.stringify(policy)}`, policy));
}

/** Log retentions in days: every allowed value, and values CloudWatch Logs refuses. */
export function logRetentions(): fc.Arbitrary<FuzzValue> {
  return fc.oneof(
    fc.constantFrom(...ALLOWED_LOG_RETENTIONS).map(n => constant(String(n), n)),
    fc.constantFrom(0, -1, 2, 1.5, 10_000, NaN, Infinity).map(n => constant(String(n), n)),
    tokenNumbers(),
  );
}

/** One of `values`, each labelled by its JSON. */
export function oneOfValues(...values: unknown[]): fc.Arbitrary<FuzzValue> {
  return fc.constantFrom(...values).map(value => constant(labelOf(value), value));
}

/** The strings a string prop must refuse or pass on: odd strings, string tokens and wrong runtime types. */
export function badStrings(): fc.Arbitrary<FuzzValue> {
  return fc.oneof(oddStrings(), tokenStrings(), wrongTypes());
}

/** One of the `valid` strings three times in four, else one of `badStrings()`. */
export function strings(...valid: string[]): fc.Arbitrary<FuzzValue> {
  return fc.oneof({ weight: 3, arbitrary: oneOfValues(...valid) }, badStrings());
}

/** A value that `make` builds in the stack, labelled `label`. */
export function built(label: string, make: (stack: Stack) => unknown): fc.Arbitrary<FuzzValue> {
  return fc.constant(fuzzValue(label, make));
}

/** The retentions CloudWatch Logs accepts (logs.RetentionDays), 9999 being "never expire". */
export const ALLOWED_LOG_RETENTIONS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653, 9999];

/** What to fuzz: the props of one construct and how to build it. */
export interface FuzzSpec {
  /** The construct's name, as the bench report shows it. */
  readonly construct: string;
  /** For each prop that is fuzzed, the values to try (valid ones among them). */
  readonly props: { [prop: string]: fc.Arbitrary<FuzzValue> };
  /**
   * Builds the construct in `stack` with the baseline props overridden by
   * `fuzzed` (a prop present with `undefined` is removed).
   */
  build(stack: Stack, fuzzed: { [prop: string]: unknown }): void;
  /** Checks the construct's documented rules on a template it synthesized; throws when one is broken. */
  rules?(template: Template, fuzzed: { [prop: string]: unknown }): void;
  /**
   * Names an error may use for a prop, besides the prop itself (for
   * example a nested option). Keyed by prop.
   */
  readonly aliases?: { [prop: string]: string[] };
  /** At most this many props are replaced at once. @default 2 */
  readonly maxFuzzed?: number;
}

/** One case: the props replaced and their values. */
export type FuzzCase = Array<[string, FuzzValue]>;

/** The cases of `spec`: one to `maxFuzzed` of its props, each with a value from its arbitrary. */
export function fuzzProps(spec: FuzzSpec): fc.Arbitrary<FuzzCase> {
  const names = Object.keys(spec.props);
  return fc.uniqueArray(fc.constantFrom(...names), { minLength: 1, maxLength: Math.min(spec.maxFuzzed ?? 2, names.length) })
    .chain(chosen => fc.tuple(...chosen.map(name => spec.props[name].map(value => [name, value] as [string, FuzzValue]))));
}

/** The counts of one construct's fuzz. */
export interface FuzzCounts {
  readonly construct: string;
  cases: number;
  namedErrors: number;
  validTemplates: number;
}

const COUNTS = new Map<string, FuzzCounts>();

/** The counts so far, per construct, of this test file. */
export function fuzzCounts(): FuzzCounts[] {
  return [...COUNTS.values()];
}

/** Appends this file's counts to `FUZZ_REPORT`, one JSON line per construct; call it in `afterAll`. */
export function reportFuzzCounts(): void {
  const file = process.env.FUZZ_REPORT;
  if (!file) return;
  fs.appendFileSync(file, fuzzCounts().map(counts => JSON.stringify(counts)).join('\n') + '\n');
}

const VALIDATION_ERROR_NAME = 'LakehouseValidationError';

/**
 * Builds one case of `spec` in a fresh app and checks the outcome: a
 * `LakehouseValidationError` whose message names one of the replaced props
 * (or an alias of it), or a template that keeps the documented rules: no
 * `Snapshot` deletion policy, only CloudWatch Logs retentions that exist,
 * no token placeholder or non-finite number, and the spec's own rules.
 * Anything else (a TypeError, aws-cdk-lib's own error) fails with the case.
 *
 * @returns whether the case gave a valid template (false: a named error)
 */
export function expectNamedErrorOrValidTemplate(spec: FuzzSpec, fuzzCase: FuzzCase): boolean {
  const counts = COUNTS.get(spec.construct) ?? { construct: spec.construct, cases: 0, namedErrors: 0, validTemplates: 0 };
  COUNTS.set(spec.construct, counts);
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakehouse-fuzz-'));
  const describeCase = () => fuzzCase.map(([name, value]) => `${name}=${value.label}`).join(', ');
  try {
    const app = new App({ outdir });
    const stack = new Stack(app, 'Fuzz', { env: { account: '123456789012', region: 'eu-west-1' } });
    const fuzzed: { [prop: string]: unknown } = {};
    for (const [name, value] of fuzzCase) fuzzed[name] = value.make(stack);
    let template: Template;
    try {
      spec.build(stack, fuzzed);
      template = Template.fromStack(stack);
    } catch (error) {
      counts.cases++;
      const err = error as Error;
      if (!(err instanceof Error) || err.name !== VALIDATION_ERROR_NAME) {
        throw new Error(`${spec.construct} with ${describeCase()} threw ${err?.name ?? typeof err} instead of ${VALIDATION_ERROR_NAME}: ${err?.message ?? String(err)}`);
      }
      const names = fuzzCase.flatMap(([name]) => [name, ...(spec.aliases?.[name] ?? [])]);
      if (!names.some(name => err.message.includes(name))) {
        throw new Error(`${spec.construct} with ${describeCase()}: the validation error names none of ${names.join(', ')}: ${err.message}`);
      }
      counts.namedErrors++;
      return false;
    }
    counts.cases++;
    try {
      expectDocumentedRules(template);
      spec.rules?.(template, fuzzed);
    } catch (error) {
      throw new Error(`${spec.construct} with ${describeCase()} synthesized a template that breaks a rule: ${(error as Error).message}`);
    }
    counts.validTemplates++;
    return true;
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** Runs the fuzz property of `spec` with `fuzzRuns()` cases. */
export function assertFuzz(spec: FuzzSpec): void {
  fc.assert(fc.property(fuzzProps(spec), fuzzCase => {
    expectNamedErrorOrValidTemplate(spec, fuzzCase);
  }), { numRuns: fuzzRuns() });
}

/**
 * The rules every Lakehouse CDK template keeps: no `Snapshot`
 * deletion or replace policy (CloudFormation refuses it on these
 * resources), log retentions that CloudWatch Logs accepts, and no number
 * that is a token placeholder, NaN or infinite.
 */
export function expectDocumentedRules(template: Template): void {
  const json = template.toJSON();
  for (const [id, resource] of Object.entries<any>(json.Resources ?? {})) {
    for (const policy of ['DeletionPolicy', 'UpdateReplacePolicy']) {
      if (resource[policy] === 'Snapshot') throw new Error(`${id} has ${policy} Snapshot`);
    }
    const retention = resource.Properties?.RetentionInDays;
    if (resource.Type === 'AWS::Logs::LogGroup' && typeof retention === 'number' && !ALLOWED_LOG_RETENTIONS.includes(retention)) {
      throw new Error(`${id} has RetentionInDays ${retention}, which CloudWatch Logs refuses`);
    }
  }
  walk(json, '', (where, value) => {
    if (typeof value === 'number' && (!Number.isFinite(value) || Math.abs(value) > 1e200)) {
      throw new Error(`${where} is ${value}: a token placeholder or a non-finite number reached the template`);
    }
    if (typeof value === 'string' && /\$\{Token\[|-1\.888\d*e\+289/.test(value)) {
      throw new Error(`${where} holds an unresolved token placeholder: ${value.slice(0, 200)}`);
    }
  });
}

function walk(value: unknown, where: string, visit: (where: string, value: unknown) => void): void {
  visit(where, value);
  if (Array.isArray(value)) value.forEach((item, i) => walk(item, `${where}[${i}]`, visit));
  else if (value && typeof value === 'object') for (const [key, item] of Object.entries(value)) walk(item, `${where}.${key}`, visit);
}

function labelOf(value: unknown): string {
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
