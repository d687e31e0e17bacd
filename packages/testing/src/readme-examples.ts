import * as fs from 'fs';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import * as ts from 'typescript';
import { formatFindings, nagFindingsOfApp } from './index';

/** One fenced TypeScript block of a Markdown file. */
export interface ReadmeExample {
  /** The Markdown file. */
  readonly file: string;
  /** The line of the opening fence, 1-based. */
  readonly line: number;
  /** The code between the fences. */
  readonly code: string;
}

/** Where the examples of one package compile and run. */
export interface ExampleContext {
  /**
   * The package's folder. The examples compile as if they were files in it,
   * so that their imports resolve through the workspace's node_modules.
   */
  readonly packageDir: string;
  /** The package's own npm name, which the examples import from its `src/` instead of its build. */
  readonly packageName: string;
}

const FENCE = /^```(ts|typescript)\s*$/;

/**
 * The fenced ```ts and ```typescript blocks of a Markdown file, in order.
 * Each one is meant to stand on its own: imports, an app, its stacks.
 */
export function readmeExamples(file: string): ReadmeExample[] {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const examples: ReadmeExample[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!FENCE.test(lines[i])) continue;
    const end = lines.findIndex((text, j) => j > i && /^```\s*$/.test(text));
    if (end < 0) throw new Error(`${file}:${i + 1}: the code block never closes`);
    examples.push({ file, line: i + 1, code: lines.slice(i + 1, end).join('\n') + '\n' });
    i = end;
  }
  return examples;
}

/** The virtual file an example compiles as, beside the package's README. */
function exampleFileName(example: ReadmeExample, context: ExampleContext): string {
  return path.join(context.packageDir, `${path.basename(example.file)}.line-${example.line}.ts`);
}

/**
 * Type-checks every example, each as a module of its own, with the strict
 * options of the packages. Returns the diagnostics, one a line, as
 * `<file>:<line>: <message>` with the line in the Markdown file; an empty
 * list means every example compiles.
 */
export function exampleTypeErrors(examples: ReadmeExample[], context: ExampleContext): string[] {
  const options: ts.CompilerOptions = {
    strict: true,
    noImplicitAny: true,
    noImplicitReturns: true,
    noFallthroughCasesInSwitch: true,
    esModuleInterop: true,
    skipLibCheck: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    moduleDetection: ts.ModuleDetectionKind.Force,
    types: ['node'],
    baseUrl: context.packageDir,
    paths: { [context.packageName]: [path.join(context.packageDir, 'src', 'index.ts')] },
  };
  const sources = new Map(examples.map(example => [exampleFileName(example, context), example]));
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = fileName => sources.get(fileName)?.code ?? readFile(fileName);
  host.fileExists = fileName => sources.has(fileName) || fileExists(fileName);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const example = sources.get(fileName);
    return example ? ts.createSourceFile(fileName, example.code, languageVersion, true) : getSourceFile(fileName, languageVersion, onError, shouldCreate);
  };
  const program = ts.createProgram([...sources.keys()], options, host);
  return ts.getPreEmitDiagnostics(program)
    .filter(diagnostic => diagnostic.file === undefined || sources.has(diagnostic.file.fileName))
    .map(diagnostic => {
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
      if (!diagnostic.file || diagnostic.start === undefined) return message;
      const example = sources.get(diagnostic.file.fileName)!;
      const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
      return `${path.basename(example.file)}:${example.line + 1 + line}: ${message}`;
    });
}

/**
 * Runs an example and returns the apps it created, not yet synthesized.
 * `load` loads a module for the example (pass the test file's `require`, so
 * that the example shares the test's copy of aws-cdk-lib and the package);
 * `dirname` is the example's `__dirname`, for the assets it names.
 */
export function runExample(example: ReadmeExample, load: (id: string) => any, dirname: string): App[] {
  const apps: App[] = [];
  const cdk = load('aws-cdk-lib');
  // A subclass of aws-cdk-lib's App that the example gets in place of App, so the apps it creates can be synthesized here.
  class RecordedApp extends cdk.App {
    constructor(...args: any[]) {
      super(...args);
      apps.push(this as unknown as App);
    }
  }
  const recordingCdk = new Proxy(cdk, { get: (target, property) => property === 'App' ? RecordedApp : target[property] });
  const js = ts.transpileModule(example.code, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    fileName: `${path.basename(example.file)}.line-${example.line}.ts`,
  }).outputText;
  const module = { exports: {} as any };
  const exampleRequire = (id: string) => id === 'aws-cdk-lib' ? recordingCdk : load(id);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const run = new Function('require', 'module', 'exports', '__dirname', '__filename', js);
  run(exampleRequire, module, module.exports, dirname, path.join(dirname, path.basename(example.file)));
  return apps;
}

/** The examples of one README, for `testReadmeExamples`. */
export interface ReadmeExampleSuite extends ExampleContext {
  /** The Markdown file. */
  readonly readme: string;
  /**
   * Loads a module for the examples: pass
   * `id => id === packageName ? require('../src') : require(id)` from the
   * test file, so that the examples use the package's source and the test's
   * copy of aws-cdk-lib.
   */
  readonly load: (id: string) => any;
  /** The examples' `__dirname`, where the assets they name are. @default packageDir */
  readonly dirname?: string;
}

/**
 * Registers the jest tests of a README's TypeScript examples: there is at
 * least one; each compiles on its own (no undefined names, no hidden
 * preamble); and each creates an app that synthesizes with no unacknowledged
 * cdk-nag AwsSolutions finding.
 */
export function testReadmeExamples(suite: ReadmeExampleSuite): void {
  const examples = readmeExamples(suite.readme);
  describe(`${path.basename(path.dirname(suite.readme))}/${path.basename(suite.readme)} examples`, () => {
    test('there is at least one TypeScript example', () => {
      expect(examples.length).toBeGreaterThan(0);
    });

    test('every TypeScript example compiles on its own', () => {
      expect(exampleTypeErrors(examples, suite).join('\n')).toBe('');
    }, 180_000);

    test.each(examples.map(example => [example.line, example] as const))('the example at line %d synthesizes, cdk-nag clean', (_line, example) => {
      const apps = runExample(example, suite.load, suite.dirname ?? suite.packageDir);
      expect(apps.length).toBeGreaterThan(0);
      for (const app of apps) expect(formatFindings(nagFindingsOfApp(app))).toBe('');
    }, 120_000);
  });
}
