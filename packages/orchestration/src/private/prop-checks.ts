import { PropType, Validate } from '@lakehouse-cdk/core';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { IConstruct } from 'constructs';

/**
 * What each prop of an MWAA environment must hold at run time, for
 * JavaScript callers that no compiler checks.
 */
const PROP_TYPES: { [prop: string]: PropType } = {
  stateMachine: PropType.CONSTRUCT,
  dagsBucket: PropType.CONSTRUCT,
  dagsPath: PropType.STRING,
  requirementsPath: PropType.STRING,
  pipelineName: PropType.STRING,
  environmentName: PropType.STRING,
  naming: PropType.NAMING,
  environmentClass: PropType.STRING,
  schedulers: PropType.NUMBER,
  minWorkers: PropType.NUMBER,
  maxWorkers: PropType.NUMBER,
  minWebservers: PropType.NUMBER,
  maxWebservers: PropType.NUMBER,
  weeklyMaintenanceWindowStart: PropType.STRING,
  webserverAccess: PropType.STRING,
  logLevel: PropType.STRING,
  encryptionKey: PropType.CONSTRUCT,
  vpc: PropType.CONSTRUCT,
  subnetSelection: PropType.MAP,
  natGateways: PropType.NUMBER,
  flowLogRetention: PropType.NUMBER,
  airflowConfigurationOptions: PropType.MAP,
};

/** Checks the props' runtime types and the flow-log retention, naming the prop. */
export function checkPropTypes(scope: IConstruct, props: any): void {
  Validate.propTypes(props, PROP_TYPES, ['stateMachine', 'dagsBucket', 'dagsPath'], scope);
  if (props.flowLogRetention !== undefined) Validate.logRetention('flowLogRetention', props.flowLogRetention, scope);
}

/**
 * Refuses a subnet selection that is public, as far as synth can tell: a
 * selection by `SubnetType.PUBLIC`, or selected subnets that the VPC lists
 * among its public subnets. A subnet given by id alone (`Subnet.fromSubnetId`)
 * has no known type and is not refused here; MWAA itself refuses it.
 */
export function rejectPublicSubnets(scope: IConstruct, vpc: ec2.IVpc, selection: ec2.SubnetSelection, selected: ec2.SelectedSubnets): void {
  const publicIds = new Set(vpc.publicSubnets.map(subnet => subnet.subnetId));
  const publicSelected = selected.subnets.filter(subnet => publicIds.has(subnet.subnetId));
  if (selection.subnetType === ec2.SubnetType.PUBLIC || publicSelected.length > 0) {
    Validate.fail('subnetSelection', publicSelected.length > 0 ? `public subnets ${publicSelected.map(subnet => subnet.subnetId).join(', ')}` : 'SubnetType.PUBLIC',
      'must select private subnets: MWAA runs its workers and scheduler in private subnets only, and a public subnet would expose them', scope);
  }
}

/**
 * A subnet selection as an error message shows it. Subnets are constructs,
 * which JSON can't write (their tree is circular): they are shown by id.
 */
export function describeSelection(selection: ec2.SubnetSelection | undefined): string {
  if (selection === undefined) return 'undefined';
  const { subnets, ...rest } = selection;
  const shown: { [key: string]: unknown } = { ...rest };
  if (subnets !== undefined) shown.subnets = Array.isArray(subnets) ? subnets.map(subnet => subnet?.subnetId ?? String(subnet)) : String(subnets);
  return JSON.stringify(shown);
}
