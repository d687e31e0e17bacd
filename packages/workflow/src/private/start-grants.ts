import { NagAcknowledgements } from '@lakehouse-cdk/core';
import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * StartExecution on the state machine, DescribeExecution on its executions
 * (`executionsArn` ends with `:*`), and the acknowledgement of that wildcard
 * on the grantee's default policy.
 */
export function grantStartAndWatch(grantee: iam.IGrantable, stateMachineArn: string, executionsArn: string): iam.Grant {
  const grant = iam.Grant.addToPrincipal({ grantee, actions: ['states:StartExecution'], resourceArns: [stateMachineArn] })
    .combine(iam.Grant.addToPrincipal({ grantee, actions: ['states:DescribeExecution'], resourceArns: [executionsArn] }));
  // After the grant, which creates the default policy that holds the wildcard.
  NagAcknowledgements.grantWildcardResources(grantee, [{
    resource: executionsArn,
    reason: 'Execution ARNs are named at run time; the wildcard is limited to the executions of this one pipeline state machine.',
  }]);
  return grant;
}
