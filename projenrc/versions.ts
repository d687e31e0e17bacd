/**
 * The tool and library versions the whole workspace agrees on. Every package
 * and the sandbox app read them from here, so one edit moves the workspace.
 */
export const VERSIONS = {
  /** The one aws-cdk-lib copy in the workspace (devDependency of libraries, dependency of the app). */
  awsCdkLib: '2.276.0',
  /**
   * The peer floor the libraries declare: the oldest aws-cdk-lib with
   * `Validations.of(...).acknowledge`, which every layer uses for its cdk-nag
   * acknowledgements (cdk-nag 3 declares the same floor).
   */
  awsCdkLibPeerFloor: '2.257.0',
  /** The aws-cdk CLI used by the sandbox app. */
  awsCdkCli: '2.1148.1',
  constructs: '10.8.1',
  /** jsii 5.9 bundles TypeScript 5.9; jsii-docgen 10.11.15+ can't find hoisted workspace dependencies. */
  jsii: '~5.9.0',
  jsiiDocgen: '10.11.14',
  /** TypeScript 7 breaks ts-node and ts-jest. */
  typescript: '~5.9.3',
  cdkNag: '3.0.2',
  fastCheck: '^4.10.2',
  nx: '24.0.6',
  /** The oldest Node.js the packages support. */
  minNode: '20.0.0',
} as const;
