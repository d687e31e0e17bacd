import { App, CfnWaitConditionHandle, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { DataRetention } from '../src';

const stackWith = (context: Record<string, unknown> = {}) => {
  const stack = new Stack(new App({ context }), 'Data');
  // CloudFormation rejects a template without resources.
  new CfnWaitConditionHandle(stack, 'Placeholder');
  return stack;
};

describe('DataRetention', () => {
  test('keeps data by default', () => {
    expect(DataRetention.removalPolicy(stackWith())).toBe(RemovalPolicy.RETAIN);
  });

  test('turns a requested DESTROY into RETAIN with a warning when the app does not allow it', () => {
    const stack = stackWith();
    expect(DataRetention.removalPolicy(stack, RemovalPolicy.DESTROY)).toBe(RemovalPolicy.RETAIN);
    Annotations.fromStack(stack).hasWarning('/Data', Match.stringLikeRegexp('removalPolicy DESTROY was requested but the data is kept.*@lakehouse-cdk/core:removeDataOnDestroy'));
  });

  test.each([true, 'true'])('honours DESTROY when the context flag is %p', flag => {
    const stack = stackWith({ [DataRetention.REMOVE_DATA_ON_DESTROY]: flag });
    expect(DataRetention.destroyAllowed(stack)).toBe(true);
    expect(DataRetention.removalPolicy(stack, RemovalPolicy.DESTROY)).toBe(RemovalPolicy.DESTROY);
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });

  test.each([false, 'false', 'yes', 1])('does not treat %p as permission', flag => {
    const stack = stackWith({ [DataRetention.REMOVE_DATA_ON_DESTROY]: flag });
    expect(DataRetention.destroyAllowed(stack)).toBe(false);
    expect(DataRetention.removalPolicy(stack, RemovalPolicy.DESTROY)).toBe(RemovalPolicy.RETAIN);
  });

  test('refuses SNAPSHOT, which CloudFormation refuses on buckets, keys, tables, workgroups and log groups', () => {
    const stack = stackWith();
    expect(() => DataRetention.removalPolicy(stack, RemovalPolicy.SNAPSHOT))
      .toThrow(/removalPolicy must be one of retain, retain-on-update-or-delete, destroy \(CloudFormation can't snapshot .*\); got "snapshot"/);
    expect(() => DataRetention.removalPolicy(stack, 'delete' as RemovalPolicy)).toThrow(/removalPolicy must be one of/);
  });

  test('passes through the other policies without a warning', () => {
    const stack = stackWith();
    expect(DataRetention.removalPolicy(stack, RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE)).toBe(RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE);
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });
});
