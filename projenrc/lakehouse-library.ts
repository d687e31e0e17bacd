import { awscdk, javascript, typescript } from 'projen';
import { TestingPackage } from './testing-package';
import { VERSIONS } from './versions';
import { joinWorkspace, memberOptions, replaceBuildTask } from './workspace';

export interface LakehouseLibraryOptions {
  /** The layer name: the folder under packages/, the npm name and the Python module. */
  readonly layer: string;
  /** One sentence for package.json and the registries. */
  readonly description: string;
  /** The package's own version; each layer is versioned on its own. @default '0.1.0' */
  readonly version?: string;
  /** Sibling libraries this one builds on (only core, by design). */
  readonly deps?: LakehouseLibrary[];
  /** The shared jest helpers. */
  readonly testing: TestingPackage;
  /** Extra devDependencies for this package's tests. */
  readonly devDeps?: string[];
  /** Minimum line coverage that jest enforces. @default 90 */
  readonly coverageThreshold?: number;
}

/**
 * One lakehouse layer as a jsii construct library: `@lakehouse-cdk/<layer>`
 * on npm, `lakehouse_cdk.<layer>` on PyPI.
 */
export class LakehouseLibrary extends awscdk.AwsCdkConstructLibrary {
  public readonly layer: string;

  constructor(root: typescript.TypeScriptProject, options: LakehouseLibraryOptions) {
    const version = options.version ?? '0.1.0';
    const coverage = options.coverageThreshold ?? 90;
    super({
      ...memberOptions(root),
      outdir: `packages/${options.layer}`,
      name: `@lakehouse-cdk/${options.layer}`,
      description: options.description,
      keywords: ['aws-cdk', 'cdk', 'lakehouse', 'data-lake', options.layer],
      stability: 'experimental',
      // Peer ranges start at the floor; projen pins each devDependency to the
      // floor itself, the one copy of the workspace, so jsii compiles against it.
      cdkVersion: VERSIONS.awsCdkLib,
      constructsVersion: VERSIONS.constructs,
      jsiiVersion: VERSIONS.jsii,
      docgen: true,
      peerDeps: (options.deps ?? []).map(dep => `${dep.package.packageName}@^${dep.version}`),
      devDeps: [
        `jsii-docgen@${VERSIONS.jsiiDocgen}`,
        `typescript@${VERSIONS.typescript}`,
        `cdk-nag@${VERSIONS.cdkNag}`,
        `fast-check@${VERSIONS.fastCheck}`,
        `${options.testing.package.packageName}@*`,
        ...(options.deps ?? []).map(dep => `${dep.package.packageName}@${dep.version}`),
        ...(options.devDeps ?? []),
      ],
      publishToPypi: {
        distName: `lakehouse-cdk.${options.layer}`,
        module: `lakehouse_cdk.${options.layer}`,
      },
      jestOptions: {
        passWithNoTests: false,
        updateSnapshot: javascript.UpdateSnapshot.NEVER,
        jestConfig: {
          coverageThreshold: { lines: coverage },
          // Babel instruments only the package's own source; V8 coverage slows every module, aws-cdk-lib included.
          coverageProvider: 'babel',
          coveragePathIgnorePatterns: ['/node_modules/', '/test/'],
        },
      },
      npmignoreEnabled: true,
    });
    this.layer = options.layer;
    this.package.addVersion(version);
    joinWorkspace(this);

    // nx owns the order: build = compile + API.md; test and package are separate, cached targets.
    replaceBuildTask(this, 'Compile with jsii and generate API.md', ['compile', 'post-compile']);
    // Outside CI projen packages every jsii target; the js target is enough for npm and the sandbox.
    this.packageTask.reset();
    this.packageTask.spawn(this.tasks.tryFind('package:js')!);
    this.npmignore?.exclude('/test/', '/coverage/', '/test-reports/', '*.test.*', '/tsconfig.dev.json', '/jest.config.json');
  }

  /** The package's own version. */
  public get version(): string {
    return (this.package as javascript.NodePackage).manifest.version as string;
  }
}
