import { Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Acknowledges the cdk-nag `AwsSolutions-IAM5[Resource::…]` finding of each
 * wildcard resource in `policy` for which `reasonFor` gives a reason, and of
 * no other. A finding id embeds the resource as cdk-nag flattens it, which is
 * only known once references are resolved, so the ids are computed in a
 * construct validation: it runs after resolution and before the cdk-nag
 * plugin reads the acknowledgements.
 */
export function acknowledgeWildcardResources(policy: IConstruct, document: () => any,
  reasonFor: (statement: any, resource: string, allStatements: any[]) => string | undefined): void {
  policy.node.addValidation({
    validate: () => {
      const statements: any[] = Stack.of(policy).resolve(document())?.Statement ?? [];
      for (const statement of statements) {
        if (statement.Effect !== 'Allow') continue;
        for (const resource of asArray(statement.Resource)) {
          const flat = flatten(resource);
          if (!flat.includes('*')) continue;
          const reason = reasonFor(statement, flat, statements);
          if (reason === undefined) continue;
          Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flat}]`, reason });
        }
      }
      return [];
    },
  });
}

export function asArray(value: unknown): any[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** The flat form cdk-nag gives a CloudFormation value in its finding ids. */
function flatten(node: any): string {
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (node['Fn::Join']) {
    const [delimiter, items] = node['Fn::Join'];
    return items.map(flatten).join(delimiter);
  }
  if (node['Fn::GetAtt']) {
    const [resource, attribute] = node['Fn::GetAtt'];
    return `<${flatten(resource)}.${flatten(attribute)}>`;
  }
  if (node['Fn::ImportValue']) return flatten(node['Fn::ImportValue']);
  if (node.Ref) return `<${flatten(node.Ref)}>`;
  return JSON.stringify(node);
}
