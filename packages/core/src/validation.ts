import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, IConstruct } from 'constructs';
import { ValidationError, isValidationErrorMessage } from './private/validation-error';

/** What a prop must hold, for `Validate.propTypes`. */
export enum PropType {
  /** A string (a token string too). */
  STRING = 'STRING',
  /** A number (a token number too). */
  NUMBER = 'NUMBER',
  /** `true` or `false`. */
  BOOLEAN = 'BOOLEAN',
  /** An aws-cdk-lib `Duration`. */
  DURATION = 'DURATION',
  /** A `Naming` convention. */
  NAMING = 'NAMING',
  /** A construct, such as a bucket, key, table, topic or state machine (imported ones too). */
  CONSTRUCT = 'CONSTRUCT',
  /** A list. */
  LIST = 'LIST',
  /** A map of string keys, such as Airflow configuration options. */
  MAP = 'MAP',
  /** An aws-cdk-lib `RemovalPolicy`. */
  REMOVAL_POLICY = 'REMOVAL_POLICY',
}

/**
 * The values CloudWatch Logs accepts as a log group's retention in days
 * (`logs.RetentionDays`); `RetentionDays.INFINITE` means no expiry.
 */
const LOG_RETENTION_DAYS: number[] = Object.values(logs.RetentionDays).filter((value): value is number => typeof value === 'number');

/** The removal policies of data that CloudFormation can't snapshot (buckets, keys, tables, workgroups, log groups). */
const DATA_REMOVAL_POLICIES: string[] = [RemovalPolicy.RETAIN, RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE, RemovalPolicy.DESTROY];

/**
 * Synth-time checks shared by every package. Each one skips values that are
 * still unresolved tokens, because those are only known at deploy time.
 */
export class Validate {
  /**
   * Throws the shared validation error: `<path>: <prop> <rule>; got <value>`.
   *
   * @param prop the prop that was rejected, for example `rawInfrequentAccessAfter`
   * @param value the rejected value, as it should be shown
   * @param rule the rule, for example `must be at least 30 days (S3 Standard-IA minimum)`
   * @param scope the construct that rejected it, if there is one
   */
  public static fail(prop: string, value: string, rule: string, scope?: IConstruct): void {
    throw new ValidationError(prop, value, rule, scope);
  }

  /**
   * Whether `error` is a Lakehouse CDK validation error. In TypeScript and
   * JavaScript, pass the caught error. In the other jsii languages the
   * caught exception is the language's own (Python's `RuntimeError`), which
   * can't be passed back (jsii's Python runtime raises `AttributeError` for
   * it before the call reaches this method); pass its message instead
   * (`str(e)` in Python), or use `isValidationErrorMessage`.
   */
  public static isValidationError(error: any): boolean {
    if (typeof error === 'string') return isValidationErrorMessage(error);
    return error instanceof Error && error.name === ValidationError.NAME;
  }

  /**
   * Whether `message` is (or holds) the message of a Lakehouse CDK
   * validation error thrown in this process: the way to recognise one in
   * Python, Java or Go, where the caught exception carries the message:
   * `Validate.is_validation_error_message(str(e))`.
   */
  public static isValidationErrorMessage(message: string): boolean {
    return typeof message === 'string' && isValidationErrorMessage(message);
  }

  /**
   * Throws unless each prop of `props` named in `types` is undefined or of
   * its type, and each prop named in `required` is given. JavaScript callers
   * get no compiler check: without this, a number for a Duration or a
   * string for a bucket crashes later with a TypeError that names no prop,
   * or reaches a CloudFormation property whose error names that property.
   *
   * @param props the props as given
   * @param types the type of each prop to check
   * @param required the props that must be given
   * @param scope the construct that checks them
   */
  public static propTypes(props: any, types: { [prop: string]: PropType }, required?: string[], scope?: IConstruct): void {
    const given = props ?? {};
    if (typeof given !== 'object' || Array.isArray(given)) {
      throw new ValidationError('props', describe(props), 'must be an object of props', scope);
    }
    for (const prop of required ?? []) {
      if (given[prop] === undefined || given[prop] === null) {
        throw new ValidationError(prop, String(given[prop]), 'is required', scope);
      }
    }
    for (const [prop, type] of Object.entries(types)) {
      const value = given[prop];
      if (value === undefined) continue;
      const problem = typeProblem(type, value);
      if (problem !== undefined) throw new ValidationError(prop, describe(value), problem, scope);
    }
  }

