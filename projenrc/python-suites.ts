import * as fs from 'fs';
import * as path from 'path';
import { JsonFile, Project } from 'projen';

/** The nx target of every Python suite; `npx projen test` and `affected` run it next to `build` and `test`. */
export const PYTEST_TARGET = 'pytest';

/** The file that lists the Python test tools; `scripts/venv.sh` installs it and what it includes. */
const REQUIREMENTS = 'requirements-dev.txt';

/** A Python input of an nx target: a workspace file glob, another project's named input, or a build output. */
export type NxInput = string | { fileset: string } | { input: string; projects: string[] } | { dependentTasksOutputFiles: string; transitive?: boolean } | { runtime: string };

export interface PythonFolderOptions {
  /** The nx project name. */
  readonly name: string;
  /** The folder the project owns: a change there makes it, and what depends on it, affected. */
  readonly root: string;
  /** Projects whose files or build outputs this one reads. */
  readonly dependsOn?: string[];
  /** pytest paths, relative to the repository root; no pytest target without them. */
  readonly tests?: string[];
  /** Inputs of the pytest target besides the folder itself and the test tools. */
  readonly inputs?: NxInput[];
  /**
   * Further virtualenvs (made by `scripts/venv.sh`) that run the same tests, each after the
   * main `.venv`: the DAG runs on every Airflow version it supports.
   */
  readonly extraVenvs?: string[];
}

/**
 * A folder of Python code or tests as an nx project (`<root>/project.json`),
 * so that `nx affected` follows a change into it and nx caches its pytest run.
 */
export class PythonFolder {
  constructor(root: Project, options: PythonFolderOptions) {
    const targets: Record<string, unknown> = {};
    if (options.tests) {
      targets[PYTEST_TARGET] = pytestTarget(options.tests, options.inputs ?? [], true, options.extraVenvs ?? []);
    }
    const relativeRoot = path.relative(options.root, '.');
    new JsonFile(root, path.join(options.root, 'project.json'), {
      obj: {
        $schema: path.join(relativeRoot, 'node_modules/nx/schemas/project-schema.json'),
        name: options.name,
        projectType: 'library',
        implicitDependencies: options.dependsOn,
        targets,
      },
      committed: true,
    });
  }
}

/**
 * The pytest target of a suite: it runs through `scripts/pytest.sh` with the
 * virtualenv's Python, and is cached on its folder, the projects it reads,
 * the requirement files the virtualenv was made from and the pytest setup.
 */
export function pytestTarget(tests: string[], inputs: NxInput[], wholeProject = true, extraVenvs: string[] = []): Record<string, unknown> {
  const run = `bash scripts/pytest.sh ${tests.join(' ')}`;
  return {
    command: [run, ...extraVenvs.map(venv => `VENV=${venv} ${run}`)].join(' && '),
    inputs: [
      ...(wholeProject ? ['default'] : []), 'pythonTests', ...inputs,
      ...extraVenvs.map(venv => ({ runtime: `cat "${venv}/.requirements.sha256" 2>/dev/null || echo no virtualenv` })),
    ],
    // Some suites read the synthesized sandbox; the build of what they depend on comes first.
    dependsOn: ['^build'],
    outputs: [],
    cache: true,
  };
}

/**
 * The files every pytest run depends on: the pytest setup, the shared test
 * support, the runner script, and the requirement files the virtualenv is
 * made from (requirements-dev.txt and the files it includes, followed as
 * pip and scripts/venv.sh follow them).
 */
export function pythonTestInputs(): NxInput[] {
  return [
    '{workspaceRoot}/pytest.ini',
    '{workspaceRoot}/conftest.py',
    '{workspaceRoot}/scripts/pytest.sh',
    ...requirementFiles(REQUIREMENTS).map(file => `{workspaceRoot}/${file}`),
    // The virtualenv's stamp: its Python version and the requirements it was installed from.
    { runtime: 'cat "${VENV:-.venv}/.requirements.sha256" 2>/dev/null || echo no virtualenv' },
  ];
}

/** `file` and every file it includes with `-r`, relative to the repository root. */
export function requirementFiles(file: string, seen: string[] = []): string[] {
  if (seen.includes(file)) return seen;
  seen.push(file);
  for (const line of fs.readFileSync(file, 'utf8').split(/\r?\n/)) {
    const included = /^-r\s+(\S+)/.exec(line.trim());
    if (included) requirementFiles(path.join(path.dirname(file), included[1]), seen);
  }
  return seen;
}
