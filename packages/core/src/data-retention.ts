import { Annotations, RemovalPolicy } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { Validate } from './validation';

/**
 * The guard that keeps lakehouse data when a stack is deleted.
 *
 * A construct that holds data (a bucket, a table, a key) asks the guard for
 * its removal policy. RETAIN is the default. A requested DESTROY takes effect
 * only when the app also sets the context `@lakehouse-cdk/core:removeDataOnDestroy`
 * to true; otherwise the guard keeps the data and says so in a warning.
 */
export class DataRetention {
  /** The context key that lets a requested DESTROY take effect. */
  public static readonly REMOVE_DATA_ON_DESTROY = '@lakehouse-cdk/core:removeDataOnDestroy';

  /** Whether the app allows data to be destroyed with its stack. */
  public static destroyAllowed(scope: IConstruct): boolean {
    const value = scope.node.tryGetContext(DataRetention.REMOVE_DATA_ON_DESTROY);
    // CLI context (-c key=true) arrives as a string.
    return value === true || value === 'true';
  }

  /**
   * The removal policy to use for the data that `scope` holds.
   *
   * @param scope the construct that holds the data; the warning is attached to it
   * @param requested what the caller asked for: RETAIN, RETAIN_ON_UPDATE_OR_DELETE
   * or DESTROY. SNAPSHOT is refused with a validation error naming `removalPolicy`,
   * because CloudFormation can't snapshot buckets, keys, tables, workgroups or log groups.
   * @default RemovalPolicy.RETAIN when nothing was requested
   */
  public static removalPolicy(scope: IConstruct, requested?: RemovalPolicy): RemovalPolicy {
    const policy = requested ?? RemovalPolicy.RETAIN;
    Validate.dataRemovalPolicy('removalPolicy', policy, scope);
    if (policy !== RemovalPolicy.DESTROY || DataRetention.destroyAllowed(scope)) {
      return policy;
    }
    Annotations.of(scope).addWarningV2('@lakehouse-cdk/core:dataRetained',
      `removalPolicy DESTROY was requested but the data is kept (RETAIN): set the context ${DataRetention.REMOVE_DATA_ON_DESTROY}=true to allow it`);
    return RemovalPolicy.RETAIN;
  }

  private constructor() {}
}
