import { NagAcknowledgements } from '@lakehouse-cdk/core';
import { Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/** The construct id aws-cdk-lib gives the stack-wide provider behind `autoDeleteObjects`. */
const AUTO_DELETE_PROVIDER_ID = 'Custom::S3AutoDeleteObjectsCustomResourceProvider';

/**
 * Acknowledges the cdk-nag findings of the Lambda function that aws-cdk-lib
 * adds to empty a bucket before CloudFormation deletes it. It exists only
 * when DESTROY is in effect, and aws-cdk-lib owns its code and role.
 */
export function acknowledgeAutoDeleteProvider(scope: Construct): void {
  const provider = Stack.of(scope).node.tryFindChild(AUTO_DELETE_PROVIDER_ID);
  if (!provider) return;
  NagAcknowledgements.acknowledge(
    provider,
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'The auto-delete-objects provider (aws-cdk-lib, present only when removalPolicy DESTROY is in effect) writes its own CloudWatch logs through the AWS managed basic execution policy; its role is not configurable.',
    },
    {
      id: 'AwsSolutions-L1',
      reason: 'The auto-delete-objects provider runtime is pinned by aws-cdk-lib and is upgraded with it; it runs only when a DESTROY-enabled stack is deleted.',
    },
  );
}
