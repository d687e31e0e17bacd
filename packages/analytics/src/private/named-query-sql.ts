import * as fs from 'fs';
import * as path from 'path';

/**
 * The folder of the named queries' SQL. It sits beside `src/` and `lib/` in
 * the package, so the same relative path works from the TypeScript sources
 * and from the compiled JavaScript that npm ships.
 */
export const QUERIES_DIR = path.join(__dirname, '..', '..', 'queries');

/**
 * Reads `queries/<file>` and replaces each `${name}` placeholder with its
 * value. A placeholder without a value is a bug in this package, not in the
 * caller's props, so it throws a plain error.
 */
export function namedQuerySql(file: string, values: { [name: string]: string }): string {
  const template = fs.readFileSync(path.join(QUERIES_DIR, file), 'utf8');
  return template.replace(/\$\{([a-z_]+)\}/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`queries/${file} uses the placeholder \${${name}}, which has no value`);
    return value;
  }).trim();
}
