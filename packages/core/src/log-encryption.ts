import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';

/** The key actions CloudWatch Logs needs to encrypt and read a log group. */
const LOGS_KEY_ACTIONS = [
  'kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo',
  'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:DescribeKey',
];

/**
 * The rule that a KMS key which encrypts a log group lets CloudWatch Logs
 * use it. CloudWatch Logs encrypts with the key itself, not with the
 * writer's credentials, so the key policy must allow the regional logs
 * principal; the encryption-context condition limits that to one log group.
 */
export class LogEncryption {
  /**
   * Adds the statement for `logGroupName` to the policy of `key`. Does
   * nothing for an imported key, whose policy this app cannot change: its
   * owner must allow the log group.
   *
   * @param key the key of the log group
   * @param logGroupName the log group's name
   * @param sid the statement id, unique in the key policy
   * @returns whether the statement was added
   */
  public static allowLogGroup(key: kms.IKey, logGroupName: string, sid: string): boolean {
    const stack = Stack.of(key);
    return key.addToResourcePolicy(new iam.PolicyStatement({
      sid,
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: LOGS_KEY_ACTIONS,
      // In a key policy, "*" is the key itself.
      resources: ['*'],
      conditions: {
        ArnEquals: {
          'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
            service: 'logs', resource: 'log-group', resourceName: logGroupName, arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        },
      },
    })).statementAdded;
  }

  private constructor() {}
}
