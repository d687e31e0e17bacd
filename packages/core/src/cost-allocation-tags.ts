import { Tags } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { PropType, Validate } from './validation';

/** The cost-allocation tags of a part of the lakehouse. */
export interface CostAllocationTagsProps {
  /** Value of the `Project` tag. */
  readonly project: string;
  /** Value of the `Environment` tag. */
  readonly environment: string;
  /**
   * Value of the `Layer` tag: the lakehouse layer the resources belong to,
   * such as `storage` or `workflow`.
   * @default - no Layer tag here; set it on each layer's scope
   */
  readonly layer?: string;
  /**
   * Value of the `ManagedBy` tag.
   * @default 'lakehouse-cdk'
   */
  readonly managedBy?: string;
}

/**
 * Adds the cost-allocation tags (Project, Environment, Layer, ManagedBy) to
 * every taggable resource under a scope. It tags the scope it is given and
 * what is below it, never the scope's parent.
 */
export class CostAllocationTags {
  /** The tag keys, so that they can be activated in the billing console. */
  public static readonly KEYS: string[] = ['Project', 'Environment', 'Layer', 'ManagedBy'];

  /** Tags every taggable resource under `scope`. */
  public static apply(scope: IConstruct, props: CostAllocationTagsProps): void {
    Validate.propTypes(props, { project: PropType.STRING, environment: PropType.STRING, layer: PropType.STRING, managedBy: PropType.STRING }, ['project', 'environment']);
    const tags: { [key: string]: string | undefined } = {
      Project: props.project,
      Environment: props.environment,
      Layer: props.layer,
      ManagedBy: props.managedBy ?? 'lakehouse-cdk',
    };
    for (const [key, value] of Object.entries(tags)) {
      if (value === undefined) continue;
      CostAllocationTags.checkValue(key, value);
      Tags.of(scope).add(key, value);
    }
  }

  /** Sets only the `Layer` tag under `scope`. */
  public static tagLayer(scope: IConstruct, layer: string): void {
    CostAllocationTags.checkValue('Layer', layer);
    Tags.of(scope).add('Layer', layer);
  }

  private static checkValue(key: string, value: string): void {
    // AWS tag values: up to 256 Unicode letters, digits, spaces and _.:/=+-@
    Validate.length(`${key} tag`, value, 1, 256);
    Validate.matches(`${key} tag`, value, '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*', 'may hold only letters, digits, spaces and _.:/=+-@');
  }

  private constructor() {}
}
