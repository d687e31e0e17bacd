import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';

/** Which requests of a service a role trusts. */
export interface ServiceTrustOptions {
  /**
   * The resource the service acts for, as an ARN or an `ArnLike` pattern,
   * for example the state machine that runs as the role
   * (`arn:aws:states:eu-west-1:111122223333:stateMachine:lakehouse-sandbox-pipeline`).
   */
  readonly sourceArn: string;
  /**
   * Test `aws:SourceAccount` and `aws:SourceArn` only when the service's
   * request holds them (`StringEqualsIfExists`, `ArnLikeIfExists`), for a
   * service that does not document sending them when it assumes a role: a
   * request from another account that holds them is still refused, and a
   * request without them is not locked out.
   * @default false - both keys are required
   */
  readonly onlyWhenSent?: boolean;
}

/**
 * Trust of a service principal limited to this account and one resource:
 * the `aws:SourceAccount` and `aws:SourceArn` conditions that keep another
 * account from making the service assume the role for its own resources
 * (the cross-service confused deputy).
 */
export class ServiceTrust {
  /**
   * `service` (for example `states.amazonaws.com`), trusted only for
   * `options.sourceArn` in the account of `scope`'s stack.
   */
  public static principal(scope: IConstruct, service: string, options: ServiceTrustOptions): iam.IPrincipal {
    return new iam.ServicePrincipal(service).withConditions(ServiceTrust.conditions(scope, options));
  }

  /** The conditions of `principal`, for a statement written by hand (a key or bucket policy). */
  public static conditions(scope: IConstruct, options: ServiceTrustOptions): { [operator: string]: any } {
    const suffix = options.onlyWhenSent ? 'IfExists' : '';
    return {
      [`StringEquals${suffix}`]: { 'aws:SourceAccount': Stack.of(scope).account },
      [`ArnLike${suffix}`]: { 'aws:SourceArn': options.sourceArn },
    };
  }

  private constructor() {}
}