  /**
   * Throws unless `policy` is RETAIN, RETAIN_ON_UPDATE_OR_DELETE or
   * DESTROY. CloudFormation refuses `DeletionPolicy: Snapshot` on the
   * resources that hold lakehouse data (buckets, keys, tables, workgroups,
   * log groups, Glue databases), so SNAPSHOT would synthesize a template
   * that fails to deploy.
   */
  public static dataRemovalPolicy(prop: string, policy: RemovalPolicy, scope?: IConstruct): void {
    if (!DATA_REMOVAL_POLICIES.includes(policy)) {
      throw new ValidationError(prop, describe(policy),
        `must be one of ${DATA_REMOVAL_POLICIES.join(', ')} (CloudFormation can't snapshot buckets, keys, tables, workgroups or log groups)`, scope);
    }
  }

  /**
   * Throws unless `days` is a log retention that CloudWatch Logs accepts: one
   * of the values of `logs.RetentionDays` (1, 3, 5, 7, 14, 30, … 3653, or
   * `INFINITE`). A token passes.
   */
  public static logRetention(prop: string, days: number, scope?: IConstruct): void {
    if (typeof days === 'number' && Token.isUnresolved(days)) return;
    if (!LOG_RETENTION_DAYS.includes(days)) {
      throw new ValidationError(prop, describe(days),
        `must be one of the retentions CloudWatch Logs accepts (logs.RetentionDays): ${LOG_RETENTION_DAYS.join(', ')} days`, scope);
    }
  }

  /**
   * Returns `duration` in seconds, and throws a named error when it can't
   * be: a duration whose amount is a token converts only from its own unit,
   * so a token must be given as `Duration.seconds(...)` here.
   *
   * @returns the seconds, possibly a token
   */
  public static seconds(prop: string, duration: Duration, scope?: IConstruct): number {
    return convertDuration(prop, duration, 'seconds', d => d.toSeconds({ integral: false }), scope);
  }

  /** Returns `duration` in minutes, with the named error of `seconds` for a token in another unit. */
  public static minutes(prop: string, duration: Duration, scope?: IConstruct): number {
    return convertDuration(prop, duration, 'minutes', d => d.toMinutes({ integral: false }), scope);
  }

  /**
   * Throws when `value` is an unresolved token: for a number that a synth-time
   * computation needs, such as a poll bound computed from a duration.
   *
   * @param reason why it must be known, for example `the crawler poll bound is computed from it`
   */
  public static knownAtSynth(prop: string, value: number, reason: string, scope?: IConstruct): void {
    if (Token.isUnresolved(value)) {
      throw new ValidationError(prop, 'a token', `must be known at synth time, not a token or parameter: ${reason}`, scope);
    }
  }

