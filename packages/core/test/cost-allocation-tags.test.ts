import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CostAllocationTags } from '../src';

const tagsOf = (template: Template, type: string): Record<string, string>[] =>
  Object.values(template.findResources(type)).map((resource: any) =>
    Object.fromEntries((resource.Properties.Tags ?? []).map((tag: any) => [tag.Key, tag.Value])));

describe('CostAllocationTags', () => {
  test('tags every taggable resource under the scope with Project, Environment, Layer and ManagedBy', () => {
    const stack = new Stack(new App(), 'Tagged');
    new s3.Bucket(stack, 'Bucket');
    new sqs.Queue(stack, 'Queue');
    CostAllocationTags.apply(stack, { project: 'lakehouse', environment: 'sandbox', layer: 'storage' });
    const template = Template.fromStack(stack);
    for (const type of ['AWS::S3::Bucket', 'AWS::SQS::Queue']) {
      expect(tagsOf(template, type)).toEqual([{ Project: 'lakehouse', Environment: 'sandbox', Layer: 'storage', ManagedBy: 'lakehouse-cdk' }]);
    }
  });

  test('ManagedBy can be overridden and Layer omitted', () => {
    const stack = new Stack(new App(), 'Tagged');
    new s3.Bucket(stack, 'Bucket');
    CostAllocationTags.apply(stack, { project: 'p', environment: 'e', managedBy: 'platform-team' });
    expect(tagsOf(Template.fromStack(stack), 'AWS::S3::Bucket')).toEqual([{ Project: 'p', Environment: 'e', ManagedBy: 'platform-team' }]);
  });

  test('tagLayer tags the scope and below, never its parent or siblings', () => {
    const stack = new Stack(new App(), 'Tagged');
    const storage = new Construct(stack, 'Storage');
    new s3.Bucket(storage, 'Inside');
    new s3.Bucket(stack, 'Outside');
    CostAllocationTags.tagLayer(storage, 'storage');
    const buckets = Template.fromStack(stack).findResources('AWS::S3::Bucket');
    const layerOf = (prefix: string) => {
      const [, bucket] = Object.entries(buckets).find(([id]) => id.startsWith(prefix))! as [string, any];
      return (bucket.Properties?.Tags ?? []).find((tag: any) => tag.Key === 'Layer')?.Value;
    };
    expect(layerOf('StorageInside')).toBe('storage');
    expect(layerOf('Outside')).toBeUndefined();
  });

  test('rejects tag values AWS would refuse, naming the tag', () => {
    const stack = new Stack(new App(), 'Tagged');
    expect(() => CostAllocationTags.apply(stack, { project: 'lake;house', environment: 'sandbox' })).toThrow(/Project tag may hold only letters, digits, spaces and _.:\/=\+-@; got "lake;house"/);
    expect(() => CostAllocationTags.tagLayer(stack, '')).toThrow(/Layer tag must be 1 to 256 characters long/);
    expect(CostAllocationTags.KEYS).toEqual(['Project', 'Environment', 'Layer', 'ManagedBy']);
  });
});
