import { Acknowledgment, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { acknowledgeNagFinding } from './private/nag-acknowledge';
import { asArray, flattenForNag } from './private/nag-flatten';

/** A wildcard resource of a policy and why AWS requires it. */
export interface WildcardResource {
  /** The resource ARN as given to the policy statement; it may hold tokens. */
  readonly resource: string;
  /** The concrete reason, shown next to the acknowledged finding. */
  readonly reason: string;
}

/** A wildcard action of a policy and why it is needed. */
export interface WildcardAction {
  /** The action as written in the statement, for example `s3:GetObject*`. */
  readonly action: string;
  /** The concrete reason, shown next to the acknowledged finding. */
  readonly reason: string;
}

/** Which wildcards of a policy written by someone else to acknowledge. */
export interface PolicyWildcards {
  /**
   * Wildcard actions to acknowledge when a statement of the policy allows them.
   * @default - no action finding is acknowledged
   */
  readonly actions?: string[];
  /**
   * Acknowledge each wildcard resource of the policy whose ARN ends with one
   * of these suffixes, for example `/*` for object-level S3 resources.
   * @default - no resource finding is acknowledged
   */
  readonly resourceSuffixes?: string[];
  /** The concrete reason, shown next to every acknowledged finding. */
  readonly reason: string;
}

/**
 * Acknowledges cdk-nag findings one finding id at a time, with a reason
 * each: any finding by its id, and `AwsSolutions-IAM5` findings (wildcard
 * permissions) from the resources and actions they concern.
 *
 * Use it instead of `Validations.of(scope).acknowledge` for a finding id that
 * holds an ARN, such as `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/…]`:
 * aws-cdk-lib before 2.269 refuses an id with more than one `::`, and cdk-nag
 * 3 matches only the exact id.
 *
 * A resource finding id embeds the ARN as cdk-nag flattens it
 * (`AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::<Bucket>/raw/*]`),
 * and that form is only known once cross-stack references are resolved (a
 * bucket of another stack becomes an `Fn::ImportValue`). So resource ids are
 * computed in a construct validation, which runs after references are
 * resolved and before the cdk-nag plugin reads the acknowledgements.
 */
export class NagAcknowledgements {
  /** The cdk-nag compliance packs that `complianceRule` acknowledges a rule in. */
  public static readonly COMPLIANCE_PACKS: string[] = ['NIST.800.53.R5', 'HIPAA.Security'];

  /**
   * Acknowledges, on `scope` and the constructs under it, each cdk-nag
   * finding by its exact id, for example `AwsSolutions-S1` or
   * `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSGlueServiceRole]`.
   */
  public static acknowledge(scope: IConstruct, ...findings: Acknowledgment[]): void {
    for (const { id, reason } of findings) acknowledgeNagFinding(scope, id, reason);
  }

  /**
   * Acknowledges, on `scope` (a principal, a policy or a parent of it), the
   * `AwsSolutions-IAM5[Resource::…]` finding of each resource that holds a
   * wildcard. Resources without a wildcard have no finding and are skipped.
   */
  public static wildcardResources(scope: IConstruct, resources: WildcardResource[]): void {
    const given = [...resources];
    scope.node.addValidation({
      validate: () => {
        for (const { resource, reason } of given) {
          const flat = flattenForNag(Stack.of(scope).resolve(resource));
          if (flat.includes('*')) acknowledgeResource(scope, flat, reason);
        }
        return [];
      },
    });
  }

  /**
   * Acknowledges the wildcard resources of a grant to `grantee`, on the
   * default policy the grant lands in. Does nothing when the grantee is not
   * a construct of this app with a default policy (an imported role, an
   * account principal): then no policy of this app holds the wildcard.
   */
  public static grantWildcardResources(grantee: iam.IGrantable, resources: WildcardResource[]): void {
    const policy = NagAcknowledgements.defaultPolicyOf(grantee);
    if (policy !== undefined) NagAcknowledgements.wildcardResources(policy, resources);
  }

  /** Acknowledges, on `scope`, the `AwsSolutions-IAM5[Action::…]` finding of each action. */
  public static wildcardActions(scope: IConstruct, actions: WildcardAction[]): void {
    for (const { action, reason } of actions) {
      acknowledgeNagFinding(scope, `AwsSolutions-IAM5[Action::${action}]`, reason);
    }
  }

  /**
   * Acknowledges, on `scope`, the wildcards of `policy` that `wildcards`
   * selects, for a policy whose resources are not known here (one that
   * aws-cdk-lib writes for its own handler). Other wildcards stay reported.
   */
  public static policyWildcards(scope: IConstruct, policy: iam.Policy, wildcards: PolicyWildcards): void {
    const actions = [...(wildcards.actions ?? [])];
    const suffixes = [...(wildcards.resourceSuffixes ?? [])];
    scope.node.addValidation({
      validate: () => {
        const document = Stack.of(policy).resolve(policy.document) ?? {};
        for (const statement of document.Statement ?? []) {
          if (statement.Effect !== 'Allow') continue;
          for (const action of asArray(statement.Action)) {
            if (actions.includes(action)) {
              acknowledgeNagFinding(scope, `AwsSolutions-IAM5[Action::${action}]`, wildcards.reason);
            }
          }
          for (const resource of asArray(statement.Resource)) {
            const flat = flattenForNag(resource);
            if (flat.includes('*') && suffixes.some(suffix => flat.endsWith(suffix))) {
              acknowledgeResource(scope, flat, wildcards.reason);
            }
          }
        }
        return [];
      },
    });
  }

  /**
   * Acknowledges, on `scope`, the finding of `rule` in each compliance pack
   * Lakehouse CDK is checked against: NIST 800-53 R5
   * (`NIST.800.53.R5-<rule>`) and HIPAA Security (`HIPAA.Security-<rule>`).
   * Use it for a rule that both packs have, such as `S3BucketReplicationEnabled`.
   *
   * @param scope the construct whose findings, and its children's, are acknowledged
   * @param rule the rule name without the pack, for example `S3BucketReplicationEnabled`
   * @param reason the concrete reason, shown next to the acknowledged findings
   */
  public static complianceRule(scope: IConstruct, rule: string, reason: string): void {
    for (const pack of NagAcknowledgements.COMPLIANCE_PACKS) {
      acknowledgeNagFinding(scope, `${pack}-${rule}`, reason);
    }
  }

  /**
   * Acknowledges the compliance packs' `IAMNoInlinePolicy` finding of every
   * default policy under `scope`: the `DefaultPolicy` that aws-cdk-lib
   * writes into a role, user or group for its grants (`grant*`,
   * `addToPolicy`). Such a policy belongs to one principal, is created and
   * deleted with it, and holds only the grants made in code; any other
   * inline policy stays reported. Runs as a validation, so that default
   * policies made after this call (a later grant) are covered too.
   */
  public static inlineDefaultPolicies(scope: IConstruct): void {
    scope.node.addValidation({
      validate: () => {
        for (const construct of scope.node.findAll()) {
          if (construct instanceof iam.Policy && construct.node.id === DEFAULT_POLICY_ID && isPrincipal(construct.node.scope)) {
            NagAcknowledgements.complianceRule(construct, 'IAMNoInlinePolicy', DEFAULT_POLICY_REASON);
          }
        }
        return [];
      },
    });
  }

  /**
   * Allows `Resource: "*"` in `document` only for `actions`, the actions AWS
   * gives no resource-level permission: acknowledges the
   * `AwsSolutions-IAM5[Resource::*]` finding on `scope` with their reasons,
   * and fails the synth, naming the actions, when a statement of the
   * document allows any other action on `*`. One acknowledgement covers
   * every statement on `*`, so without this check it would hide a grant
   * added later.
   *
   * @param scope the construct (a role or policy) that holds the document
   * @param document the policy document to guard
   * @param actions the actions that may have `Resource: "*"`, each with why
   */
  public static guardWildcardResource(scope: IConstruct, document: iam.PolicyDocument, actions: WildcardAction[]): void {
    const allowed = new Map(actions.map(({ action, reason }) => [action, reason]));
    acknowledgeNagFinding(scope, 'AwsSolutions-IAM5[Resource::*]',
      [...allowed].map(([action, reason]) => `${action}: ${reason}`).join(' '));
    scope.node.addValidation({
      validate: () => {
        const statements: any[] = Stack.of(scope).resolve(document)?.Statement ?? [];
        return statements
          .filter(statement => statement.Effect === 'Allow' && asArray(statement.Resource).includes('*'))
          .map(statement => asArray(statement.Action).filter(action => !allowed.has(action)))
          .filter(others => others.length > 0)
          .map(others => `${scope.node.path} allows ${others.join(', ')} on Resource "*"; only ${[...allowed.keys()].join(', ')} may have Resource "*" `
            + '(its cdk-nag finding is acknowledged for them alone), so scope the statement to the resources it uses');
      },
    });
  }

  /**
   * The default policy that a grant to `grantee` lands in, when the grantee
   * is a role, user or group of this app that has one.
   */
  public static defaultPolicyOf(grantee: iam.IGrantable): iam.Policy | undefined {
    const principal: unknown = grantee.grantPrincipal;
    if (!Construct.isConstruct(principal)) return undefined;
    const policy = principal.node.tryFindChild('DefaultPolicy');
    return policy instanceof iam.Policy ? policy : undefined;
  }
}

/** The id aws-cdk-lib gives the policy that holds a principal's grants. */
const DEFAULT_POLICY_ID = 'DefaultPolicy';
const DEFAULT_POLICY_REASON = 'This is the DefaultPolicy that aws-cdk-lib writes for the grants made in code to this one role, user or group: '
  + 'it is attached to that principal only and created and deleted with it, and every statement in it is a scoped grant checked by the other rules; '
  + 'a customer managed policy would hold the same statements as a second resource.';

function isPrincipal(construct: IConstruct | undefined): boolean {
  return construct instanceof iam.Role || construct instanceof iam.User || construct instanceof iam.Group;
}

function acknowledgeResource(scope: IConstruct, flat: string, reason: string): void {
  acknowledgeNagFinding(scope, `AwsSolutions-IAM5[Resource::${flat}]`, reason);
}
