import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ServiceTrust } from '../src';

const trustOf = (build: (stack: Stack) => iam.IPrincipal) => {
  const stack = new Stack(undefined, 'S', { env: { account: '111122223333', region: 'eu-west-1' } });
  new iam.Role(stack, 'Role', { assumedBy: build(stack) });
  const [role] = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Role')) as any[];
  return role.Properties.AssumeRolePolicyDocument.Statement;
};

describe('ServiceTrust', () => {
  test('the service may assume the role only for the given resource of this account', () => {
    const statements = trustOf(stack => ServiceTrust.principal(stack, 'states.amazonaws.com', {
      sourceArn: 'arn:aws:states:eu-west-1:111122223333:stateMachine:pipeline',
    }));
    expect(statements).toEqual([{
      Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'states.amazonaws.com' },
      Condition: {
        StringEquals: { 'aws:SourceAccount': '111122223333' },
        ArnLike: { 'aws:SourceArn': 'arn:aws:states:eu-west-1:111122223333:stateMachine:pipeline' },
      },
    }]);
  });

  test('onlyWhenSent tests the keys only when the request holds them', () => {
    const [statement] = trustOf(stack => ServiceTrust.principal(stack, 'glue.amazonaws.com', { sourceArn: 'arn:aws:glue:eu-west-1:111122223333:*', onlyWhenSent: true }));
    expect(statement.Condition).toEqual({
      StringEqualsIfExists: { 'aws:SourceAccount': '111122223333' },
      ArnLikeIfExists: { 'aws:SourceArn': 'arn:aws:glue:eu-west-1:111122223333:*' },
    });
  });

  test('two services of one role each get the conditions', () => {
    const statements = trustOf(stack => new iam.CompositePrincipal(
      ServiceTrust.principal(stack, 'airflow.amazonaws.com', { sourceArn: 'arn:aws:airflow:eu-west-1:111122223333:environment/a' }),
      ServiceTrust.principal(stack, 'airflow-env.amazonaws.com', { sourceArn: 'arn:aws:airflow:eu-west-1:111122223333:environment/a' }),
    ));
    expect(statements.map((s: any) => [s.Principal.Service, s.Condition.StringEquals['aws:SourceAccount']])).toEqual([
      ['airflow.amazonaws.com', '111122223333'], ['airflow-env.amazonaws.com', '111122223333'],
    ]);
  });
});
