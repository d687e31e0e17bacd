import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Arn, ArnFormat, Names, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as mwaa from 'aws-cdk-lib/aws-mwaa';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { CostAllocationTags, DataRetention, LogEncryption, NagAcknowledgements, Naming, ResourceKind, ServiceTrust, Validate, WildcardResource } from '@lakehouse-cdk/core';
import { Construct } from 'constructs';
import { AirflowVersion } from './airflow-version';
import { AirflowLogLevel, MwaaSettings, WebserverAccess } from './mwaa-settings';
import { checkPropTypes, describeSelection, rejectPublicSubnets } from './private/prop-checks';
import { compareVersions } from './private/versions';

/** Properties of an MWAA environment that runs the lakehouse pipeline DAG. */
export interface MwaaEnvironmentProps {
  /** The pipeline state machine that the DAG starts and watches. */
  readonly stateMachine: sfn.IStateMachine;

  /**
   * The bucket MWAA reads the DAGs (under `dags/`) and `requirements.txt`
   * from. MWAA requires it to be versioned and to block public access.
   */
  readonly dagsBucket: s3.IBucket;

  /**
   * Local folder whose contents are uploaded to `dags/` in the DAGs bucket.
   * `tests/`, `__pycache__/` and `*.pyc` are left out, and objects under
   * `dags/` that are no longer in the folder are deleted.
   */
  readonly dagsPath: string;

  /**
   * Local `requirements.txt` uploaded to the root of the DAGs bucket and
   * installed by MWAA. When it names a constraints file (`--constraint`),
   * that must be `airflowVersion`'s `constraintsUrl`, so that the pins match
   * the environment's Airflow and Python versions.
   * @default - no requirements file; MWAA installs only its own image's packages
   */
  readonly requirementsPath?: string;

  /**
   * The pipeline name the DAG passes to the state machine, set in the
   * Airflow option `lakehouse.pipeline_name`: 1 to 128 letters, digits,
   * `_`, `.` and `-`, the rule the pipeline applies to its own
   * `pipelineName` (`Validate.pipelineName`).
   * @default 'lakehouse'
   */
  readonly pipelineName?: string;

  /**
   * The environment name: up to 80 letters, digits, hyphens and
   * underscores, starting with a letter.
   * @default - `naming.name(ResourceKind.MWAA_ENVIRONMENT, 'airflow')` when `naming` is given, else `lakehouse-airflow`
   */
  readonly environmentName?: string;

  /**
   * The naming convention for the environment, its role and its log group.
   * @default - `environmentName` or `lakehouse-airflow`; CloudFormation names the rest
   */
  readonly naming?: Naming;

  /**
   * The environment class: one of `MwaaSettings.ENVIRONMENT_CLASSES`.
   * @default 'mw1.small'
   */
  readonly environmentClass?: string;

  /**
   * The Apache Airflow version. An environment on 2.10.3 or earlier cannot be
   * upgraded in place to 3.x; see the package README for the upgrade paths.
   * @default AirflowVersion.V3_0_6
   */
  readonly airflowVersion?: AirflowVersion;

  /**
   * Number of schedulers: 2 to 5, or exactly 1 on `mw1.micro`.
   * @default 2 (1 on mw1.micro)
   */
  readonly schedulers?: number;

  /**
   * Workers that always run: 1 to 25, at most `maxWorkers`.
   * @default 1
   */
  readonly minWorkers?: number;

  /**
   * Workers MWAA may scale up to: 1 to 25, at least `minWorkers`
   * (exactly 1 on `mw1.micro`). Kept low because each extra worker is billed by the hour.
   * @default 2 (1 on mw1.micro)
   */
  readonly maxWorkers?: number;

  /**
   * Webservers that always run (Airflow 2.9 and later): 2 to 5, or 1 on `mw1.micro`.
   * @default - MWAA's default
   */
  readonly minWebservers?: number;

  /**
   * Webservers MWAA may scale up to (Airflow 2.9 and later): 2 to 5, or 1 on `mw1.micro`.
   * @default - MWAA's default
   */
  readonly maxWebservers?: number;

  /**
   * Start of the weekly maintenance window, in UTC: `DAY:HH:MM` with the
   * minutes on the hour or half hour, for example `SUN:03:00`.
   * @default 'SUN:03:00'
   */
  readonly weeklyMaintenanceWindowStart?: string;

