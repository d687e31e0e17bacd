import { Component, JsonFile, Project } from 'projen';
import { LakehouseLibrary } from './lakehouse-library';

export interface ConsumerTestOptions {
  /** The folder of the test, with its `run.sh` and the consumer's `app.js`. */
  readonly dir: string;
  /** The libraries it packs and installs into the consumer app. */
  readonly layers: LakehouseLibrary[];
}

/**
 * A consumer app outside the workspace that installs the packed libraries
 * with aws-cdk-lib and constructs at the floor they declare. It is the nx
 * target `test` of its own project (a `project.json`, not a workspace
 * member, so npm never installs its versions into the workspace): it runs
 * with every `nx run-many -t test`, after the libraries' builds, and is
 * cached until a library, the test or the shared versions change.
 */
export class ConsumerTest extends Component {
  constructor(root: Project, options: ConsumerTestOptions) {
    super(root);
    const packageNames = options.layers.map(layer => layer.package.packageName);
    new JsonFile(root, `${options.dir}/project.json`, {
      obj: {
        name: `consumer-${options.dir.split('/').pop()}`,
        $schema: `${'../'.repeat(options.dir.split('/').length)}node_modules/nx/schemas/project-schema.json`,
        root: options.dir,
        implicitDependencies: packageNames,
        targets: {
          test: {
            command: `bash ${options.dir}/run.sh ${options.layers.map(layer => layer.layer).join(' ')}`,
            dependsOn: ['^build'],
            inputs: ['default', '^production'],
            outputs: [],
            cache: true,
          },
        },
      },
      committed: true,
    });
  }
}
