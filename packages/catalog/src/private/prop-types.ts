import { PropType, Validate } from '@lakehouse-cdk/core';
import { IConstruct } from 'constructs';

/**
 * Checks the runtime types of one item of a list prop (a raw table, a
 * column, crawler options), naming each field as `<prop>.<field>`, for
 * example `rawTables[0].columns`.
 */
export function checkItemTypes(scope: IConstruct, prop: string, item: unknown, types: { [field: string]: PropType }, required: string[] = []): void {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    Validate.fail(prop, item === null || item === undefined ? String(item) : JSON.stringify(item) ?? typeof item, 'must be an object', scope);
  }
  const fields = item as { [field: string]: unknown };
  const renamed: { [prop: string]: unknown } = {};
  const renamedTypes: { [prop: string]: PropType } = {};
  for (const [field, type] of Object.entries(types)) {
    renamed[`${prop}.${field}`] = fields[field];
    renamedTypes[`${prop}.${field}`] = type;
  }
  Validate.propTypes(renamed, renamedTypes, required.map(field => `${prop}.${field}`), scope);
}
