import { Component, JsonFile, Project } from 'projen';
import { LakehouseLibrary } from './lakehouse-library';

/**
 * The aws-cdk-lib each language's consumer app installs. Together they span
 * the range the libraries declare: the floor (the npm floor app and Go) up to
 * the newest release of each registry that this project's CI reaches.
 */
export const CONSUMER_CDK_VERSIONS = {
  /** The newest aws-cdk-lib on npm when the consumer tests were written. */
  typescript: '2.276.0',
  /** The newest aws-cdk-lib on PyPI that CI reaches. */
  python: '2.275.0',
  /** The newest aws-cdk-lib that Maven Central serves to CI. */
  java: '2.263.0',
  /** aws-cdk-go at the floor, 2.258.0: the newest that the Go module proxy serves to CI with all its modules. */
  go: '2.258.0',
} as const;

export interface ConsumerTestOptions {
  /** The folder of the test, with its `run.sh` and the consumer's app. */
  readonly dir: string;
  /** The libraries it installs into the consumer app. */
  readonly layers: LakehouseLibrary[];
  /** The arguments of `run.sh`. @default the layers' names */
  readonly args?: string[];
  /**
   * Whether the app installs what `package` built (the npm tarballs, wheels,
   * jars or Go modules in each layer's dist/) rather than packing the layers itself.
   * @default false
   */
  readonly packaged?: boolean;
  /** A command whose output is part of the cache key: the toolchain that the test runs on. */
  readonly toolchain?: string;
}

/**
 * A consumer app outside the workspace that installs the packed libraries.
 * It is the nx target `test` of its own project (a `project.json`, not a
 * workspace member, so npm never installs its versions into the workspace):
 * it runs with every `nx run-many -t test`, after the libraries' builds (or
 * packages), and is cached until a library, the test, the toolchain or the
 * shared versions change.
 */
export class ConsumerTest extends Component {
  constructor(root: Project, options: ConsumerTestOptions) {
    super(root);
    const packageNames = options.layers.map(layer => layer.package.packageName);
    const args = options.args ?? options.layers.map(layer => layer.layer);
    new JsonFile(root, `${options.dir}/project.json`, {
      obj: {
        name: `consumer-${options.dir.split('/').pop()}`,
        $schema: `${'../'.repeat(options.dir.split('/').length)}node_modules/nx/schemas/project-schema.json`,
        root: options.dir,
        implicitDependencies: packageNames,
        targets: {
          test: {
            command: `bash ${options.dir}/run.sh ${args.join(' ')}`,
            dependsOn: [options.packaged ? '^package' : '^build'],
            inputs: [
              'default',
              '^production',
              // What package built: a new tarball, wheel, jar or module reruns the test.
              ...(options.packaged ? [{ dependentTasksOutputFiles: '**/*', transitive: true }] : []),
              ...(options.toolchain ? [{ runtime: options.toolchain }] : []),
            ],
            outputs: [],
            cache: true,
          },
        },
      },
      committed: true,
    });
  }
}
