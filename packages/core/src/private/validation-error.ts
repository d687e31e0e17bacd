import { IConstruct } from 'constructs';

/**
 * The error every Lakehouse CDK construct throws for bad props. It is not
 * part of the jsii API (jsii can't export Error subclasses): packages throw it
 * through `Validate`, and match it with `Validate.isValidationError`.
 *
 * The message always names the prop, the value and the rule, and starts with
 * the path of the construct that rejected it, so a synth failure points at
 * the line to fix.
 */
export class ValidationError extends Error {
  public static readonly NAME = 'LakehouseValidationError';

  /** The prop (or input) that was rejected. */
  public readonly prop: string;
  /** The rule the value broke. */
  public readonly rule: string;

  /**
   * @param prop the prop that was rejected, for example `rawInfrequentAccessAfter`
   * @param value the rejected value, as it should be shown
   * @param rule the rule, for example `must be at least 30 days (S3 Standard-IA minimum)`
   * @param scope the construct that rejected it, if there is one
   */
  constructor(prop: string, value: string, rule: string, scope?: IConstruct) {
    const where = scope ? `${scope.node.path}: ` : '';
    super(`${where}${prop} ${rule}; got ${value}`);
    this.name = ValidationError.NAME;
    this.prop = prop;
    this.rule = rule;
    Object.setPrototypeOf(this, ValidationError.prototype);
    rememberMessage(this.message);
  }
}

/**
 * The messages of the validation errors thrown in this process, newest
 * last. In jsii languages other than JavaScript the caught exception is the
 * language's own and carries only the message, so that is what a caller
 * can hand back to be recognised.
 */
const THROWN_MESSAGES: string[] = [];
const MAX_REMEMBERED = 200;

function rememberMessage(message: string): void {
  THROWN_MESSAGES.push(message);
  if (THROWN_MESSAGES.length > MAX_REMEMBERED) THROWN_MESSAGES.shift();
}

/** Whether `text` is, or holds, the message of a validation error thrown in this process. */
export function isValidationErrorMessage(text: string): boolean {
  return text.length > 0 && THROWN_MESSAGES.some(message => text.includes(message));
}

