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
  }
}

