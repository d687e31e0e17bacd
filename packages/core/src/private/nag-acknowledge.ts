import { Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Acknowledges the cdk-nag finding `id` on `scope`, on every aws-cdk-lib the
 * libraries support.
 *
 * cdk-nag 3 reads the acknowledgements that `Validations.acknowledge` records
 * as `aws:cdk:acknowledged-rules` metadata on the construct and its parents,
 * and it acknowledges a finding only by its exact id (an `annotation::` prefix
 * aside, which it strips). A rule that reports findings one by one, such as
 * `AwsSolutions-IAM5[Resource::…]` or `AwsSolutions-IAM4[Policy::…]`, is not
 * covered by its rule id or by any prefix, so the exact id is the narrowest
 * and the only acknowledgement there is.
 *
 * aws-cdk-lib 2.257 to 2.268 split an acknowledgement id at every `::` and
 * throw for more than one. The id of a resource or managed-policy finding
 * holds an ARN as cdk-nag writes it (`arn:<AWS::Partition>:s3:::<Lake>/raw/*`),
 * so it always has more. Such an id is recorded in the same metadata
 * directly, as `acknowledge` records it; every other id goes through
 * `acknowledge`. Both forms are what cdk-nag 3 matches on every version.
 */
export function acknowledgeNagFinding(scope: IConstruct, id: string, reason: string): void {
  if (acceptedByEveryAcknowledge(id)) {
    Validations.of(scope).acknowledge({ id, reason });
  } else {
    scope.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, { [id]: reason });
  }
}

/** The ids that `Validations.acknowledge` takes since 2.257: no `::`, or one after a non-empty prefix. */
export function acceptedByEveryAcknowledge(id: string): boolean {
  const parts = id.split('::');
  return parts.length === 1 || (parts.length === 2 && parts[0] !== '');
}