  /** Throws unless `value` is an integer within [min, max]. */
  public static integerInRange(prop: string, value: number, min: number, max: number, scope?: IConstruct): void {
    checkNumber(prop, value, scope);
    if (Token.isUnresolved(value)) return;
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ValidationError(prop, String(value), `must be an integer from ${min} to ${max}`, scope);
    }
  }

  /** Throws unless `value` is at least `min`. `unit` is only used in the message. */
  public static atLeast(prop: string, value: number, min: number, unit: string, reason: string, scope?: IConstruct): void {
    checkNumber(prop, value, scope);
    if (Token.isUnresolved(value)) return;
    if (!Number.isFinite(value) || value < min) {
      throw new ValidationError(prop, `${value} ${unit}`, `must be at least ${min} ${unit} (${reason})`, scope);
    }
  }

  /**
   * Throws unless `value` is a whole number (a safe integer) of at least
   * `min`. `unit` is only used in the message.
   */
  public static integerAtLeast(prop: string, value: number, min: number, unit: string, reason: string, scope?: IConstruct): void {
    checkNumber(prop, value, scope);
    if (Token.isUnresolved(value)) return;
    if (!Number.isSafeInteger(value) || value < min) {
      throw new ValidationError(prop, `${value} ${unit}`, `must be a whole number of at least ${min} ${unit} (${reason})`, scope);
    }
  }

  /**
   * Returns the whole number of days in `duration`, and throws unless it is
   * a whole number of days within [min, max]. Services that count in days
   * (S3 lifecycle rules, log retention) refuse `Duration.hours(36)`; this
   * names the prop instead of aws-cdk-lib's raw conversion error.
   *
   * @returns the days, or undefined when the duration is an unresolved token
   */
  public static wholeDays(prop: string, duration: Duration, min: number, max: number, scope?: IConstruct): number | undefined {
    const days = convertDuration(prop, duration, 'days', d => d.toDays({ integral: false }), scope);
    if (Token.isUnresolved(days)) return undefined;
    if (!Number.isInteger(days) || days < min || days > max) {
      throw new ValidationError(prop, `${days} days`, `must be a whole number of days from ${min} to ${max}`, scope);
    }
    return days;
  }

  /**
   * Throws unless `min` is at most `max`, for a pair of props that bound a
   * range (for example minWorkers and maxWorkers). The error names `maxProp`.
   */
  public static minMax(minProp: string, min: number, maxProp: string, max: number, scope?: IConstruct): void {
    if (Token.isUnresolved(min) || Token.isUnresolved(max)) return;
    if (min > max) {
      throw new ValidationError(maxProp, String(max), `must be at least ${minProp} (${min})`, scope);
    }
  }

  /** Throws unless `later` is strictly greater than `earlier`. */
  public static after(prop: string, later: number, earlierProp: string, earlier: number, unit: string, scope?: IConstruct): void {
    if (Token.isUnresolved(later) || Token.isUnresolved(earlier)) return;
    if (later <= earlier) {
      throw new ValidationError(prop, `${later} ${unit}`, `must be later than ${earlierProp} (${earlier} ${unit})`, scope);
    }
  }

  /**
   * Throws unless the whole of `value` matches `pattern` (a regular
   * expression source). `rule` describes the pattern in words.
   */
  public static matches(prop: string, value: string, pattern: string, rule: string, scope?: IConstruct): void {
    checkString(prop, value, scope);
    if (Token.isUnresolved(value)) return;
    if (!new RegExp(`^(?:${pattern})$`, 'u').test(value)) {
      throw new ValidationError(prop, JSON.stringify(value), rule, scope);
    }
  }

  /** Throws unless `value` has between `min` and `max` characters. */
  public static length(prop: string, value: string, min: number, max: number, scope?: IConstruct): void {
    checkString(prop, value, scope);
    if (Token.isUnresolved(value)) return;
    if (value.length < min || value.length > max) {
      const rule = min === max ? `must be ${min} characters long` : `must be ${min} to ${max} characters long`;
      throw new ValidationError(prop, `${JSON.stringify(value)} (${value.length} characters)`, rule, scope);
    }
  }

  /** Throws unless `value` is one of `allowed`. */
  public static oneOf(prop: string, value: string, allowed: string[], scope?: IConstruct): void {
    checkString(prop, value, scope);
    if (Token.isUnresolved(value)) return;
    if (!allowed.includes(value)) {
      throw new ValidationError(prop, JSON.stringify(value), `must be one of ${allowed.join(', ')}`, scope);
    }
  }

  /**
   * Throws unless `value` is a relative S3 key prefix: one or more segments
   * of letters, digits and `!_.'()=-`, each followed by `/`, with no leading
   * `/`, no wildcard, no `.` or `..` segment, and 2 to 512 characters.
   *
   * IAM reads `*` and `?` in an object ARN as wildcards, so a prefix holding
   * one would widen every grant built from it; and `.`/`..` segments are
   * taken literally by S3 but read as path steps by tools that show or copy
   * the location.
   */
  public static keyPrefix(prop: string, value: string, scope?: IConstruct): void {
    checkString(prop, value, scope);
    if (Token.isUnresolved(value)) return;
    if (!isKeyPrefix(value)) {
      throw new ValidationError(prop, JSON.stringify(value), KEY_PREFIX_RULE, scope);
    }
  }

  /**
   * Throws unless every `(` in `value` is closed by a later `)` within the
   * same `/`-separated segment, and every `)` closes one. A key prefix
   * becomes part of the ARN in a cdk-nag finding id, and an unbalanced
   * parenthesis there breaks the acknowledgement of that finding.
   */
  public static balancedParentheses(prop: string, value: string, scope?: IConstruct): void {
    checkString(prop, value, scope);
    if (Token.isUnresolved(value)) return;
    if (value.split('/').some(segment => !parenthesesBalanced(segment))) {
      throw new ValidationError(prop, JSON.stringify(value), 'must close each parenthesis within its segment (every "(" followed by its ")")', scope);
    }
  }

  /**
   * Throws unless `value` is a lakehouse pipeline name: the `pipeline_name`
   * of a run and the partition key of its run record: 1 to 128 letters,
   * digits, `_`, `.` and `-`.
   */
  public static pipelineName(prop: string, value: string, scope?: IConstruct): void {
    checkString(prop, value, scope);
    if (Token.isUnresolved(value)) return;
    if (!PIPELINE_NAME_PATTERN.test(value)) {
      throw new ValidationError(prop, JSON.stringify(value), PIPELINE_NAME_RULE, scope);
    }
  }

  /**
   * Throws unless `expression` is a schedule that EventBridge Scheduler
   * accepts: a six-field `cron(...)` (as `cronExpression` checks it),
   * `rate(<n> minute|minutes|hour|hours|day|days)` with a whole `n` of at
   * least 1 and a singular unit for 1, or a one-time `at(yyyy-mm-ddThh:mm:ss)`.
   */
  public static scheduleExpression(prop: string, expression: string, scope?: IConstruct): void {
    checkString(prop, expression, scope);
    if (Token.isUnresolved(expression)) return;
    if (expression.trim().startsWith('cron(')) return Validate.cronExpression(prop, expression, scope);
    const problem = scheduleProblem(expression);
    if (problem) {
      throw new ValidationError(prop, JSON.stringify(expression), `must be an EventBridge Scheduler cron(...), rate(...) or at(...) expression: ${problem}`, scope);
    }
  }

  /**
   * Throws unless `expression` is a six-field `cron(...)` schedule, as Glue
   * crawlers and EventBridge accept: minutes, hours, day-of-month, month,
   * day-of-week, year, with `?` in exactly one of the two day fields.
   */
  public static cronExpression(prop: string, expression: string, scope?: IConstruct): void {
    checkString(prop, expression, scope);
    if (Token.isUnresolved(expression)) return;
    const problem = cronProblem(expression);
    if (problem) {
      throw new ValidationError(prop, JSON.stringify(expression), `must be a six-field cron(...) expression: ${problem}`, scope);
    }
  }
}

