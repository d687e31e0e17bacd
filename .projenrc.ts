import { CONSUMER_CDK_VERSIONS, ConsumerTest, LakehouseLibrary, LakehouseMonorepo, LayerReleases, SandboxApp, TestingPackage } from './projenrc';

const root = new LakehouseMonorepo();

// Test helpers shared by every package's jest suite (private, not published).
const testing = new TestingPackage(root);

// One line per lakehouse layer. Layers build on core only, never on each other.
const core = new LakehouseLibrary(root, { layer: 'core', testing, description: 'Shared vocabulary of Lakehouse CDK: naming, data layers, retention guard, cost tags and validation.' });
const storage = new LakehouseLibrary(root, { layer: 'storage', testing, deps: [core], description: 'The lakehouse data-lake and DAGs buckets: layer prefixes, KMS, lifecycle tiering and access logs.' });
const metadata = new LakehouseLibrary(root, { layer: 'metadata', testing, deps: [core], description: 'The lakehouse pipeline-runs table in DynamoDB.' });
const catalog = new LakehouseLibrary(root, { layer: 'catalog', testing, deps: [core], description: 'The lakehouse Glue catalog: database, one crawler per layer, crawler role and security configuration.' });
const analytics = new LakehouseLibrary(root, { layer: 'analytics', testing, deps: [core], description: 'The lakehouse Athena workgroup and named queries.' });
const workflow = new LakehouseLibrary(root, { layer: 'workflow', testing, deps: [core], devDeps: ['asl-validator@^4.0.0'], description: 'The lakehouse pipeline as a Step Functions state machine.' });
const orchestration = new LakehouseLibrary(root, { layer: 'orchestration', testing, deps: [core], description: 'The lakehouse orchestration: an MWAA environment that runs the pipeline DAG.' });

new SandboxApp(root, { layers: [core, storage, metadata, catalog, analytics, workflow, orchestration], testing });

// A fresh app outside the workspace installs the packed layers at the aws-cdk-lib and constructs floor they declare.
new ConsumerTest(root, { dir: 'test/consumers/floor', layers: [core, storage, metadata, catalog, analytics, workflow, orchestration] });
// New apps in each jsii language install what `package` built for the registries: tarballs, wheels, jars, Go modules.
new ConsumerTest(root, { dir: 'test/consumers/typescript', layers: [core, storage], packaged: true, args: [CONSUMER_CDK_VERSIONS.typescript], toolchain: 'node --version' });
new ConsumerTest(root, { dir: 'test/consumers/python', layers: [core, storage], packaged: true, args: [CONSUMER_CDK_VERSIONS.python], toolchain: 'python3 --version' });
new ConsumerTest(root, { dir: 'test/consumers/java', layers: [core, storage, catalog], packaged: true, args: [CONSUMER_CDK_VERSIONS.java], toolchain: 'java -version 2>&1 && mvn -v' });
new ConsumerTest(root, { dir: 'test/consumers/go', layers: [core, storage], packaged: true, args: [CONSUMER_CDK_VERSIONS.go], toolchain: 'go version' });

// Each layer is released on its own version, tag and changelog, to npm, PyPI, Maven Central and Go.
new LayerReleases(root, { layers: [core, storage, metadata, catalog, analytics, workflow, orchestration] });

root.synth();
