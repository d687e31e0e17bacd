import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** A wildcard resource of a policy statement and why AWS requires it. */
export interface WildcardResource {
  /** The resource as given to the statement; it may hold tokens. */
  readonly resource: string;
  /** The concrete reason, shown next to the acknowledged finding. */
  readonly reason: string;
}

/**
 * Acknowledges the cdk-nag AwsSolutions-IAM5 findings for wildcard resources
 * on `scope`. The finding id embeds the resource as it finally appears in the
 * template, and a reference to another stack only becomes an `Fn::ImportValue`
 * when the app is prepared, so the id is computed at validation time (after
 * preparation, before the validation plugins run).
 */
export function acknowledgeWildcardResources(scope: IConstruct, resources: WildcardResource[]): void {
  scope.node.addValidation({
    validate: () => {
      for (const { resource, reason } of resources) {
        const flat = flattenReference(Stack.of(scope).resolve(resource));
        Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flat}]`, reason });
      }
      return [];
    },
  });
}

/**
 * Acknowledges, on `scope`, the IAM5 findings of a policy that aws-cdk-lib
 * writes for its own handler: each wildcard action in `actions`, and each
 * object-level resource (ending in `/*`), all with `reason`. Other wildcards
 * stay reported.
 */
export function acknowledgeHandlerPolicy(scope: IConstruct, policy: CfnResource, actions: string[], reason: string): void {
  scope.node.addValidation({
    validate: () => {
      const document = Stack.of(policy).resolve((policy as any).policyDocument) ?? {};
      for (const statement of document.Statement ?? []) {
        for (const action of asArray(statement.Action)) {
          if (actions.includes(action)) {
            Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Action::${action}]`, reason });
          }
        }
        for (const resource of asArray(statement.Resource)) {
          const flat = flattenReference(resource);
          if (flat.endsWith('/*')) {
            Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flat}]`, reason });
          }
        }
      }
      return [];
    },
  });
}

/**
 * Writes a resolved CloudFormation value as the flat string that cdk-nag
 * shows in a finding id: `<Logical.Attr>` for GetAtt, `<Logical>` for Ref,
 * joins concatenated, `${X}` in Fn::Sub written as `<X>`.
 */
export function flattenReference(value: any): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (value['Fn::Join']) {
    const [delimiter, items] = value['Fn::Join'];
    return items.map(flattenReference).join(delimiter);
  }
  if (value['Fn::Sub']) return flattenReference(value['Fn::Sub']);
  if (value['Fn::GetAtt']) {
    const [resource, attribute] = value['Fn::GetAtt'];
    return `<${flattenReference(resource)}.${flattenReference(attribute)}>`;
  }
  if (value['Fn::ImportValue']) return flattenReference(value['Fn::ImportValue']);
  if (value.Ref) return `<${flattenReference(value.Ref)}>`;
  return JSON.stringify(value);
}

function asArray(value: any): any[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