// The `pipeline_name` of a run is the partition key of its run record and
// the name the orchestrator passes to the pipeline; one rule so the layers agree.
const PIPELINE_NAME_MAX_LENGTH = 128;
const PIPELINE_NAME_PATTERN = new RegExp(`^[A-Za-z0-9_.-]{1,${PIPELINE_NAME_MAX_LENGTH}}$`, 'u');
const PIPELINE_NAME_RULE = `must be 1 to ${PIPELINE_NAME_MAX_LENGTH} letters, digits, "_", "." and "-" (a lakehouse pipeline name)`;

const KEY_PREFIX_MIN_LENGTH = 2;
// Well under S3's 1,024-byte key limit, leaving room for the object names
// that services such as Athena append.
const KEY_PREFIX_MAX_LENGTH = 512;
const KEY_PREFIX_PATTERN = /^(?:[A-Za-z0-9!_.'()=-]+\/)+$/u;
const KEY_PREFIX_RULE = `must be a relative S3 key prefix: segments of letters, digits and !_.'()=- each followed by "/", `
  + `no leading "/", no wildcard such as "*", no "." or ".." segment, parentheses closed within their segment, ${KEY_PREFIX_MIN_LENGTH} to ${KEY_PREFIX_MAX_LENGTH} characters`;

function isKeyPrefix(value: string): boolean {
  return value.length >= KEY_PREFIX_MIN_LENGTH
    && value.length <= KEY_PREFIX_MAX_LENGTH
    && KEY_PREFIX_PATTERN.test(value)
    && !value.split('/').some(segment => segment === '.' || segment === '..' || !parenthesesBalanced(segment));
}

/**
 * Whether every `(` of `text` is closed by a later `)` and every `)` closes
 * one. cdk-nag writes the ARN of a grant on the prefix into a finding id
 * (`AwsSolutions-IAM5[Resource::…/raw(/*]`), and an unbalanced parenthesis
 * there breaks the acknowledgement of that finding.
 */
function parenthesesBalanced(text: string): boolean {
  let depth = 0;
  for (const character of text) {
    if (character === '(') depth++;
    if (character === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

/** A value as an error message shows it. */
function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'string') return Token.isUnresolved(value) ? 'a token' : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'function') return 'a function';
  if (Construct.isConstruct(value)) return `the construct ${value.node.path}`;
  const name = (value as object).constructor?.name;
  return name && name !== 'Object' ? `a ${name}` : 'a plain object';
}

function checkString(prop: string, value: unknown, scope?: IConstruct): void {
  if (typeof value !== 'string') throw new ValidationError(prop, describe(value), 'must be a string', scope);
}

function checkNumber(prop: string, value: unknown, scope?: IConstruct): void {
  if (typeof value !== 'number') throw new ValidationError(prop, describe(value), 'must be a number', scope);
}

function isDuration(value: any): value is Duration {
  return value instanceof Duration
    || (typeof value === 'object' && value !== null && typeof value.toSeconds === 'function' && typeof value.toDays === 'function' && typeof value.isUnresolved === 'function');
}

function convertDuration(prop: string, duration: Duration, unit: string, convert: (d: Duration) => number, scope?: IConstruct): number {
  if (!isDuration(duration)) {
    throw new ValidationError(prop, describe(duration), 'must be a Duration, for example Duration.days(30)', scope);
  }
  try {
    return convert(duration);
  } catch (error) {
    // aws-cdk-lib converts a token amount only from its own unit, and says so without naming the prop.
    const rule = duration.isUnresolved()
      ? `must be given as Duration.${unit}(...) when its amount is a token: a token can't be converted from ${duration.unitLabel()} here`
      : `can't be converted to ${unit} (${(error as Error).message})`;
    throw new ValidationError(prop, duration.isUnresolved() ? `a token in ${duration.unitLabel()}` : duration.toString(), rule, scope);
  }
}

function typeProblem(type: PropType, value: any): string | undefined {
  switch (type) {
    case PropType.STRING: return typeof value === 'string' ? undefined : 'must be a string';
    case PropType.NUMBER: return typeof value === 'number' ? undefined : 'must be a number';
    case PropType.BOOLEAN: return typeof value === 'boolean' ? undefined : 'must be true or false';
    case PropType.DURATION: return isDuration(value) ? undefined : 'must be a Duration, for example Duration.days(30)';
    case PropType.NAMING:
      return typeof value === 'object' && value !== null && typeof value.name === 'function' && typeof value.bucketName === 'function'
        ? undefined : 'must be a Naming, for example new Naming({ project, environment })';
    case PropType.CONSTRUCT: return Construct.isConstruct(value) ? undefined : 'must be a construct (one of this app, or imported with a fromXxx method)';
    case PropType.LIST: return Array.isArray(value) ? undefined : 'must be a list';
    case PropType.MAP:
      return typeof value === 'object' && value !== null && !Array.isArray(value) && !Construct.isConstruct(value) ? undefined : 'must be a map of keys to values';
    case PropType.REMOVAL_POLICY:
      return (Object.values(RemovalPolicy) as unknown[]).includes(value) ? undefined : `must be a RemovalPolicy (${Object.values(RemovalPolicy).join(', ')})`;
    default: return undefined;
  }
}

/** Returns what is wrong with a rate(...) or at(...) schedule, or undefined when it is valid. */
function scheduleProblem(expression: string): string | undefined {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rate) {
    const [, amount, unit] = rate;
    if (Number(amount) < 1) return 'the rate must be at least 1';
    if ((Number(amount) === 1) !== !unit.endsWith('s')) return `a rate of ${amount} takes the unit ${Number(amount) === 1 ? unit.replace(/s$/, '') : `${unit}s`}`;
    return undefined;
  }
  const at = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/.exec(expression);
  if (at) {
    const [year, month, day, hour, minute, second] = at.slice(1).map(Number);
    const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
    const real = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
      && date.getUTCHours() === hour && date.getUTCMinutes() === minute && date.getUTCSeconds() === second;
    return real ? undefined : 'the at(...) time is not a real date and time';
  }
  return 'it must look like cron(m h dom mon dow year), rate(n unit) or at(yyyy-mm-ddThh:mm:ss)';
}

const CRON_FIELDS: Array<{ name: string; min: number; max: number; words?: string[] }> = [
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, words: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { name: 'day-of-week', min: 1, max: 7, words: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
  { name: 'year', min: 1970, max: 2199 },
];

/** Returns what is wrong with a cron expression, or undefined when it is valid. */
function cronProblem(expression: string): string | undefined {
  const match = /^cron\((.*)\)$/.exec(expression.trim());
  if (!match) return 'it must look like cron(m h dom mon dow year)';
  const fields = match[1].trim().split(/\s+/);
  if (fields.length !== 6) return `it has ${fields.length} fields, not 6`;
  const [, , dayOfMonth, , dayOfWeek] = fields;
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    return 'exactly one of day-of-month and day-of-week must be ?';
  }
  for (let i = 0; i < fields.length; i++) {
    const spec = CRON_FIELDS[i];
    const problem = cronFieldProblem(fields[i], spec, i === 2 || i === 4);
    if (problem) return `${spec.name} field ${JSON.stringify(fields[i])}: ${problem}`;
  }
  return undefined;
}

function cronFieldProblem(field: string, spec: typeof CRON_FIELDS[number], isDayField: boolean): string | undefined {
  if (field === '*') return undefined;
  if (field === '?') return isDayField ? undefined : '? is only allowed in the day fields';
  for (const part of field.split(',')) {
    let body = part;
    if (isDayField && /^(L|LW|\d{1,2}W|\d#[1-5]|[A-Z]{3}#[1-5]|\d?L)$/.test(part)) continue;
    const step = /^(.+)\/(\d+)$/.exec(part);
    if (step) {
      body = step[1];
      if (Number(step[2]) < 1) return 'a step must be at least 1';
    }
    if (body === '*') continue;
    const bounds = body.split('-');
    if (bounds.length > 2) return `${JSON.stringify(part)} is not a value, range or step`;
    for (const bound of bounds) {
      const upper = bound.toUpperCase();
      const word = spec.words?.indexOf(upper) ?? -1;
      const value = word >= 0 ? word + spec.min : /^\d+$/.test(bound) ? Number(bound) : NaN;
      if (Number.isNaN(value)) return `${JSON.stringify(bound)} is not a number`;
      if (value < spec.min || value > spec.max) return `${value} is outside ${spec.min}-${spec.max}`;
    }
  }
  return undefined;
}
