import * as path from 'path';
import { awscdk, javascript, typescript } from 'projen';
import { TestingPackage } from './testing-package';
import { VERSIONS } from './versions';
import { joinWorkspace, memberOptions, replaceBuildTask } from './workspace';

/**
 * Where every layer is published. One GitHub organisation owns them all:
 * the npm scope, the Maven Central namespace that GitHub verification grants
 * it (`io.github.<org>`), the PyPI names and the Go repository that the
 * release workflow pushes the generated modules to.
 */
export const REGISTRY = {
  githubOrg: 'lakehouse-cdk',
  repositoryUrl: 'https://github.com/lakehouse-cdk/lakehouse-cdk',
  npmScope: '@lakehouse-cdk',
  mavenGroupId: 'io.github.lakehouse-cdk',
  /** Java packages can't hold a hyphen. */
  javaPackagePrefix: 'io.github.lakehousecdk',
  pypiPrefix: 'lakehouse-cdk',
  pythonModulePrefix: 'lakehouse_cdk',
  /** The jsii Go target publishes each layer under `<goRepository>/<layer>`. */
  goRepository: 'github.com/lakehouse-cdk/lakehouse-cdk-go',
} as const;

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
 * on npm, `lakehouse-cdk.<layer>` on PyPI, `io.github.lakehouse-cdk:lakehouse-cdk-<layer>`
 * on Maven Central and `github.com/lakehouse-cdk/lakehouse-cdk-go/<layer>` for Go.
 */
export class LakehouseLibrary extends awscdk.AwsCdkConstructLibrary {
  public readonly layer: string;

  constructor(root: typescript.TypeScriptProject, options: LakehouseLibraryOptions) {
    const version = options.version ?? '0.1.0';
    const coverage = options.coverageThreshold ?? 90;
    super({
      ...memberOptions(root),
      outdir: `packages/${options.layer}`,
      name: `${REGISTRY.npmScope}/${options.layer}`,
      description: options.description,
      // Construct Hub lists only packages with the keyword `awscdk`.
      keywords: ['awscdk', 'aws-cdk', 'cdk', 'lakehouse', 'data-lake', options.layer],
      homepage: `${REGISTRY.repositoryUrl}/tree/main/packages/${options.layer}#readme`,
      npmAccess: javascript.NpmAccess.PUBLIC,
      // Published JavaScript carries no inline source maps (and no copy of the sources).
      tsconfig: { compilerOptions: { inlineSourceMap: false, inlineSources: false } },
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
        distName: `${REGISTRY.pypiPrefix}.${options.layer}`,
        module: `${REGISTRY.pythonModulePrefix}.${options.layer}`,
      },
      publishToMaven: {
        mavenGroupId: REGISTRY.mavenGroupId,
        mavenArtifactId: `${REGISTRY.pypiPrefix}-${options.layer}`,
        javaPackage: `${REGISTRY.javaPackagePrefix}.${options.layer}`,
      },
      publishToGo: {
        moduleName: REGISTRY.goRepository,
        packageName: options.layer,
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
    this.package.addField('repository', {
      type: 'git',
      url: `${REGISTRY.repositoryUrl}.git`,
      directory: `packages/${options.layer}`,
    });
    this.package.addField('bugs', { url: `${REGISTRY.repositoryUrl}/issues` });
    joinWorkspace(this);

    // nx owns the order: build = compile + API.md; test and package are separate, cached targets.
    replaceBuildTask(this, 'Compile with jsii and generate API.md', ['compile', 'post-compile']);
    // package builds every target (npm, PyPI, Maven, Go) in one jsii-pacmak run, in CI
    // too. The npm tarball is packed from a copy whose manifest names no private
    // workspace package. The Java and Go bindings of a layer build against those of
    // the layers it depends on, so nx packages those first.
    this.packageTask.reset();
    // jsii-pacmak runs the pack command in a temporary copy of the package: the script's path is absolute.
    const packScript = path.posix.join(path.posix.relative(this.outdir, root.outdir), 'scripts/release/pack.js');
    const pacmak = `jsii-pacmak -v --pack-command "node $(pwd)/${packScript}"`;
    this.packageTask.exec(`${pacmak} --target js --target python --target java`);
    // The Go module is code only: a Go build resolves every module that aws-cdk-go
    // names, which the consumer test does with its own go.mod (test/consumers/go).
    this.packageTask.exec(`${pacmak} --target go --code-only`);
    this.package.addField('nx', {
      targets: {
        package: {
          dependsOn: ['build', '^package'],
          inputs: ['production', '^production', `{workspaceRoot}/scripts/release/pack.js`, { runtime: 'java -version 2>&1; mvn -v; go version; python3 --version' }],
        },
      },
    });
    this.npmignore?.exclude('/test/', '/coverage/', '/test-reports/', '*.test.*', '/tsconfig.dev.json', '/jest.config.json');
  }

  /** The package's own version. */
  public get version(): string {
    return (this.package as javascript.NodePackage).manifest.version as string;
  }
}
