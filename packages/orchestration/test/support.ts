import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NagFinding, nagFindingsOfApp, readValidationReport } from '@lakehouse-cdk/testing';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { HIPAASecurityChecks, NIST80053R5Checks } from 'cdk-nag';
import { MwaaEnvironment, MwaaEnvironmentProps } from '../src';

export const DAGS_PATH = path.join(__dirname, 'fixtures', 'dags');
export const REQUIREMENTS_PATH = path.join(__dirname, 'fixtures', 'requirements.txt');
export const STATE_MACHINE_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:lakehouse-sandbox-pipeline';

/** The values other layers hand to the orchestration layer, as interfaces. */
export function layerInputs(stack: Stack): Pick<MwaaEnvironmentProps, 'stateMachine' | 'dagsBucket' | 'dagsPath'> {
  return {
    stateMachine: sfn.StateMachine.fromStateMachineArn(stack, 'Pipeline', STATE_MACHINE_ARN),
    dagsBucket: s3.Bucket.fromBucketName(stack, 'DagsBucket', 'lakehouse-sandbox-dags'),
    dagsPath: DAGS_PATH,
  };
}

/** Builds the environment with the layer inputs and `props` on top. */
export function buildEnvironment(stack: Stack, props: Partial<MwaaEnvironmentProps> = {}): MwaaEnvironment {
  return new MwaaEnvironment(stack, 'Airflow', { ...layerInputs(stack), ...props });
}

/** An existing VPC with the given private subnets, each `[id, availability zone]`. */
export function existingVpc(stack: Stack, subnets: Array<[string, string]>, id = 'ExistingVpc'): ec2.IVpc {
  return ec2.Vpc.fromVpcAttributes(stack, id, {
    vpcId: 'vpc-0123456789abcdef0',
    availabilityZones: subnets.map(([, zone]) => zone),
    privateSubnetIds: subnets.map(([subnetId]) => subnetId),
    privateSubnetRouteTableIds: subnets.map((_, i) => `rtb-0000000${i}`),
  });
}

/**
 * The unacknowledged AwsSolutions findings of a whole app. The report is read
 * even when synthesis throws, because a failed validation throws after
 * writing it.
 */
export function appFindings(app: App): NagFinding[] {
  try {
    return nagFindingsOfApp(app);
  } catch (error) {
    if (!/Validation ?Failed/i.test(String(error))) throw error;
    return readValidationReport(app.outdir);
  }
}

/** The unacknowledged findings of a stack built by `build`, in a fresh app. */
export function stackFindings(build: (stack: Stack) => void): NagFinding[] {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'orchestration-nag-')) });
  build(new Stack(app, 'Nag', { env: { account: '123456789012', region: 'eu-west-1' } }));
  return appFindings(app);
}

/** Adds the NIST 800-53 R5 and HIPAA Security packs to the app of `stack`; the findings helpers add AwsSolutions. */
export function withCompliancePacks(stack: Stack): void {
  const app = stack.node.root as App;
  Validations.of(app).addPlugins(new NIST80053R5Checks(app), new HIPAASecurityChecks(app));
}
