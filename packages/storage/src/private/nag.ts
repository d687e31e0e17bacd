import { Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * The text cdk-nag shows for a policy resource: references become `<Id.Attr>`
 * and joins are flattened, so an acknowledgement can name the exact ARN.
 */
export function nagResourceText(scope: IConstruct, value: string): string {
  return flatten(Stack.of(scope).resolve(value));
}

/** Acknowledges one `AwsSolutions-IAM5[Resource::...]` finding for `resourceArn` on `principal`. */
export function acknowledgeWildcardResource(principal: IConstruct, resourceArn: string, reason: string): void {
  Validations.of(principal).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${nagResourceText(principal, resourceArn)}]`,
    reason,
  });
}

function flatten(node: any): string {
  if (node === undefined || node === null) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (node['Fn::Join']) {
    const [delimiter, items] = node['Fn::Join'];
    return (items as any[]).map(flatten).join(delimiter);
  }
  if (node['Fn::Sub']) return flatten(node['Fn::Sub']);
  if (node['Fn::GetAtt']) {
    const [resource, attribute] = node['Fn::GetAtt'];
    return `<${flatten(resource)}.${flatten(attribute)}>`;
  }
  if (node['Fn::ImportValue']) return flatten(node['Fn::ImportValue']);
  if (node.Ref) return `<${flatten(node.Ref)}>`;
  return JSON.stringify(node);
}