  /**
   * Who can reach the Airflow UI.
   * @default WebserverAccess.PRIVATE_ONLY
   */
  readonly webserverAccess?: WebserverAccess;

  /**
   * Level of all five Airflow log types (DAG processing, scheduler, task,
   * webserver, worker), which are always enabled.
   * @default AirflowLogLevel.INFO
   */
  readonly logLevel?: AirflowLogLevel;

  /**
   * Customer managed key that MWAA encrypts the environment's data with.
   * @default - an AWS owned key (no key charges; no key policy to manage)
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * The VPC to run in. Its selected subnets must be exactly two private
   * subnets in different Availability Zones.
   * @default - a VPC is created: two AZs, public subnets (for the NAT gateways, no public IPs on launch) and private subnets, `natGateways` NAT gateways, a default security group that allows nothing, and flow logs to a log group encrypted with a key of its own
   */
  readonly vpc?: ec2.IVpc;

  /**
   * The subnets of `vpc` to run in.
   * @default - the private subnets with egress
   */
  readonly subnetSelection?: ec2.SubnetSelection;

  /**
   * NAT gateways of the created VPC: 1 or 2. One is cheaper, but when its
   * Availability Zone fails the environment loses internet egress.
   * Only used when `vpc` is not given.
   * @default 1
   */
  readonly natGateways?: number;

  /**
   * How long the created VPC keeps its flow logs. Only used when `vpc` is not given.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly flowLogRetention?: logs.RetentionDays;

  /**
   * More Airflow configuration options, keyed `section.option`. They override
   * this construct's defaults (`core.load_examples: 'False'`); the
   * `lakehouse.*` options belong to the construct and cannot be set here.
   * @default - none
   */
  readonly airflowConfigurationOptions?: { [key: string]: string };
}

/** The section of the Airflow options that the pipeline DAG reads. */
const LAKEHOUSE_SECTION = 'lakehouse';
const DAGS_PREFIX = 'dags';
const REQUIREMENTS_KEY = 'requirements.txt';
const MAINTENANCE_WINDOW_PATTERN = '(MON|TUE|WED|THU|FRI|SAT|SUN):([01][0-9]|2[0-3]):(00|30)';
const ENVIRONMENT_NAME_PATTERN = '[a-zA-Z][0-9a-zA-Z_-]*';
const CONFIGURATION_KEY_PATTERN = '[a-zA-Z0-9_]+\\.[a-zA-Z0-9_]+';
// MWAA's `aws s3 sync` of the DAGs folder must not carry local test code or bytecode.
// Each folder is named alone (for the asset staging) and with its contents (for `aws s3 sync`, where * spans slashes).
const DAGS_EXCLUDES = ['tests', 'tests/*', '*/tests', '*/tests/*', '__pycache__', '__pycache__/*', '*/__pycache__', '*/__pycache__/*', '*.pyc'];

/**
 * An Amazon MWAA environment that runs the lakehouse pipeline DAG: it starts
 * the pipeline state machine and waits for it.
 *
 * The environment runs in two private subnets (of a VPC it creates, or of
 * yours), with a self-referencing security group, a least-privilege execution
 * role, all five Airflow log types on, and the local DAGs folder uploaded to
 * the DAGs bucket on every deploy.
 */
export class MwaaEnvironment extends Construct {
  /** The environment name. */
  public readonly environmentName: string;
  /** The environment ARN. */
  public readonly environmentArn: string;
  /** The Airflow UI host name (without `https://`). */
  public readonly webserverUrl: string;
  /** The security group of the environment; it accepts traffic only from itself. */
  public readonly securityGroup: ec2.ISecurityGroup;
  /** The execution role of the environment; grant it what the DAGs need. */
  public readonly role: iam.IRole;
  /** The VPC the environment runs in. */
  public readonly vpc: ec2.IVpc;

