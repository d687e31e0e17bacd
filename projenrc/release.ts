import { Component, github, JsonFile, typescript } from 'projen';
import { LakehouseLibrary, REGISTRY } from './lakehouse-library';

export interface LayerReleasesOptions {
  /** The libraries that are released, each on its own version. */
  readonly layers: LakehouseLibrary[];
}

/** publib, the publishing tool the projen ecosystem uses, pinned so a release is repeatable. */
const PUBLIB = 'publib@0.2.1061';

/** The registry secrets each publish job reads. */
const PUBLISH_JOBS: { target: string; name: string; tool: Record<string, unknown>; command: string; env: Record<string, string> }[] = [
  {
    target: 'js',
    name: 'npm',
    tool: {},
    command: `for dir in dist/release/js/*/; do npx -p ${PUBLIB} publib-npm "$dir"; done`,
    env: { NPM_TOKEN: '${{ secrets.NPM_TOKEN }}', NPM_ACCESS_LEVEL: 'public' },
  },
  {
    target: 'python',
    name: 'PyPI',
    tool: { uses: 'actions/setup-python@v5', with: { 'python-version': '3.11' } },
    command: `for dir in dist/release/python/*/; do npx -p ${PUBLIB} publib-pypi "$dir"; done`,
    env: { TWINE_USERNAME: '__token__', TWINE_PASSWORD: '${{ secrets.PYPI_TOKEN }}' },
  },
  {
    target: 'java',
    name: 'Maven Central',
    tool: { uses: 'actions/setup-java@v4', with: { 'distribution': 'temurin', 'java-version': '17' } },
    command: `for dir in dist/release/java/*/; do npx -p ${PUBLIB} publib-maven "$dir"; done`,
    env: {
      MAVEN_SERVER_ID: 'central-ossrh',
      MAVEN_USERNAME: '${{ secrets.MAVEN_USERNAME }}',
      MAVEN_PASSWORD: '${{ secrets.MAVEN_PASSWORD }}',
      MAVEN_GPG_PRIVATE_KEY: '${{ secrets.MAVEN_GPG_PRIVATE_KEY }}',
      MAVEN_GPG_PRIVATE_KEY_PASSPHRASE: '${{ secrets.MAVEN_GPG_PRIVATE_KEY_PASSPHRASE }}',
    },
  },
  {
    target: 'go',
    name: 'the Go module repository',
    tool: { uses: 'actions/setup-go@v5', with: { 'go-version': '^1.22.0' } },
    command: `npx -p ${PUBLIB} publib-golang dist/release/go`,
    env: {
      GITHUB_TOKEN: '${{ secrets.GO_GITHUB_TOKEN }}',
      GITHUB_REPO: REGISTRY.goRepository.replace(/^github\.com\//, ''),
      GIT_BRANCH: 'main',
      GIT_USER_NAME: 'github-actions',
      GIT_USER_EMAIL: 'github-actions@github.com',
    },
  },
];

/**
 * Independent releases of the layers: `npx projen release` versions each layer
 * from its own Conventional Commits and its dependencies' releases, writes its
 * CHANGELOG.md, builds every target, checks the API with jsii-diff and tags
 * `<layer>@v<version>`; `npx projen release:dry-run` does the same in a
 * temporary clone. A GitHub workflow runs the release on main and publishes
 * to npm, PyPI, Maven Central and Go. The release script's own tests are an
 * nx project, so they run with every `nx run-many -t test`.
 */
export class LayerReleases extends Component {
  constructor(root: typescript.TypeScriptProject, options: LayerReleasesOptions) {
    super(root);
    root.addTask('release', {
      description: 'Version, changelog, build, API-check and tag the layers changed since their last release (the workflow publishes)',
      exec: 'node scripts/release/release.js',
      receiveArgs: true,
    });
    root.addTask('release:dry-run', {
      description: 'The release in a temporary clone: builds, versions and writes changelogs, publishes nothing, leaves this tree as it was',
      exec: 'node scripts/release/release.js --dry-run',
      receiveArgs: true,
    });

    new JsonFile(root, 'scripts/release/project.json', {
      obj: {
        name: 'release-scripts',
        $schema: '../../node_modules/nx/schemas/project-schema.json',
        root: 'scripts/release',
        // The jsii-diff test compares core's built assembly with an edited copy.
        implicitDependencies: [options.layers[0].package.packageName],
        targets: {
          test: {
            command: 'node --test scripts/release/test/',
            dependsOn: ['^build'],
            inputs: ['default', '^production'],
            outputs: [],
            cache: true,
          },
        },
      },
      committed: true,
    });

    this.addWorkflow(root);
  }

  private addWorkflow(root: typescript.TypeScriptProject): void {
    const workflow = root.github!.addWorkflow('release');
    workflow.on({ push: { branches: ['main'] }, workflowDispatch: {} });
    // Two releases at once would compute the same versions.
    workflow.file?.addOverride('concurrency', { 'group': 'release', 'cancel-in-progress': false });
    const node = { name: 'Setup Node.js', uses: 'actions/setup-node@v4', with: { 'node-version': '22' } };
    workflow.addJobs({
      release: {
        name: 'Version, build and tag the changed layers',
        runsOn: ['ubuntu-latest'],
        permissions: { contents: github.workflows.JobPermission.WRITE },
        outputs: { released: { stepId: 'release', outputName: 'released' } },
        steps: [
          { name: 'Checkout', uses: 'actions/checkout@v4', with: { 'fetch-depth': 0 } },
          { ...node, with: { ...node.with, cache: 'npm' } },
          { name: 'Setup Python', uses: 'actions/setup-python@v5', with: { 'python-version': '3.11' } },
          { name: 'Setup Java', uses: 'actions/setup-java@v4', with: { 'distribution': 'temurin', 'java-version': '17' } },
          { name: 'Setup Go', uses: 'actions/setup-go@v5', with: { 'go-version': '^1.22.0' } },
          { name: 'Install', run: 'npm ci' },
          { name: 'Git identity', run: 'git config user.name github-actions && git config user.email github-actions@github.com' },
          {
            id: 'release',
            name: 'Release',
            run: [
              'npx projen release',
              'if [ -f dist/release/releases.json ]; then echo "released=true" >> "$GITHUB_OUTPUT"; else echo "released=false" >> "$GITHUB_OUTPUT"; fi',
            ].join('\n'),
          },
          {
            name: 'Push the changelogs and tags',
            if: "steps.release.outputs.released == 'true'",
            run: 'git push --follow-tags origin HEAD:main',
          },
          {
            name: 'Keep the packages for the publish jobs',
            if: "steps.release.outputs.released == 'true'",
            uses: 'actions/upload-artifact@v4',
            with: { name: 'release', path: 'dist/release' },
          },
        ],
      },
    });
    for (const job of PUBLISH_JOBS) {
      workflow.addJobs({
        [`publish-${job.target}`]: {
          name: `Publish to ${job.name}`,
          needs: ['release'],
          if: "needs.release.outputs.released == 'true'",
          runsOn: ['ubuntu-latest'],
          permissions: { contents: github.workflows.JobPermission.READ },
          steps: [
            // No checkout here: only the packages of the release job are published.
            node,
            ...(job.tool.uses ? [{ name: `Setup ${job.target}`, ...job.tool }] : []),
            { name: 'Download the packages', uses: 'actions/download-artifact@v4', with: { name: 'release', path: 'dist/release' } },
            { name: `Publish to ${job.name}`, run: job.command, env: job.env },
          ],
        },
      });
    }
  }
}
