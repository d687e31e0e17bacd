import { createHash } from 'crypto';
import { Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { ValidationError } from './private/validation-error';
import { PropType, Validate } from './validation';

/** The kinds of AWS resource that Lakehouse CDK names, each with its own rules. */
export enum ResourceKind {
  /** 3–63 characters: lowercase letters, digits and hyphens. */
  S3_BUCKET = 'S3_BUCKET',
  /** Up to 255 characters: lowercase letters, digits and underscores (Athena-compatible). */
  GLUE_DATABASE = 'GLUE_DATABASE',
  /** Up to 255 characters: lowercase letters, digits and underscores (Athena-compatible). */
  GLUE_TABLE = 'GLUE_TABLE',
  /** Up to 255 characters: letters, digits, hyphens and underscores. */
  GLUE_CRAWLER = 'GLUE_CRAWLER',
  /** 3–255 characters: letters, digits, hyphens, underscores and dots. */
  DYNAMODB_TABLE = 'DYNAMODB_TABLE',
  /** Up to 80 characters: letters, digits, hyphens and underscores. */
  STATE_MACHINE = 'STATE_MACHINE',
  /** Up to 64 characters: letters, digits and `+=,.@_-`. */
  IAM_ROLE = 'IAM_ROLE',
  /** Up to 80 characters, starting with a letter: letters, digits, hyphens and underscores. */
  MWAA_ENVIRONMENT = 'MWAA_ENVIRONMENT',
  /** Up to 128 characters: letters, digits, dots, hyphens and underscores. */
  ATHENA_WORKGROUP = 'ATHENA_WORKGROUP',
  /** Up to 256 characters: letters, digits, hyphens and underscores. */
  SNS_TOPIC = 'SNS_TOPIC',
  /** Up to 512 characters: letters, digits and `_-./#`. */
  LOG_GROUP = 'LOG_GROUP',
  /** 2–255 characters, starting with a letter or digit: letters, digits, hyphens and underscores. */
  CODEBUILD_PROJECT = 'CODEBUILD_PROJECT',
}

/** The rules of one kind of name. */
export interface NameRules {
  /** Shortest allowed name. */
  readonly minLength: number;
  /** Longest allowed name. */
  readonly maxLength: number;
  /** The separator between project, environment and component. */
  readonly separator: string;
  /** Regular expression (source) that a whole valid name matches. */
  readonly pattern: string;
  /** The rule in words, for error messages. */
  readonly description: string;
}

const HYPHEN_RULES = (min: number, max: number, pattern: string, description: string): NameRules =>
  ({ minLength: min, maxLength: max, separator: '-', pattern, description });

const RULES: { [kind: string]: NameRules } = {
  [ResourceKind.S3_BUCKET]: HYPHEN_RULES(3, 63, '[a-z0-9][a-z0-9-]*[a-z0-9]', 'S3 bucket names are 3-63 lowercase letters, digits and hyphens, starting and ending with a letter or digit'),
  [ResourceKind.GLUE_DATABASE]: { minLength: 1, maxLength: 255, separator: '_', pattern: '[a-z0-9_]+', description: 'Glue database names are up to 255 lowercase letters, digits and underscores' },
  [ResourceKind.GLUE_TABLE]: { minLength: 1, maxLength: 255, separator: '_', pattern: '[a-z0-9_]+', description: 'Glue table names are up to 255 lowercase letters, digits and underscores' },
  [ResourceKind.GLUE_CRAWLER]: HYPHEN_RULES(1, 255, '[a-zA-Z0-9_-]+', 'Glue crawler names are up to 255 letters, digits, hyphens and underscores'),
  [ResourceKind.DYNAMODB_TABLE]: HYPHEN_RULES(3, 255, '[a-zA-Z0-9_.-]+', 'DynamoDB table names are 3-255 letters, digits, hyphens, underscores and dots'),
  [ResourceKind.STATE_MACHINE]: HYPHEN_RULES(1, 80, '[a-zA-Z0-9_-]+', 'state machine names are up to 80 letters, digits, hyphens and underscores'),
  [ResourceKind.IAM_ROLE]: HYPHEN_RULES(1, 64, '[\\w+=,.@-]+', 'IAM role names are up to 64 letters, digits and +=,.@_-'),
  [ResourceKind.MWAA_ENVIRONMENT]: HYPHEN_RULES(1, 80, '[a-zA-Z][0-9a-zA-Z_-]*', 'MWAA environment names are up to 80 letters, digits, hyphens and underscores, starting with a letter'),
  [ResourceKind.ATHENA_WORKGROUP]: HYPHEN_RULES(1, 128, '[a-zA-Z0-9._-]+', 'Athena workgroup names are up to 128 letters, digits, dots, hyphens and underscores'),
  [ResourceKind.SNS_TOPIC]: HYPHEN_RULES(1, 256, '[a-zA-Z0-9_-]+', 'SNS topic names are up to 256 letters, digits, hyphens and underscores'),
  [ResourceKind.LOG_GROUP]: HYPHEN_RULES(1, 512, '[a-zA-Z0-9_./#-]+', 'log group names are up to 512 letters, digits and _-./#'),
  [ResourceKind.CODEBUILD_PROJECT]: HYPHEN_RULES(2, 255, '[A-Za-z0-9][A-Za-z0-9_-]*', 'CodeBuild project names are 2-255 letters, digits, hyphens and underscores, starting with a letter or digit'),
};

/** Length of the hash suffix added to a truncated name. */
const HASH_LENGTH = 8;

/** An AWS account id is 12 digits. */
const ACCOUNT_ID_LENGTH = 12;
/**
 * The room a bucket name keeps for a region that is still a token (an
 * environment-agnostic stack). The longest region code today, `us-isof-south-1`,
 * has 15 characters; the margin keeps names valid for longer codes to come.
 */
const MAX_REGION_LENGTH = 20;

/** The words a name is made of: lowercase letters and digits, joined by single hyphens. */
const PART_PATTERN = '[a-z][a-z0-9]*(-[a-z0-9]+)*';
const PART_RULE = 'must be lowercase letters, digits and single hyphens, starting with a letter';

/** Properties of a naming convention. */
export interface NamingProps {
  /**
   * The project, the first word of every name: `lakehouse`. Lowercase
   * letters, digits and single hyphens, starting with a letter.
   */
  readonly project: string;
  /** The environment, the second word of every name: `sandbox`. Same rules as `project`. */
  readonly environment: string;
}

/**
 * The naming convention `{project}-{environment}-{component}`, fitted to each
 * service's length limit and character set.
 *
 * A name that is too long is truncated and given a stable hash of the whole
 * name, so two different inputs never collapse onto one name. A convention
 * remembers what it has named: asking for one name for two different
 * components is an error.
 */
export class Naming {
  /** The rules of a kind of name. */
  public static rulesFor(kind: ResourceKind): NameRules {
    return RULES[kind];
  }

  /** The project word. */
  public readonly project: string;
  /** The environment word. */
  public readonly environment: string;
  private readonly issued = new Map<string, string>();

  constructor(props: NamingProps) {
    Validate.propTypes(props, { project: PropType.STRING, environment: PropType.STRING }, ['project', 'environment']);
    Naming.checkPart('project', props.project);
    Naming.checkPart('environment', props.environment);
    this.project = props.project;
    this.environment = props.environment;
  }

  /**
   * The name of a resource of `kind` for `component`, for example
   * `name(ResourceKind.S3_BUCKET, 'data-lake')` gives `lakehouse-sandbox-data-lake`.
   * S3 bucket names are global across accounts: `bucketName` gives one that
   * holds the account and region too.
   *
   * @param kind the kind of resource, which sets the length limit and characters
   * @param component what the resource is: lowercase letters, digits and single hyphens
   */
  public name(kind: ResourceKind, component: string): string {
    Validate.oneOf('kind', kind, Object.values(ResourceKind));
    Naming.checkPart('component', component);
    const rules = RULES[kind];
    const words = [this.project, this.environment, component];
    const full = words.join('-').split('-').join(rules.separator);
    const name = full.length <= rules.maxLength ? full : this.truncate(kind, full, component);

    if (name.length < rules.minLength) {
      throw new ValidationError('component', JSON.stringify(component), `gives ${JSON.stringify(name)}, shorter than ${rules.minLength} characters (${rules.description})`);
    }
    if (!new RegExp(`^(?:${rules.pattern})$`).test(name)) {
      throw new ValidationError('component', JSON.stringify(component), `gives ${JSON.stringify(name)}, which breaks the rule: ${rules.description}`);
    }
    this.remember(`${kind}:${name}`, component, name, kind);
    return name;
  }

  /**
   * The name of an S3 bucket for `component` that no other account or region
   * takes: `{project}-{environment}-{component}-{account}-{region}`, for
   * example `lakehouse-sandbox-data-lake-111122223333-eu-west-1`.
   *
   * Bucket names are global across every AWS account, so a name made of the
   * project and environment alone fails in the second account that deploys
   * the same code. The account and region are those of `scope`'s stack; in
   * an environment-agnostic stack they are resolved at deploy time, and the
   * name keeps room for any account id and a region code of up to 20
   * characters. A name over 63 characters keeps the account and region and
   * shortens the rest as `name` does, with a hash.
   *
   * @param scope a construct of the stack the bucket is deployed with
   * @param component what the bucket is: lowercase letters, digits and single hyphens
   */
  public bucketName(scope: IConstruct, component: string): string {
    Validate.propTypes({ scope }, { scope: PropType.CONSTRUCT }, ['scope']);
    Naming.checkPart('component', component);
    const kind = ResourceKind.S3_BUCKET;
    const rules = RULES[kind];
    const stack = Stack.of(scope);
    const suffix = [stack.account, stack.region];
    const suffixLength = (Token.isUnresolved(stack.account) ? ACCOUNT_ID_LENGTH : stack.account.length)
      + (Token.isUnresolved(stack.region) ? MAX_REGION_LENGTH : stack.region.length)
      + 2 * rules.separator.length;
    const full = [this.project, this.environment, component].join(rules.separator);
    const room = rules.maxLength - suffixLength;
    const base = full.length <= room ? full : this.truncate(kind, full, component, room);
    const name = [base, ...suffix].join(rules.separator);
    if (!Token.isUnresolved(name) && !new RegExp(`^(?:${rules.pattern})$`).test(name)) {
      throw new ValidationError('component', JSON.stringify(component), `gives ${JSON.stringify(name)}, which breaks the rule: ${rules.description}`);
    }
    this.remember(`${kind}:account-region:${base}`, component, name, kind);
    return name;
  }

  private remember(key: string, component: string, name: string, kind: ResourceKind): void {
    const previous = this.issued.get(key);
    if (previous !== undefined && previous !== component) {
      throw new ValidationError('component', JSON.stringify(component),
        `collides with component ${JSON.stringify(previous)}: both give the ${kind} name ${JSON.stringify(name)}`);
    }
    this.issued.set(key, component);
  }

  private truncate(kind: ResourceKind, full: string, component: string, maxLength?: number): string {
    const rules = RULES[kind];
    const limit = maxLength ?? rules.maxLength;
    const hash = createHash('sha256').update(`${kind}\n${full}`).digest('hex').slice(0, HASH_LENGTH);
    const prefix = [this.project, this.environment].join(rules.separator) + rules.separator;
    // Keep at least one character of the component, so the name still says what the resource is.
    const room = limit - prefix.length - rules.separator.length - HASH_LENGTH;
    if (room < 1) {
      throw new ValidationError('naming project and environment', JSON.stringify(`${this.project}-${this.environment}`),
        `leave no room for component ${JSON.stringify(component)} in a ${limit}-character ${kind} name`);
    }
    let kept = full.slice(0, prefix.length + room);
    // A separator right before the hash would double it ("a--hash"), which S3 and Glue dislike.
    while (kept.endsWith(rules.separator)) kept = kept.slice(0, -1);
    return `${kept}${rules.separator}${hash}`;
  }

  private static checkPart(prop: string, value: string): void {
    if (typeof value === 'string' && Token.isUnresolved(value)) {
      throw new ValidationError(prop, 'a token', 'must be a plain string known at synth time, not a token');
    }
    if (value === undefined || value === null || value.length === 0) {
      throw new ValidationError(prop, JSON.stringify(value ?? ''), 'must not be empty');
    }
    Validate.matches(prop, value, PART_PATTERN, PART_RULE);
  }
}