  constructor(scope: Construct, id: string, props: MwaaEnvironmentProps) {
    super(scope, id);
    checkPropTypes(this, props);

    const environmentClass = props.environmentClass ?? MwaaSettings.DEFAULT_ENVIRONMENT_CLASS;
    const airflowVersion = props.airflowVersion ?? AirflowVersion.V3_0_6;
    const micro = environmentClass === MwaaSettings.MICRO_CLASS;
    const schedulers = props.schedulers ?? (micro ? 1 : 2);
    const minWorkers = props.minWorkers ?? 1;
    const maxWorkers = props.maxWorkers ?? (micro ? 1 : 2);
    const maintenanceWindow = props.weeklyMaintenanceWindowStart ?? 'SUN:03:00';
    const webserverAccess = props.webserverAccess ?? WebserverAccess.PRIVATE_ONLY;
    const logLevel = props.logLevel ?? AirflowLogLevel.INFO;
    const pipelineName = props.pipelineName ?? 'lakehouse';
    const name = props.environmentName
      ?? props.naming?.name(ResourceKind.MWAA_ENVIRONMENT, 'airflow')
      ?? 'lakehouse-airflow';

    this.validateEnvironment({ name, environmentClass, airflowVersion, micro, schedulers, minWorkers, maxWorkers, maintenanceWindow, logLevel, webserverAccess, pipelineName, props });
    this.validateLocalFiles(props, airflowVersion);
    const configuration = this.configurationOptions(props, pipelineName);

    this.environmentName = name;
    this.vpc = props.vpc ?? this.createVpc(props);
    const subnetIds = this.selectSubnets(props);

    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: this.vpc,
      description: `MWAA environment ${name}: its components talk only to each other`,
      // MWAA reaches S3, SQS, CloudWatch, KMS and its metadata database over HTTPS and PostgreSQL; their endpoints are not known here.
      allowAllOutbound: true,
    });
    // MWAA requires the environment's security group to accept all traffic from itself (scheduler, workers, webserver, database).
    securityGroup.addIngressRule(securityGroup, ec2.Port.allTraffic(), 'MWAA components reach each other');
    NagAcknowledgements.complianceRule(securityGroup, 'EC2RestrictedCommonPorts',
      'The only ingress rule is the self-reference MWAA requires: all traffic from this security group itself (scheduler, workers, webserver and metadata database talk to each other); no address range can reach any port.');
    this.securityGroup = securityGroup;

    const environmentArn = Stack.of(this).formatArn({
      service: 'airflow',
      resource: 'environment',
      resourceName: name,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    const role = this.createExecutionRole(props, name, environmentArn);
    this.role = role;

    const deployments = this.deployDags(props);

    const logType = { enabled: true, logLevel };
    const environment = new mwaa.CfnEnvironment(this, 'Resource', {
      name,
      airflowVersion: airflowVersion.version,
      environmentClass,
      schedulers,
      minWorkers,
      maxWorkers,
      minWebservers: props.minWebservers,
      maxWebservers: props.maxWebservers,
      weeklyMaintenanceWindowStart: maintenanceWindow,
      webserverAccessMode: webserverAccess,
      executionRoleArn: role.roleArn,
      sourceBucketArn: props.dagsBucket.bucketArn,
      dagS3Path: DAGS_PREFIX,
      requirementsS3Path: props.requirementsPath !== undefined ? REQUIREMENTS_KEY : undefined,
      kmsKey: props.encryptionKey?.keyArn,
      networkConfiguration: {
        subnetIds,
        securityGroupIds: [securityGroup.securityGroupId],
      },
      loggingConfiguration: {
        dagProcessingLogs: logType,
        schedulerLogs: logType,
        taskLogs: logType,
        webserverLogs: logType,
        workerLogs: logType,
      },
      airflowConfigurationOptions: configuration,
    });
    // MWAA checks the role's permissions and the DAGs while it creates the environment.
    environment.node.addDependency(role);
    for (const deployment of deployments) environment.node.addDependency(deployment);

    this.environmentArn = environment.attrArn;
    this.webserverUrl = environment.attrWebserverUrl;

    CostAllocationTags.tagLayer(this, 'orchestration');
  }

  private validateEnvironment(v: {
    name: string; environmentClass: string; airflowVersion: AirflowVersion; micro: boolean; schedulers: number;
    minWorkers: number; maxWorkers: number; maintenanceWindow: string; logLevel: string; webserverAccess: string;
    pipelineName: string; props: MwaaEnvironmentProps;
  }): void {
    Validate.length('environmentName', v.name, 1, 80, this);
    Validate.matches('environmentName', v.name, ENVIRONMENT_NAME_PATTERN,
      'must start with a letter and hold only letters, digits, hyphens and underscores (MWAA environment name)', this);
    Validate.oneOf('environmentClass', v.environmentClass, MwaaSettings.ENVIRONMENT_CLASSES, this);
    AirflowVersion.of(v.airflowVersion.version);
    Validate.oneOf('logLevel', v.logLevel, Object.values(AirflowLogLevel), this);
    Validate.oneOf('webserverAccess', v.webserverAccess, Object.values(WebserverAccess), this);
    Validate.matches('weeklyMaintenanceWindowStart', v.maintenanceWindow, MAINTENANCE_WINDOW_PATTERN,
      'must be DAY:HH:MM in UTC with DAY one of MON..SUN and MM 00 or 30 (MWAA maintenance windows start on the half hour)', this);
    Validate.pipelineName('pipelineName', v.pipelineName, this);

    if (v.micro) {
      // mw1.micro runs one combined scheduler and worker and does not autoscale.
      Validate.integerInRange('schedulers', v.schedulers, 1, 1, this);
      Validate.integerInRange('minWorkers', v.minWorkers, 1, 1, this);
      Validate.integerInRange('maxWorkers', v.maxWorkers, 1, 1, this);
    } else {
      Validate.integerInRange('schedulers', v.schedulers, 2, 5, this);
      Validate.integerInRange('minWorkers', v.minWorkers, 1, 25, this);
      Validate.integerInRange('maxWorkers', v.maxWorkers, 1, 25, this);
    }
    Validate.minMax('minWorkers', v.minWorkers, 'maxWorkers', v.maxWorkers, this);

    const { minWebservers, maxWebservers } = v.props;
    if (minWebservers !== undefined || maxWebservers !== undefined) {
      if (compareVersions(v.airflowVersion.version, MwaaSettings.WEBSERVER_SCALING_SINCE) < 0) {
        const prop = minWebservers !== undefined ? 'minWebservers' : 'maxWebservers';
        Validate.fail(prop, String(minWebservers ?? maxWebservers),
          `is only accepted by MWAA for Airflow ${MwaaSettings.WEBSERVER_SCALING_SINCE} and later (airflowVersion is ${v.airflowVersion})`, this);
      }
      const [low, high] = v.micro ? [1, 1] : [2, 5];
      if (minWebservers !== undefined) Validate.integerInRange('minWebservers', minWebservers, low, high, this);
      if (maxWebservers !== undefined) Validate.integerInRange('maxWebservers', maxWebservers, low, high, this);
      if (minWebservers !== undefined && maxWebservers !== undefined) {
        Validate.minMax('minWebservers', minWebservers, 'maxWebservers', maxWebservers, this);
      }
    }

    if (v.props.vpc === undefined) {
      Validate.integerInRange('natGateways', v.props.natGateways ?? 1, 1, 2, this);
    } else {
      if (v.props.natGateways !== undefined) {
        Validate.fail('natGateways', String(v.props.natGateways), 'is only used when the construct creates the VPC; leave it out with vpc', this);
      }
      if (v.props.flowLogRetention !== undefined) {
        Validate.fail('flowLogRetention', String(v.props.flowLogRetention), 'is only used when the construct creates the VPC; leave it out with vpc', this);
      }
    }
    if (v.props.vpc === undefined && v.props.subnetSelection !== undefined) {
      Validate.fail('subnetSelection', describeSelection(v.props.subnetSelection), 'needs vpc; the created VPC always uses its two private subnets', this);
    }

  }

  private validateLocalFiles(props: MwaaEnvironmentProps, airflowVersion: AirflowVersion): void {
    if (!fs.existsSync(props.dagsPath) || !fs.statSync(props.dagsPath).isDirectory()) {
      Validate.fail('dagsPath', JSON.stringify(props.dagsPath), 'must be an existing local folder of DAG files', this);
    }
    if (props.requirementsPath !== undefined
      && (!fs.existsSync(props.requirementsPath) || !fs.statSync(props.requirementsPath).isFile())) {
      Validate.fail('requirementsPath', JSON.stringify(props.requirementsPath), 'must be an existing local requirements.txt file', this);
    }
    if (props.requirementsPath !== undefined) {
      // MWAA installs requirements.txt on top of its image; constraints of another version would pin packages its Airflow cannot run.
      const constraints = fs.readFileSync(props.requirementsPath, 'utf8').split(/\r?\n/)
        .map(line => /^\s*(?:-c|--constraint)[\s=]+"?([^"\s]+)"?/.exec(line)?.[1])
        .filter((url): url is string => url !== undefined);
      for (const url of constraints) {
        if (url !== airflowVersion.constraintsUrl) {
          Validate.fail('requirementsPath', `${JSON.stringify(props.requirementsPath)} (--constraint ${url})`,
            `must name the constraints of airflowVersion ${airflowVersion.version}: ${airflowVersion.constraintsUrl}`, this);
        }
      }
    }
  }

  private configurationOptions(props: MwaaEnvironmentProps, pipelineName: string): { [key: string]: string } {
    const userOptions = props.airflowConfigurationOptions ?? {};
    for (const [key, value] of Object.entries(userOptions)) {
      Validate.matches('airflowConfigurationOptions', key, CONFIGURATION_KEY_PATTERN,
        'keys must be section.option (letters, digits and underscores on each side of one dot)', this);
      if (key.startsWith(`${LAKEHOUSE_SECTION}.`)) {
        Validate.fail('airflowConfigurationOptions', JSON.stringify(key),
          `must not set the ${LAKEHOUSE_SECTION}.* options: the construct sets them from stateMachine, pipelineName and requirementsPath`, this);
      }
      if (typeof value !== 'string') {
        Validate.fail('airflowConfigurationOptions', `${key}=${JSON.stringify(value)}`, 'values must be strings', this);
      }
    }
    const options: { [key: string]: string } = {
      'core.load_examples': 'False',
      ...userOptions,
      [`${LAKEHOUSE_SECTION}.state_machine_arn`]: props.stateMachine.stateMachineArn,
      [`${LAKEHOUSE_SECTION}.pipeline_name`]: pipelineName,
    };
    if (props.requirementsPath !== undefined) {
      // MWAA installs the latest requirements.txt version only when the environment is updated;
      // a changed hash makes CloudFormation update it whenever the file changes.
      const digest = createHash('sha256').update(fs.readFileSync(props.requirementsPath)).digest('hex');
      options[`${LAKEHOUSE_SECTION}.requirements_sha256`] = digest;
    }
    return options;
  }

  private createVpc(props: MwaaEnvironmentProps): ec2.IVpc {
    const stack = Stack.of(this);
    const removalPolicy = DataRetention.removalPolicy(this);
    // A known name, so that the key policy can name the log group without a reference back to it.
    const flowLogGroupName = props.naming?.name(ResourceKind.LOG_GROUP, 'mwaa-vpc-flow-logs')
      ?? `/lakehouse/vpc-flow-logs/${Names.uniqueResourceName(this, { maxLength: 200, separator: '-' })}`;
    const flowLogKey = new kms.Key(this, 'FlowLogKey', {
      description: `Encrypts the VPC flow logs ${flowLogGroupName}`,
      enableKeyRotation: true,
      removalPolicy,
    });
    LogEncryption.allowLogGroup(flowLogKey, flowLogGroupName, 'AllowCloudWatchLogsForFlowLogs');
    const flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      logGroupName: flowLogGroupName,
      retention: props.flowLogRetention ?? logs.RetentionDays.ONE_MONTH,
      encryptionKey: flowLogKey,
      removalPolicy,
    });
    const flowLogRole = new iam.Role(this, 'FlowLogRole', {
      description: `Delivers the flow logs of the MWAA VPC to ${flowLogGroupName}`,
      // The flow log's id is known only once it exists, and it refers to this role: any flow log of this account and region.
      assumedBy: ServiceTrust.principal(this, 'vpc-flow-logs.amazonaws.com', {
        sourceArn: stack.formatArn({ service: 'ec2', resource: 'vpc-flow-log', resourceName: '*' }),
      }),
    });
    const vpc = new ec2.Vpc(this, 'Vpc', {
      // MWAA needs exactly two private subnets in two Availability Zones.
      maxAzs: 2,
      natGateways: props.natGateways ?? 1,
      subnetConfiguration: [
        // The public subnets hold only the NAT gateways, whose addresses are Elastic IPs: nothing launched there gets a public IP.
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
      ],
      // The default security group is used by nothing here; with no rules it can't be used to reach anything.
      restrictDefaultSecurityGroup: true,
      flowLogs: {
        AllTraffic: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup, flowLogRole),
          trafficType: ec2.FlowLogTrafficType.ALL,
        },
      },
    });
    for (const subnet of vpc.publicSubnets) {
      const route = subnet.node.tryFindChild('DefaultRoute');
      if (route) {
        NagAcknowledgements.complianceRule(route, 'VPCNoUnrestrictedRouteToIGW',
          'This is the route of a public subnet that holds only a NAT gateway: the NAT gateway reaches the internet through the internet gateway, and the private subnets MWAA runs in reach the internet only through it (MWAA installs requirements and calls AWS APIs).');
      }
    }
    NagAcknowledgements.inlineDefaultPolicies(flowLogRole);
    return vpc;
  }

  private selectSubnets(props: MwaaEnvironmentProps): string[] {
    const selection = props.subnetSelection ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    let selected: ec2.SelectedSubnets;
    try {
      selected = this.vpc.selectSubnets(selection);
    } catch (error) {
      Validate.fail('subnetSelection', describeSelection(selection),
        `selects no subnets of the VPC (${(error as Error).message})`, this);
      return [];
    }
    rejectPublicSubnets(this, this.vpc, selection, selected);
    if (props.vpc === undefined) return selected.subnetIds;

    const ids = selected.subnetIds;
    if (ids.length !== 2) {
      Validate.fail('subnetSelection', `${ids.length} subnets (${ids.join(', ')})`,
        'must select exactly two private subnets (MWAA runs in two subnets in different Availability Zones)', this);
    }
    const zones = selected.subnets.map(availabilityZoneOf);
    const zonesKnown = zones.length === ids.length && zones.every(zone => zone !== undefined && !Token.isUnresolved(zone));
    if (zonesKnown && new Set(zones).size !== zones.length) {
      Validate.fail('subnetSelection', `subnets in ${zones.join(', ')}`,
        'must select subnets in two different Availability Zones (MWAA requirement)', this);
    }
    return ids;
  }

  private createExecutionRole(props: MwaaEnvironmentProps, name: string, environmentArn: string): iam.Role {
    const stack = Stack.of(this);
    // MWAA assumes the role for this environment only: its ARN is built from the name, known before the environment exists.
    const trust = { sourceArn: environmentArn };
    const role = new iam.Role(this, 'ExecutionRole', {
      roleName: props.naming?.name(ResourceKind.IAM_ROLE, 'airflow-execution'),
      description: `Execution role of the MWAA environment ${name}`,
      assumedBy: new iam.CompositePrincipal(
        ServiceTrust.principal(this, 'airflow.amazonaws.com', trust),
        ServiceTrust.principal(this, 'airflow-env.amazonaws.com', trust),
      ),
    });
    const wildcards: WildcardResource[] = [];

    // The pipeline: start the state machine, and follow its executions.
    props.stateMachine.grantStartExecution(role);
    props.stateMachine.grantExecution(role, 'states:DescribeExecution');
    wildcards.push({
      resource: executionsOf(props.stateMachine),
      reason: 'Execution ARNs are named at run time; the wildcard is limited to the executions of the pipeline state machine, which the DAG sensor polls with states:DescribeExecution.',
    });

    // MWAA reads the DAGs folder and requirements.txt (as its execution-role documentation lists: GetObject*, GetBucket*, List*).
    const bucket = props.dagsBucket;
    const dagObjects = bucket.arnForObjects(`${DAGS_PREFIX}/*`);
    const readResources = [bucket.bucketArn, dagObjects];
    if (props.requirementsPath !== undefined) readResources.push(bucket.arnForObjects(REQUIREMENTS_KEY));
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject*', 's3:GetBucket*', 's3:List*'], resources: readResources }));
    wildcards.push({ resource: dagObjects, reason: 'MWAA syncs every DAG file under dags/ of the DAGs bucket; the file names are not known when the role is made.' });
    NagAcknowledgements.wildcardActions(role, ['s3:GetObject*', 's3:GetBucket*', 's3:List*'].map(action => ({
      action,
      reason: 'The read actions MWAA documents for its execution role on the DAGs bucket (object versions, bucket versioning and public-access checks, listing); limited to that bucket, its dags/ prefix and requirements.txt.',
    })));
    if (bucket.encryptionKey) {
      role.addToPolicy(new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [bucket.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
      }));
    }
    // An account-level setting has no resource ARN; MWAA checks it before using the bucket.
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetAccountPublicAccessBlock'], resources: ['*'] }));

    // CloudWatch Logs: MWAA creates its log groups airflow-<environment>-<LogType>.
    const logGroups = stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: `airflow-${name}-*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    role.addToPolicy(new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:CreateLogGroup', 'logs:PutLogEvents', 'logs:GetLogEvents',
        'logs:GetLogRecord', 'logs:GetLogGroupFields', 'logs:GetQueryResults'],
      resources: [logGroups],
    }));
    wildcards.push({ resource: logGroups, reason: 'MWAA creates one log group per log type, named airflow-<environment>-<LogType>, and their streams at run time; the wildcard is limited to this environment.' });
    // DescribeLogGroups is a list call and accepts no log-group resource.
    role.addToPolicy(new iam.PolicyStatement({ actions: ['logs:DescribeLogGroups'], resources: ['*'] }));
    // PutMetricData accepts no resource; the namespace condition keeps it to MWAA's own metrics.
    role.addToPolicy(new iam.PolicyStatement({
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringEquals: { 'cloudwatch:namespace': 'AmazonMWAA' } },
    }));
    role.addToPolicy(new iam.PolicyStatement({ actions: ['airflow:PublishMetrics'], resources: [environmentArn] }));

    // The Celery task queue lives in an MWAA-owned account, so its account id is unknown here.
    const celeryQueues = `arn:${stack.partition}:sqs:${stack.region}:*:airflow-celery-*`;
    role.addToPolicy(new iam.PolicyStatement({
      actions: ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl', 'sqs:ReceiveMessage', 'sqs:SendMessage'],
      resources: [celeryQueues],
    }));
    wildcards.push({ resource: celeryQueues, reason: 'MWAA queues Airflow tasks in an SQS queue airflow-celery-* that it creates in an AWS-owned account; neither the account nor the full name is known (MWAA execution-role documentation).' });

    const keyActions = ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey*', 'kms:Encrypt'];
    const viaSqs = { StringLike: { 'kms:ViaService': [`sqs.${stack.region}.amazonaws.com`] } };
    if (props.encryptionKey) {
      role.addToPolicy(new iam.PolicyStatement({ actions: keyActions, resources: [props.encryptionKey.keyArn], conditions: viaSqs }));
    } else {
      // With the AWS owned key the queue's key lives in an MWAA account: allow any key outside this
      // account, and only when SQS uses it on the role's behalf (MWAA execution-role documentation).
      role.addToPolicy(new iam.PolicyStatement({
        actions: keyActions,
        notResources: [`arn:${stack.partition}:kms:*:${stack.account}:key/*`],
        conditions: viaSqs,
      }));
    }
    NagAcknowledgements.wildcardActions(role, [{
      action: 'kms:GenerateDataKey*',
      reason: 'SQS asks for GenerateDataKey and GenerateDataKeyWithoutPlaintext when it encrypts the Celery messages; allowed only through sqs.<region>.amazonaws.com.',
    }]);

    NagAcknowledgements.guardWildcardResource(role, NagAcknowledgements.defaultPolicyOf(role)!.document, [
      { action: 's3:GetAccountPublicAccessBlock', reason: 'An account-level setting with no resource ARN; MWAA checks it before it uses the DAGs bucket.' },
      { action: 'logs:DescribeLogGroups', reason: 'A list call that accepts no log-group resource.' },
      { action: 'cloudwatch:PutMetricData', reason: 'Accepts no resource ARN; the cloudwatch:namespace condition limits it to the AmazonMWAA namespace.' },
    ]);
    NagAcknowledgements.wildcardResources(role, wildcards);
    NagAcknowledgements.inlineDefaultPolicies(role);
    return role;
  }

  private deployDags(props: MwaaEnvironmentProps): s3deploy.BucketDeployment[] {
    const dags = new s3deploy.BucketDeployment(this, 'DagsDeployment', {
      sources: [s3deploy.Source.asset(path.resolve(props.dagsPath), { exclude: DAGS_EXCLUDES })],
      destinationBucket: props.dagsBucket,
      destinationKeyPrefix: `${DAGS_PREFIX}/`,
      exclude: DAGS_EXCLUDES,
      // A DAG removed from the folder must stop running, so its object goes too.
      prune: true,
      // DAG files are code that is also in version control; the bucket keeps its versions.
      retainOnDelete: true,
    });
    const deployments = [dags];
    if (props.requirementsPath !== undefined) {
      deployments.push(new s3deploy.BucketDeployment(this, 'RequirementsDeployment', {
        sources: [s3deploy.Source.data(REQUIREMENTS_KEY, fs.readFileSync(props.requirementsPath, 'utf8'))],
        destinationBucket: props.dagsBucket,
        // The file sits at the bucket root beside dags/, which this deployment must leave alone.
        prune: false,
        retainOnDelete: true,
      }));
    }
    for (const deployment of deployments) this.acknowledgeDeploymentHandler(deployment);
    return deployments;
  }

  /**
   * The upload runs in a Lambda function that aws-cdk-lib shares between the
   * deployments of a stack; its findings are acknowledged on that function.
   */
  private acknowledgeDeploymentHandler(deployment: s3deploy.BucketDeployment): void {
    const role = deployment.handlerRole;
    const handler = role.node.scope;
    if (handler === undefined) return;
    NagAcknowledgements.acknowledge(role, {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'The aws-cdk-lib BucketDeployment handler writes its own logs with the AWS managed basic execution policy; it has no other managed policy.',
    });
    NagAcknowledgements.acknowledge(handler, {
      id: 'AwsSolutions-L1',
      reason: 'The runtime of the BucketDeployment handler is chosen by aws-cdk-lib (it bundles the AWS CLI layer) and moves forward with aws-cdk-lib upgrades.',
    });
    NagAcknowledgements.complianceRule(handler, 'LambdaConcurrency',
      'The aws-cdk-lib BucketDeployment handler runs only during a CloudFormation deployment of this stack, once per DAG upload; nothing else invokes it, so there is no load to bound.');
    NagAcknowledgements.complianceRule(handler, 'LambdaDLQ',
      'The aws-cdk-lib BucketDeployment handler is invoked synchronously by CloudFormation as a custom resource: a failure fails and rolls back the deployment, and there is no asynchronous event to keep in a dead-letter queue.');
    NagAcknowledgements.complianceRule(handler, 'LambdaInsideVPC',
      'The aws-cdk-lib BucketDeployment handler copies the DAG files from the CDK asset bucket to the DAGs bucket over the S3 API and answers CloudFormation at a pre-signed URL; its function is not configurable into this VPC, whose private subnets would only add NAT traffic.');
    NagAcknowledgements.inlineDefaultPolicies(role);
    const policy = NagAcknowledgements.defaultPolicyOf(role);
    if (policy !== undefined) {
      NagAcknowledgements.policyWildcards(role, policy, {
        // With a DAGs bucket encrypted by a customer key, aws-cdk-lib adds the key actions of an S3 read-write grant.
        actions: ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*', 's3:PutObject*', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
        // Object-level resources only: any other wildcard aws-cdk-lib might add stays reported.
        resourceSuffixes: ['/*'],
        reason: 'The BucketDeployment handler copies the DAG files from the CDK asset bucket to the DAGs bucket and deletes pruned ones; aws-cdk-lib grants it object-level read on the asset and write on the destination, whose object names are only known at deploy time.',
      });
    }
  }
}

/**
 * The ARN pattern of the executions of `stateMachine`, written as
 * `grantExecution` writes it, so that the acknowledgement names the same
 * resource as the grant.
 */
function executionsOf(stateMachine: sfn.IStateMachine): string {
  const name = Arn.split(stateMachine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName;
  return `${Stack.of(stateMachine).formatArn({ resource: 'execution', service: 'states', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME })}:*`;
}

/** The subnet's Availability Zone, or undefined when an imported subnet was given none. */
function availabilityZoneOf(subnet: ec2.ISubnet): string | undefined {
  try {
    return subnet.availabilityZone;
  } catch {
    return undefined;
  }
}
