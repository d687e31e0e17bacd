/**
 * Writes a resolved CloudFormation value as the flat string that cdk-nag
 * shows in a finding id: `<Logical.Attr>` for GetAtt, `<Logical>` for Ref,
 * joins concatenated, `${X}` in Fn::Sub written as `<X>`, an import as the
 * name of its export.
 */
export function flattenForNag(value: any): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (value['Fn::Join']) {
    const [delimiter, items] = value['Fn::Join'];
    return (items as any[]).map(flattenForNag).join(delimiter);
  }
  if (value['Fn::Sub']) return flattenForNag(value['Fn::Sub']);
  if (value['Fn::GetAtt']) {
    const [resource, attribute] = value['Fn::GetAtt'];
    return `<${flattenForNag(resource)}.${flattenForNag(attribute)}>`;
  }
  if (value['Fn::ImportValue']) return flattenForNag(value['Fn::ImportValue']);
  if (value.Ref) return `<${flattenForNag(value.Ref)}>`;
  return JSON.stringify(value);
}

/** A statement's Action or Resource (a string or a list) as a list. */
export function asArray(value: unknown): any[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
