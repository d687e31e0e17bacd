import { Duration, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { ValidationError } from './private/validation-error';

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

  /** Whether `error` is a Lakehouse CDK validation error. */
  public static isValidationError(error: any): boolean {
    return error instanceof Error && error.name === ValidationError.NAME;
  }

  /** Throws unless `value` is an integer within [min, max]. */
  public static integerInRange(prop: string, value: number, min: number, max: number, scope?: IConstruct): void {
    if (Token.isUnresolved(value)) return;
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ValidationError(prop, String(value), `must be an integer from ${min} to ${max}`, scope);
    }
  }

  /** Throws unless `value` is at least `min`. `unit` is only used in the message. */
  public static atLeast(prop: string, value: number, min: number, unit: string, reason: string, scope?: IConstruct): void {
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
    const days = duration.toDays({ integral: false });
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
    if (Token.isUnresolved(value)) return;
    if (!new RegExp(`^(?:${pattern})$`, 'u').test(value)) {
      throw new ValidationError(prop, JSON.stringify(value), rule, scope);
    }
  }

  /** Throws unless `value` has between `min` and `max` characters. */
  public static length(prop: string, value: string, min: number, max: number, scope?: IConstruct): void {
    if (Token.isUnresolved(value)) return;
    if (value.length < min || value.length > max) {
      const rule = min === max ? `must be ${min} characters long` : `must be ${min} to ${max} characters long`;
      throw new ValidationError(prop, `${JSON.stringify(value)} (${value.length} characters)`, rule, scope);
    }
  }

  /** Throws unless `value` is one of `allowed`. */
  public static oneOf(prop: string, value: string, allowed: string[], scope?: IConstruct): void {
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
    if (Token.isUnresolved(value)) return;
    if (!isKeyPrefix(value)) {
      throw new ValidationError(prop, JSON.stringify(value), KEY_PREFIX_RULE, scope);
    }
  }

  /**
   * Throws unless `value` is a lakehouse pipeline name: the `pipeline_name`
   * of a run and the partition key of its run record: 1 to 128 letters,
   * digits, `_`, `.` and `-`.
   */
  public static pipelineName(prop: string, value: string, scope?: IConstruct): void {
    if (Token.isUnresolved(value)) return;
    if (!PIPELINE_NAME_PATTERN.test(value)) {
      throw new ValidationError(prop, JSON.stringify(value), PIPELINE_NAME_RULE, scope);
    }
  }

  /**
   * Throws unless `expression` is a six-field `cron(...)` schedule, as Glue
   * crawlers and EventBridge accept: minutes, hours, day-of-month, month,
   * day-of-week, year, with `?` in exactly one of the two day fields.
   */
  public static cronExpression(prop: string, expression: string, scope?: IConstruct): void {
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
  + `no leading "/", no wildcard such as "*", no "." or ".." segment, ${KEY_PREFIX_MIN_LENGTH} to ${KEY_PREFIX_MAX_LENGTH} characters`;

function isKeyPrefix(value: string): boolean {
  return value.length >= KEY_PREFIX_MIN_LENGTH
    && value.length <= KEY_PREFIX_MAX_LENGTH
    && KEY_PREFIX_PATTERN.test(value)
    && !value.split('/').some(segment => segment === '.' || segment === '..');
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
