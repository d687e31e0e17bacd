import { LogEncryption, NagAcknowledgements, ServiceTrust, WildcardResource } from '@lakehouse-cdk/core';
import { ArnFormat, Duration, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/** The vended-logs prefix keeps log delivery out of the 5,120-character CloudWatch Logs resource policy. */
export const LOG_GROUP_PREFIX = '/aws/vendedlogs/states/';

/** Step Functions' longest state machine name. */
const MAX_STATE_MACHINE_NAME = 80;

/** The actions of the log-delivery and X-Ray statements that Step Functions needs on `*`. */
const LOGS_AND_XRAY_ACTIONS = new Set([
  'logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries', 'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups',
  'xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets',
]);

export interface LoggedStateMachineProps {
  /** The state machine's name; without one, a name unique to its construct path. */
  readonly stateMachineName?: string;
  /** The log group's construct id, beside the state machine. */
  readonly logGroupId: string;
  /** The log group's name, under LOG_GROUP_PREFIX. */
  readonly logGroupName: string;
  readonly logKey: kms.IKey;
  /** The key policy statement id that lets CloudWatch Logs use the key for this log group. */
  readonly logKeySid: string;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  readonly type: sfn.StateMachineType;
  readonly comment: string;
  readonly definition: sfn.IChainable;
  readonly timeout: Duration;
  /** Wildcard resources of the role's statements, each with why. */
  readonly wildcardResources: WildcardResource[];
}

/**
 * A state machine that logs ALL (with execution data) to a KMS-encrypted log
 * group and traces with X-Ray, whose role may allow `Resource: "*"` only for
 * Step Functions log delivery and X-Ray: a validation refuses to synthesize
 * any other `*` statement, because the one acknowledgement of that cdk-nag
 * finding would hide it.
 *
 * Step Functions may assume the role only for this state machine
 * (`aws:SourceArn`) of this account (`aws:SourceAccount`). The state
 * machine's ARN is built from its name, so the role needs no reference to
 * the state machine (which refers to the role); a state machine without a
 * given name therefore gets one unique to its construct path instead of a
 * name CloudFormation makes up after the role exists.
 */
export function loggedStateMachine(scope: Construct, id: string, props: LoggedStateMachineProps): { stateMachine: sfn.StateMachine; logGroup: logs.LogGroup } {
  LogEncryption.allowLogGroup(props.logKey, props.logGroupName, props.logKeySid);
  const stateMachineName = props.stateMachineName
    ?? `${Names.uniqueResourceName(scope, { maxLength: MAX_STATE_MACHINE_NAME - id.length - 1, separator: '-' })}-${id}`;
  const role = new iam.Role(scope, `${id}Role`, {
    assumedBy: ServiceTrust.principal(scope, 'states.amazonaws.com', {
      sourceArn: Stack.of(scope).formatArn({ service: 'states', resource: 'stateMachine', resourceName: stateMachineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
    }),
  });
  const logGroup = new logs.LogGroup(scope, props.logGroupId, {
    logGroupName: props.logGroupName,
    retention: props.logRetention,
    encryptionKey: props.logKey,
    removalPolicy: props.removalPolicy,
  });
  const stateMachine = new sfn.StateMachine(scope, id, {
    stateMachineName,
    role,
    stateMachineType: props.type,
    queryLanguage: sfn.QueryLanguage.JSON_PATH,
    comment: props.comment,
    definitionBody: sfn.DefinitionBody.fromChainable(props.definition),
    timeout: props.timeout,
    tracingEnabled: true,
    logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
  });

  const policy = NagAcknowledgements.defaultPolicyOf(stateMachine);
  if (policy) {
    NagAcknowledgements.wildcardResources(policy, [
      {
        resource: '*',
        reason: 'Step Functions log delivery (logs:*LogDelivery, DescribeLogGroups, resource policies) and X-Ray trace writes do not support resource-level permissions; AWS documents Resource "*" for them',
      },
      ...props.wildcardResources,
    ]);
    policy.node.addValidation({
      validate: () => {
        const statements: any[] = Stack.of(policy).resolve(policy.document)?.Statement ?? [];
        return statements
          .filter(statement => statement.Effect === 'Allow' && [statement.Resource ?? []].flat().includes('*'))
          .map(statement => [statement.Action ?? []].flat() as string[])
          .filter(actions => !actions.every(action => LOGS_AND_XRAY_ACTIONS.has(action)))
          .map(actions => `the role of ${stateMachine.node.path} allows ${actions.join(', ')} on Resource "*"; only the Step Functions log-delivery and X-Ray actions may have Resource "*" (its cdk-nag finding is acknowledged for them alone), so scope the statement to the resources it uses`);
      },
    });
  }
  return { stateMachine, logGroup };
}
