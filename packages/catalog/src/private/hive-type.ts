/** The Hive types a raw table column may name, as Athena DDL spells them. */
export const HIVE_PRIMITIVE_TYPES = ['string', 'boolean', 'tinyint', 'smallint', 'int', 'bigint', 'float', 'double', 'date', 'timestamp', 'binary'];

/** The rule shown when a column type is rejected. */
export const HIVE_TYPE_RULE = 'must be a lowercase Hive type: string, boolean, tinyint, smallint, int, bigint, float, double, '
  + 'decimal(p,s) (p 1 to 38, s 0 to p), char(n) (n 1 to 255), varchar(n) (n 1 to 65535), date, timestamp, binary, '
  + 'or array<type>, map<primitive,type>, struct<name:type,...> of those';

/** Glue limits a column type string to 131,072 characters. */
const MAX_TYPE_LENGTH = 131072;
const FIELD_NAME = /^[a-z0-9_]+$/;

/**
 * Returns what is wrong with a Hive column type, or undefined when it is
 * valid. With `primitiveOnly`, complex types are refused (partition keys).
 */
export function hiveTypeProblem(type: string, primitiveOnly: boolean): string | undefined {
  if (type.length === 0 || type.length > MAX_TYPE_LENGTH) return `it must be 1 to ${MAX_TYPE_LENGTH} characters`;
  const tokens = tokenize(type);
  if (tokens === undefined) return 'it holds a character that is not part of a type';
  const parser = new TypeParser(tokens);
  return parser.parseType(primitiveOnly) ?? parser.expectEnd();
}

function tokenize(type: string): string[] | undefined {
  const tokens: string[] = [];
  const token = /\s*([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[<>(),:])\s*/y;
  let index = 0;
  while (index < type.length) {
    token.lastIndex = index;
    const match = token.exec(type);
    if (!match) return undefined;
    tokens.push(match[1]);
    index = token.lastIndex;
  }
  return tokens;
}

class TypeParser {
  private position = 0;

  constructor(private readonly tokens: string[]) {}

  public parseType(primitiveOnly: boolean): string | undefined {
    const name = this.next();
    if (name === undefined) return 'a type is missing';
    if (HIVE_PRIMITIVE_TYPES.includes(name)) return undefined;
    switch (name) {
      case 'decimal': return this.decimal();
      case 'char': return this.length(name, 255);
      case 'varchar': return this.length(name, 65535);
      case 'array':
      case 'map':
      case 'struct':
        return primitiveOnly ? `${name} is not a primitive type (partition keys must be primitive)` : this.complex(name);
      default:
        return `${JSON.stringify(name)} is not a Hive type`;
    }
  }

  public expectEnd(): string | undefined {
    const rest = this.tokens.slice(this.position);
    return rest.length === 0 ? undefined : `unexpected ${JSON.stringify(rest.join(''))} after the type`;
  }

  private decimal(): string | undefined {
    if (this.peek() !== '(') return undefined;
    this.next();
    const precision = this.integer();
    if (precision === undefined || precision < 1 || precision > 38) return 'decimal precision must be an integer from 1 to 38';
    if (this.peek() === ',') {
      this.next();
      const scale = this.integer();
      if (scale === undefined || scale > precision) return `decimal scale must be an integer from 0 to the precision (${precision})`;
    }
    return this.expect(')');
  }

  private length(name: string, max: number): string | undefined {
    const open = this.expect('(');
    if (open) return `${name} needs a length: ${name}(n)`;
    const length = this.integer();
    if (length === undefined || length < 1 || length > max) return `${name} length must be an integer from 1 to ${max}`;
    return this.expect(')');
  }

  private complex(name: string): string | undefined {
    const open = this.expect('<');
    if (open) return `${name} needs its element types in <...>`;
    if (name === 'array') {
      return this.parseType(false) ?? this.expect('>');
    }
    if (name === 'map') {
      // Hive map keys are primitive.
      return this.parseType(true) ?? this.expect(',') ?? this.parseType(false) ?? this.expect('>');
    }
    for (;;) {
      const field = this.next();
      if (field === undefined || !FIELD_NAME.test(field)) return `struct field name ${JSON.stringify(field ?? '')} must be lowercase letters, digits and underscores`;
      const problem = this.expect(':') ?? this.parseType(false);
      if (problem) return problem;
      if (this.peek() !== ',') return this.expect('>');
      this.next();
    }
  }

  private integer(): number | undefined {
    const token = this.next();
    return token !== undefined && /^[0-9]+$/.test(token) ? Number(token) : undefined;
  }

  private expect(token: string): string | undefined {
    const found = this.next();
    return found === token ? undefined : `expected ${JSON.stringify(token)} but found ${found === undefined ? 'the end' : JSON.stringify(found)}`;
  }

  private peek(): string | undefined {
    return this.tokens[this.position];
  }

  private next(): string | undefined {
    return this.tokens[this.position++];
  }
}
