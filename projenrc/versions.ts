/**
 * The tool and library versions the whole workspace agrees on. Every package
 * and the sandbox app read them from here, so one edit moves the workspace.
 */
export const VERSIONS = {
  /**
   * The oldest aws-cdk-lib the libraries support: their peer floor, and the
   * one copy the whole workspace builds and tests against, so the floor is
   * what the libraries are proven on (and jsii sees the devDependency at the
   * peer's minimum). 2.258.0 is the first release that hands validation
   * plugins the construct tree (`appConstruct`), which the cdk-nag 3 plugin
   * needs; 2.257.0 has `Validations.acknowledge` but fails with cdk-nag. It
   * stays at or below 2.263.0, the newest aws-cdk-lib that Maven Central
   * serves to the Java consumers of the jsii bindings.
   */
  awsCdkLib: '2.258.0',
  /** The aws-cdk CLI used by the sandbox app. */
  awsCdkCli: '2.1148.1',
  /**
   * The oldest constructs the libraries support, and the workspace's copy:
   * aws-cdk-lib 2.258 needs ^10.5.0, and cdk-nag 3, which checks the
   * libraries' acknowledgements, needs ^10.5.1.
   */
  constructs: '10.5.1',
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
