import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Naming } from '@lakehouse-cdk/core';
import { asList, expectValidationError, formatFindings, policyStatements, synth } from '@lakehouse-cdk/testing';
import { App, Fn, Stack, Tags } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { AirflowLogLevel, AirflowVersion, MwaaEnvironment, MwaaSettings, WebserverAccess } from '../src';
import {
  appFindings, buildEnvironment, DAGS_PATH, existingVpc, layerInputs,
  REQUIREMENTS_PATH, STATE_MACHINE_ARN, stackFindings, withCompliancePacks,
} from './support';

const LOG_TYPES = ['DagProcessingLogs', 'SchedulerLogs', 'TaskLogs', 'WebserverLogs', 'WorkerLogs'];

function environmentProperties(template: Template): any {
  const environments = Object.values(template.findResources('AWS::MWAA::Environment'));
  expect(environments).toHaveLength(1);
  return (environments[0] as any).Properties;
}

function statementsWith(template: Template, actionPrefix: string): any[] {
  return policyStatements(template)
    .map(s => s.statement)
    .filter(s => asList<string>(s.Action).some(a => a.startsWith(actionPrefix)));
}

function executionRoleStatements(template: Template): any[] {
  return policyStatements(template).filter(s => s.policy.startsWith('AirflowExecutionRole')).map(s => s.statement);
}

function executionRoleId(template: Template): string {
  const ids = Object.keys(template.findResources('AWS::IAM::Role')).filter(id => id.startsWith('AirflowExecutionRole'));
  expect(ids).toHaveLength(1);
  return ids[0];
}

function environmentId(template: Template): string {
  return Object.keys(template.findResources('AWS::MWAA::Environment'))[0];
}

describe('MwaaEnvironment defaults', () => {
  let template: Template;
  let props: any;
  beforeAll(() => {
    template = synth(stack => buildEnvironment(stack)).template;
    props = environmentProperties(template);
  });

  test('environment class is mw1.small', () => expect(props.EnvironmentClass).toBe('mw1.small'));
  test('Airflow version is 3.0.6, the newest that CloudFormation accepts', () => {
    expect(props.AirflowVersion).toBe('3.0.6');
    expect(AirflowVersion.all().map(v => v.version)).toContain(props.AirflowVersion);
  });
  test('two schedulers', () => expect(props.Schedulers).toBe(2));
  test('one to two workers', () => {
    expect(props.MinWorkers).toBe(1);
    expect(props.MaxWorkers).toBe(2);
  });
  test('webserver counts are left to MWAA', () => {
    expect(props.MinWebservers).toBeUndefined();
    expect(props.MaxWebservers).toBeUndefined();
  });
  test('maintenance window starts on Sunday at 03:00', () => expect(props.WeeklyMaintenanceWindowStart).toBe('SUN:03:00'));
  test('the Airflow UI is private', () => expect(props.WebserverAccessMode).toBe('PRIVATE_ONLY'));
  test('name is lakehouse-airflow', () => expect(props.Name).toBe('lakehouse-airflow'));
  test('the AWS owned key encrypts the environment', () => expect(props.KmsKey).toBeUndefined());
  test('all five log types are enabled at INFO', () => {
    for (const type of LOG_TYPES) {
      expect(props.LoggingConfiguration[type]).toEqual({ Enabled: true, LogLevel: 'INFO' });
    }
    expect(Object.keys(props.LoggingConfiguration).sort()).toEqual([...LOG_TYPES].sort());
  });
  test('DAGs are read from dags/ of the DAGs bucket, with no requirements file', () => {
    expect(props.DagS3Path).toBe('dags');
    expect(props.SourceBucketArn).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::lakehouse-sandbox-dags']] });
    expect(props.RequirementsS3Path).toBeUndefined();
    expect(props.RequirementsS3ObjectVersion).toBeUndefined();
  });
  test('runs in the two private subnets of the created VPC with its own security group', () => {
    const privateSubnets = Object.entries(template.findResources('AWS::EC2::Subnet'))
      .filter(([, subnet]) => (subnet as any).Properties.Tags.some((tag: any) => tag.Key === 'aws-cdk:subnet-type' && tag.Value === 'Private'))
      .map(([id]) => ({ Ref: id }));
    expect(privateSubnets).toHaveLength(2);
    expect(props.NetworkConfiguration.SubnetIds).toEqual(privateSubnets);
    const groups = Object.keys(template.findResources('AWS::EC2::SecurityGroup'));
    expect(groups).toHaveLength(1);
    expect(props.NetworkConfiguration.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [groups[0], 'GroupId'] }]);
  });
  test('Airflow options carry the state machine ARN, the pipeline name and no examples', () => {
    expect(props.AirflowConfigurationOptions).toEqual({
      'core.load_examples': 'False',
      'lakehouse.state_machine_arn': STATE_MACHINE_ARN,
      'lakehouse.pipeline_name': 'lakehouse',
    });
  });
  test('the security group accepts all traffic from itself only, and sends anywhere', () => {
    const groupId = Object.keys(template.findResources('AWS::EC2::SecurityGroup'))[0];
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: '-1',
      GroupId: { 'Fn::GetAtt': [groupId, 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [groupId, 'GroupId'] },
    });
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 1);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupEgress: [{ CidrIp: '0.0.0.0/0', IpProtocol: '-1' }],
    });
    const group = template.findResources('AWS::EC2::SecurityGroup')[groupId] as any;
    expect(group.Properties.SecurityGroupIngress).toBeUndefined();
  });
  test('the VPC has two AZs of public and private subnets, one NAT gateway and flow logs kept a month', () => {
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EC2::Subnet', 4);
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.hasResourceProperties('AWS::EC2::FlowLog', {
      ResourceType: 'VPC',
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
    });
    template.hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 30 }, DeletionPolicy: 'Retain' });
  });
  test('without naming, CloudFormation names the execution role, and the flow-log group gets a name unique to the construct', () => {
    const role = template.findResources('AWS::IAM::Role')[executionRoleId(template)] as any;
    expect(role.Properties).not.toHaveProperty('RoleName');
    const logGroups = Object.values(template.findResources('AWS::Logs::LogGroup')) as any[];
    expect(logGroups).toHaveLength(1);
    expect(logGroups[0].Properties.LogGroupName).toMatch(/^\/lakehouse\/vpc-flow-logs\/Test-Airflow-[A-Za-z0-9]{8}$/);
  });
  test('the public subnets assign no public IP on launch: they hold only the NAT gateways', () => {
    const subnets = Object.values(template.findResources('AWS::EC2::Subnet')) as any[];
    const publicSubnets = subnets.filter(subnet => subnet.Properties.Tags.some((tag: any) => tag.Key === 'aws-cdk:subnet-type' && tag.Value === 'Public'));
    expect(publicSubnets).toHaveLength(2);
    for (const subnet of subnets) expect(subnet.Properties.MapPublicIpOnLaunch).toBe(false);
  });
  test('the default security group is emptied of its rules', () => {
    template.resourceCountIs('Custom::VpcRestrictDefaultSG', 1);
    template.hasResourceProperties('Custom::VpcRestrictDefaultSG', { DefaultSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AirflowVpc'), 'DefaultSecurityGroup'] } });
  });
  test('the flow logs go to a log group encrypted with a key of their own, whose policy allows CloudWatch Logs for that log group only', () => {
    const [logGroup] = Object.values(template.findResources('AWS::Logs::LogGroup')) as any[];
    const keys = template.findResources('AWS::KMS::Key');
    const [keyId] = Object.keys(keys);
    expect(Object.keys(keys)).toHaveLength(1);
    expect(logGroup.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    expect((keys[keyId] as any).Properties.EnableKeyRotation).toBe(true);
    const logsStatement = (keys[keyId] as any).Properties.KeyPolicy.Statement.find((st: any) => st.Principal?.Service === 'logs.eu-west-1.amazonaws.com');
    expect(logsStatement.Condition.ArnEquals['kms:EncryptionContext:aws:logs:arn']).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' },
      `:logs:eu-west-1:123456789012:log-group:${logGroup.Properties.LogGroupName}`]] });
  });
  test('the flow-log role may be assumed for flow logs of this account and region only', () => {
    const [flowLog] = Object.values(template.findResources('AWS::EC2::FlowLog')) as any[];
    const roleId = flowLog.Properties.DeliverLogsPermissionArn['Fn::GetAtt'][0];
    expect(roleId).toMatch(/^AirflowFlowLogRole/);
    const role = template.findResources('AWS::IAM::Role')[roleId] as any;
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([{
      Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'vpc-flow-logs.amazonaws.com' },
      Condition: {
        StringEquals: { 'aws:SourceAccount': '123456789012' },
        ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ec2:eu-west-1:123456789012:vpc-flow-log/*']] } },
      },
    }]);
  });
  test('the execution role trusts MWAA and its environments, for this environment of this account only', () => {
    const role = template.findResources('AWS::IAM::Role')[executionRoleId(template)] as any;
    const statements = role.Properties.AssumeRolePolicyDocument.Statement;
    const services = statements.map((s: any) => s.Principal.Service).sort();
    expect(services).toEqual(['airflow-env.amazonaws.com', 'airflow.amazonaws.com']);
    for (const statement of statements) {
      expect(statement.Condition).toEqual({
        StringEquals: { 'aws:SourceAccount': '123456789012' },
        ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':airflow:eu-west-1:123456789012:environment/lakehouse-airflow']] } },
      });
    }
  });
  test('the environment uses the execution role and waits for its policy and the DAG upload', () => {
    const environment = Object.values(template.findResources('AWS::MWAA::Environment'))[0] as any;
    const roleId = executionRoleId(template);
    expect(environment.Properties.ExecutionRoleArn).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
    const deployment = Object.keys(template.findResources('Custom::CDKBucketDeployment'))[0];
    expect(environment.DependsOn).toEqual(expect.arrayContaining([deployment, roleId, expect.stringMatching(/^AirflowExecutionRoleDefaultPolicy/)]));
  });
  test('the DAGs folder goes to dags/, pruned and kept on delete, without tests and bytecode', () => {
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketName: 'lakehouse-sandbox-dags',
      DestinationBucketKeyPrefix: 'dags/',
      Prune: true,
      RetainOnDelete: true,
      Exclude: Match.arrayWith(['tests/*', '__pycache__/*', '*.pyc']),
    });
    template.resourceCountIs('Custom::CDKBucketDeployment', 1);
  });
  test('the environment carries the orchestration Layer tag as a tag map', () => {
    expect(props.Tags).toEqual(expect.objectContaining({ Layer: 'orchestration' }));
  });
});

describe('MwaaEnvironment props', () => {
  test('every sizing and access prop reaches the environment', () => {
    const { template } = synth(stack => buildEnvironment(stack, {
      environmentName: 'Analytics_Airflow-1',
      environmentClass: 'mw1.large',
      airflowVersion: AirflowVersion.V2_10_1,
      schedulers: 3,
      minWorkers: 2,
      maxWorkers: 10,
      minWebservers: 2,
      maxWebservers: 4,
      weeklyMaintenanceWindowStart: 'WED:22:30',
      webserverAccess: WebserverAccess.PUBLIC_ONLY,
      logLevel: AirflowLogLevel.WARNING,
      pipelineName: 'daily-events',
    }));
    const props = environmentProperties(template);
    expect(props).toEqual(expect.objectContaining({
      Name: 'Analytics_Airflow-1',
      EnvironmentClass: 'mw1.large',
      AirflowVersion: '2.10.1',
      Schedulers: 3,
      MinWorkers: 2,
      MaxWorkers: 10,
      MinWebservers: 2,
      MaxWebservers: 4,
      WeeklyMaintenanceWindowStart: 'WED:22:30',
      WebserverAccessMode: 'PUBLIC_ONLY',
    }));
    for (const type of LOG_TYPES) expect(props.LoggingConfiguration[type]).toEqual({ Enabled: true, LogLevel: 'WARNING' });
    expect(props.AirflowConfigurationOptions['lakehouse.pipeline_name']).toBe('daily-events');
  });

  test('mw1.micro defaults to one scheduler and one worker', () => {
    const props = environmentProperties(synth(stack => buildEnvironment(stack, { environmentClass: 'mw1.micro' })).template);
    expect(props.Schedulers).toBe(1);
    expect(props.MinWorkers).toBe(1);
    expect(props.MaxWorkers).toBe(1);
  });

  test('naming names the environment, the execution role and the flow-log group', () => {
    const naming = new Naming({ project: 'lakehouse', environment: 'sandbox' });
    const { template } = synth(stack => buildEnvironment(stack, { naming }));
    expect(environmentProperties(template).Name).toBe('lakehouse-sandbox-airflow');
    template.hasResourceProperties('AWS::IAM::Role', { RoleName: 'lakehouse-sandbox-airflow-execution' });
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: 'lakehouse-sandbox-mwaa-vpc-flow-logs' });
  });

  test('environmentName wins over naming', () => {
    const naming = new Naming({ project: 'lakehouse', environment: 'sandbox' });
    const { template } = synth(stack => buildEnvironment(stack, { naming, environmentName: 'custom-airflow' }));
    expect(environmentProperties(template).Name).toBe('custom-airflow');
  });

  test('a customer managed key encrypts the environment and the role may use it through SQS only', () => {
    const { template } = synth(stack => {
      const key = kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555');
      buildEnvironment(stack, { encryptionKey: key });
    });
    expect(environmentProperties(template).KmsKey).toBe('arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555');
    const kmsStatements = statementsWith(template, 'kms:');
    expect(kmsStatements).toEqual([expect.objectContaining({
      Resource: 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555',
      Condition: { StringLike: { 'kms:ViaService': ['sqs.eu-west-1.amazonaws.com'] } },
    })]);
    expect(kmsStatements[0].NotResource).toBeUndefined();
  });

  test('two NAT gateways and a longer flow-log retention for the created VPC', () => {
    const { template } = synth(stack => buildEnvironment(stack, { natGateways: 2, flowLogRetention: logs.RetentionDays.THREE_MONTHS }));
    template.resourceCountIs('AWS::EC2::NatGateway', 2);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  test('requirementsPath uploads requirements.txt to the bucket root and points the environment at it', () => {
    const { template } = synth(stack => buildEnvironment(stack, { requirementsPath: REQUIREMENTS_PATH }));
    const props = environmentProperties(template);
    expect(props.RequirementsS3Path).toBe('requirements.txt');
    expect(props.AirflowConfigurationOptions['lakehouse.requirements_sha256']).toMatch(/^[0-9a-f]{64}$/);
    template.hasResourceProperties('Custom::CDKBucketDeployment', { Prune: false, RetainOnDelete: true, DestinationBucketKeyPrefix: Match.absent() });
    template.resourceCountIs('Custom::CDKBucketDeployment', 2);
    const [, environment] = Object.entries(template.findResources('AWS::MWAA::Environment'))[0] as [string, any];
    for (const deployment of Object.keys(template.findResources('Custom::CDKBucketDeployment'))) {
      expect(environment.DependsOn).toContain(deployment);
    }
  });

  test('a changed requirements file changes the environment (so MWAA installs it)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchestration-req-'));
    const file = path.join(dir, 'requirements.txt');
    fs.writeFileSync(file, 'apache-airflow-providers-amazon==9.0.0\n');
    const first = environmentProperties(synth(stack => buildEnvironment(stack, { requirementsPath: file })).template);
    fs.writeFileSync(file, 'apache-airflow-providers-amazon==9.1.0\n');
    const second = environmentProperties(synth(stack => buildEnvironment(stack, { requirementsPath: file })).template);
    expect(first.AirflowConfigurationOptions['lakehouse.requirements_sha256'])
      .not.toBe(second.AirflowConfigurationOptions['lakehouse.requirements_sha256']);
  });

  test('user Airflow options are merged and may override the defaults', () => {
    const { template } = synth(stack => buildEnvironment(stack, {
      airflowConfigurationOptions: { 'core.load_examples': 'True', 'core.default_timezone': 'utc' },
    }));
    expect(environmentProperties(template).AirflowConfigurationOptions).toEqual({
      'core.load_examples': 'True',
      'core.default_timezone': 'utc',
      'lakehouse.state_machine_arn': STATE_MACHINE_ARN,
      'lakehouse.pipeline_name': 'lakehouse',
    });
  });

  test('the staged DAGs asset holds the DAG but no tests, __pycache__ or .pyc', () => {
    const dags = fs.mkdtempSync(path.join(os.tmpdir(), 'orchestration-dags-'));
    fs.cpSync(DAGS_PATH, dags, { recursive: true });
    fs.mkdirSync(path.join(dags, '__pycache__'));
    fs.writeFileSync(path.join(dags, '__pycache__', 'fixture_pipeline.cpython-311.pyc'), 'bytecode');
    fs.writeFileSync(path.join(dags, 'stray.pyc'), 'bytecode');
    const { app } = synth(stack => buildEnvironment(stack, { dagsPath: dags }));
    const assembly = app.synth();
    const staged = fs.readdirSync(assembly.directory)
      .map(entry => path.join(assembly.directory, entry))
      .filter(entry => fs.existsSync(path.join(entry, 'fixture_pipeline.py')));
    expect(staged).toHaveLength(1);
    const files = fs.readdirSync(staged[0], { recursive: true }).map(String);
    expect(files).toEqual(['fixture_pipeline.py']);
  });

  test('Tags.of reaches the environment', () => {
    const { template } = synth(stack => {
      const environment = buildEnvironment(stack);
      Tags.of(environment).add('CostCenter', 'data-platform');
    });
    expect(environmentProperties(template).Tags).toEqual({ Layer: 'orchestration', CostCenter: 'data-platform' });
  });

  test('exposes the name, ARN, UI URL, security group, role and VPC', () => {
    let environment!: MwaaEnvironment;
    const { stack, template } = synth(s => { environment = buildEnvironment(s); });
    expect(environment.environmentName).toBe('lakehouse-airflow');
    expect(stack.resolve(environment.environmentArn)).toEqual({ 'Fn::GetAtt': [environmentId(template), 'Arn'] });
    expect(stack.resolve(environment.webserverUrl)).toEqual({ 'Fn::GetAtt': [environmentId(template), 'WebserverUrl'] });
    expect(stack.resolve(environment.securityGroup.securityGroupId)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^AirflowSecurityGroup/), 'GroupId'] });
    expect(stack.resolve(environment.role.roleArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^AirflowExecutionRole/), 'Arn'] });
    expect(stack.resolve(environment.vpc.vpcId)).toEqual({ Ref: expect.stringMatching(/^AirflowVpc/) });
  });
});

describe('MwaaEnvironment bring-your-own VPC', () => {
  test('two private subnets in different AZs are used, and no VPC is created', () => {
    let environment!: MwaaEnvironment;
    const { template } = synth(stack => {
      const vpc = existingVpc(stack, [['subnet-aaaa', 'eu-west-1a'], ['subnet-bbbb', 'eu-west-1b']]);
      environment = buildEnvironment(stack, { vpc });
    });
    expect(environmentProperties(template).NetworkConfiguration.SubnetIds).toEqual(['subnet-aaaa', 'subnet-bbbb']);
    template.resourceCountIs('AWS::EC2::VPC', 0);
    template.resourceCountIs('AWS::EC2::FlowLog', 0);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', { VpcId: 'vpc-0123456789abcdef0' });
    expect(environment.vpc.vpcId).toBe('vpc-0123456789abcdef0');
  });

  test('subnetSelection left out: the private subnets with egress, not the public or isolated ones', () => {
    const { template } = synth(stack => {
      const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Mixed', {
        vpcId: 'vpc-0123456789abcdef0',
        availabilityZones: ['eu-west-1a', 'eu-west-1b'],
        publicSubnetIds: ['subnet-pub-a', 'subnet-pub-b'],
        privateSubnetIds: ['subnet-priv-a', 'subnet-priv-b'],
        isolatedSubnetIds: ['subnet-iso-a', 'subnet-iso-b'],
      });
      buildEnvironment(stack, { vpc });
    });
    expect(environmentProperties(template).NetworkConfiguration.SubnetIds).toEqual(['subnet-priv-a', 'subnet-priv-b']);
  });

  test('subnetSelection picks two of more subnets', () => {
    const { template } = synth(stack => {
      const vpc = existingVpc(stack, [['subnet-aaaa', 'eu-west-1a'], ['subnet-bbbb', 'eu-west-1b'], ['subnet-cccc', 'eu-west-1c']]);
      buildEnvironment(stack, { vpc, subnetSelection: { availabilityZones: ['eu-west-1b', 'eu-west-1c'] } });
    });
    expect(environmentProperties(template).NetworkConfiguration.SubnetIds).toEqual(['subnet-bbbb', 'subnet-cccc']);
  });

  test.each([
    ['one subnet', [['subnet-aaaa', 'eu-west-1a']], /exactly two/],
    ['three subnets', [['subnet-aaaa', 'eu-west-1a'], ['subnet-bbbb', 'eu-west-1b'], ['subnet-cccc', 'eu-west-1c']], /exactly two/],
    ['two subnets in one AZ', [['subnet-aaaa', 'eu-west-1a'], ['subnet-bbbb', 'eu-west-1a']], /different Availability Zones/],
  ] as Array<[string, Array<[string, string]>, RegExp]>)('%s fails with a named error', (_, subnets, rule) => {
    const { message } = expectValidationError(() => synth(stack => buildEnvironment(stack, { vpc: existingVpc(stack, subnets) })), 'subnetSelection');
    expect(message).toMatch(rule);
  });

  test('a VPC without private subnets fails with a named error', () => {
    expectValidationError(() => synth(stack => {
      const vpc = ec2.Vpc.fromVpcAttributes(stack, 'PublicOnly', {
        vpcId: 'vpc-1', availabilityZones: ['eu-west-1a', 'eu-west-1b'], publicSubnetIds: ['subnet-p1', 'subnet-p2'],
      });
      buildEnvironment(stack, { vpc });
    }), 'subnetSelection');
  });

  test('subnet ids and zones known only at deploy time are not checked', () => {
    const { template } = synth(stack => {
      const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Imported', {
        vpcId: Fn.importValue('network-vpc-id'),
        availabilityZones: [Fn.select(0, Fn.getAzs()), Fn.select(1, Fn.getAzs())],
        privateSubnetIds: [Fn.importValue('network-private-a'), Fn.importValue('network-private-b')],
      });
      buildEnvironment(stack, { vpc });
    });
    expect(environmentProperties(template).NetworkConfiguration.SubnetIds)
      .toEqual([{ 'Fn::ImportValue': 'network-private-a' }, { 'Fn::ImportValue': 'network-private-b' }]);
  });

  test('explicit subnets without a known zone are not checked for zones', () => {
    const { template } = synth(stack => {
      const vpc = existingVpc(stack, [['subnet-aaaa', 'eu-west-1a'], ['subnet-bbbb', 'eu-west-1b']]);
      const subnets = [ec2.Subnet.fromSubnetId(stack, 'A', 'subnet-x1'), ec2.Subnet.fromSubnetId(stack, 'B', 'subnet-x2')];
      buildEnvironment(stack, { vpc, subnetSelection: { subnets } });
    });
    expect(environmentProperties(template).NetworkConfiguration.SubnetIds).toEqual(['subnet-x1', 'subnet-x2']);
  });
});

describe('MwaaEnvironment execution role', () => {
  let template: Template;
  let statements: any[];
  beforeAll(() => {
    template = synth(stack => buildEnvironment(stack, { requirementsPath: REQUIREMENTS_PATH })).template;
    statements = executionRoleStatements(template);
  });

  test('states actions only on the pipeline state machine and its executions', () => {
    const states = statements.filter(s => asList<string>(s.Action).some(a => a.startsWith('states:')));
    expect(states).toEqual([
      expect.objectContaining({ Action: 'states:StartExecution', Resource: STATE_MACHINE_ARN }),
      expect.objectContaining({
        Action: 'states:DescribeExecution',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':states:eu-west-1:123456789012:execution:lakehouse-sandbox-pipeline:*']] },
      }),
    ]);
  });

  test('the executions ARN is derived from a state machine ARN that is a token', () => {
    const { template: tokenTemplate } = synth(stack => {
      const stateMachine = sfn.StateMachine.fromStateMachineArn(stack, 'Imported', Fn.importValue('pipeline-state-machine-arn'));
      new MwaaEnvironment(stack, 'Airflow', { ...layerInputs(stack), stateMachine });
    });
    const describe = executionRoleStatements(tokenTemplate).find(s => s.Action === 'states:DescribeExecution');
    const rendered = JSON.stringify(describe.Resource);
    expect(rendered).toContain(':execution:');
    expect(rendered).toContain('pipeline-state-machine-arn');
    expect(rendered).toContain('Fn::Split');
    expect(rendered).toMatch(/:\*"/);
  });

  test('no Glue permission: the DAG starts the pipeline, which starts the crawlers', () => {
    expect(statementsWith(template, 'glue:')).toEqual([]);
  });

  test('the grants are the state machine\'s own: also for a state machine of this app', () => {
    const { template: own } = synth(stack => {
      const stateMachine = new sfn.StateMachine(stack, 'Machine', {
        stateMachineName: 'lakehouse-sandbox-pipeline', definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Start')),
      });
      buildEnvironment(stack, { stateMachine });
    });
    const states = executionRoleStatements(own).filter(s => asList<string>(s.Action).some(a => a.startsWith('states:')));
    expect(states.map(s => s.Action)).toEqual(['states:StartExecution', 'states:DescribeExecution']);
    expect(states[0].Resource).toEqual({ Ref: expect.stringMatching(/^Machine/) });
  });

  test('a statement on Resource "*" beyond the three documented actions fails the synth, naming it', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'orchestration-guard-')) });
    const stack = new Stack(app, 'Guarded', { env: { account: '123456789012', region: 'eu-west-1' } });
    const environment = buildEnvironment(stack);
    environment.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['glue:StartCrawler'], resources: ['*'] }));
    expect(() => app.synth()).toThrow(/ExecutionRole allows glue:StartCrawler on Resource "\*"; only s3:GetAccountPublicAccessBlock, logs:DescribeLogGroups, cloudwatch:PutMetricData may have Resource "\*"/);
  });

  test('S3 read only on the DAGs bucket, its dags/ prefix and requirements.txt', () => {
    const read = statements.find(s => asList<string>(s.Action).includes('s3:GetObject*'));
    expect(read.Action).toEqual(['s3:GetObject*', 's3:GetBucket*', 's3:List*']);
    const arn = (suffix: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::lakehouse-sandbox-dags${suffix}`]] });
    expect(read.Resource).toEqual([arn(''), arn('/dags/*'), arn('/requirements.txt')]);
  });

  test('logs on the environment log groups, metrics and SQS as MWAA documents', () => {
    const logsStatement = statements.find(s => asList<string>(s.Action).includes('logs:PutLogEvents'));
    expect(JSON.stringify(logsStatement.Resource)).toContain(':logs:eu-west-1:123456789012:log-group:airflow-lakehouse-airflow-*');
    const sqs = statements.find(s => asList<string>(s.Action).includes('sqs:ReceiveMessage'));
    expect(JSON.stringify(sqs.Resource)).toContain(':sqs:eu-west-1:*:airflow-celery-*');
    const publish = statements.find(s => s.Action === 'airflow:PublishMetrics');
    expect(JSON.stringify(publish.Resource)).toContain(':airflow:eu-west-1:123456789012:environment/lakehouse-airflow');
  });

  test('Resource * only for the three actions that take no resource, with the metrics namespace condition', () => {
    const wildcard = statements.filter(s => asList<string>(s.Resource).includes('*'));
    expect(wildcard.flatMap(s => asList<string>(s.Action)).sort())
      .toEqual(['cloudwatch:PutMetricData', 'logs:DescribeLogGroups', 's3:GetAccountPublicAccessBlock']);
    expect(wildcard.find(s => s.Action === 'cloudwatch:PutMetricData').Condition)
      .toEqual({ StringEquals: { 'cloudwatch:namespace': 'AmazonMWAA' } });
  });

  test('with the AWS owned key, KMS only on keys outside the account and only through SQS', () => {
    const kmsStatements = statements.filter(s => asList<string>(s.Action).some(a => a.startsWith('kms:')));
    expect(kmsStatements).toHaveLength(1);
    expect(kmsStatements[0].Resource).toBeUndefined();
    expect(JSON.stringify(kmsStatements[0].NotResource)).toContain(':kms:*:123456789012:key/*');
    expect(kmsStatements[0].Condition).toEqual({ StringLike: { 'kms:ViaService': ['sqs.eu-west-1.amazonaws.com'] } });
  });

  test('a KMS-encrypted DAGs bucket adds decrypt on its key through S3 only', () => {
    const { template: encrypted } = synth(stack => {
      const key = kms.Key.fromKeyArn(stack, 'DataKey', 'arn:aws:kms:eu-west-1:123456789012:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee');
      const dagsBucket = s3.Bucket.fromBucketAttributes(stack, 'Encrypted', { bucketName: 'lakehouse-sandbox-dags', encryptionKey: key });
      buildEnvironment(stack, { dagsBucket });
    });
    expect(executionRoleStatements(encrypted)).toContainEqual(expect.objectContaining({
      Action: 'kms:Decrypt',
      Resource: 'arn:aws:kms:eu-west-1:123456789012:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
    }));
  });

  test('no action outside the documented services', () => {
    const services = new Set(statements.flatMap(s => asList<string>(s.Action)).map(a => a.split(':')[0]));
    expect([...services].sort()).toEqual(['airflow', 'cloudwatch', 'kms', 'logs', 's3', 'sqs', 'states']);
  });
});

describe('MwaaEnvironment validation', () => {
  const build = (props: any) => () => synth(stack => buildEnvironment(stack, props));

  test.each([
    ['environmentName', { environmentName: 'a'.repeat(81) }],
    ['environmentName', { environmentName: '1airflow' }],
    ['environmentName', { environmentName: 'air flow' }],
    ['environmentClass', { environmentClass: 'mw1.huge' }],
    ['logLevel', { logLevel: 'DEBUG' }],
    ['webserverAccess', { webserverAccess: 'EVERYONE' }],
    ['weeklyMaintenanceWindowStart', { weeklyMaintenanceWindowStart: 'SUN:03:15' }],
    ['weeklyMaintenanceWindowStart', { weeklyMaintenanceWindowStart: 'SUNDAY:03:00' }],
    ['weeklyMaintenanceWindowStart', { weeklyMaintenanceWindowStart: 'MON:24:00' }],
    ['schedulers', { schedulers: 1 }],
    ['schedulers', { schedulers: 6 }],
    ['schedulers', { environmentClass: 'mw1.micro', schedulers: 2 }],
    ['maxWorkers', { environmentClass: 'mw1.micro', maxWorkers: 2 }],
    ['minWorkers', { minWorkers: 0 }],
    ['maxWorkers', { maxWorkers: 26 }],
    ['maxWorkers', { minWorkers: 5, maxWorkers: 3 }],
    ['maxWorkers', { minWorkers: 3 }],
    ['minWebservers', { airflowVersion: AirflowVersion.V2_8_1, minWebservers: 2 }],
    ['maxWebservers', { airflowVersion: AirflowVersion.V2_8_1, maxWebservers: 3 }],
    ['minWebservers', { minWebservers: 1 }],
    ['maxWebservers', { maxWebservers: 6 }],
    ['maxWebservers', { minWebservers: 4, maxWebservers: 3 }],
    ['natGateways', { natGateways: 0 }],
    ['natGateways', { natGateways: 3 }],
    ['subnetSelection', { subnetSelection: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } }],
    ['airflowConfigurationOptions', { airflowConfigurationOptions: { load_examples: 'False' } }],
    ['airflowConfigurationOptions', { airflowConfigurationOptions: { 'lakehouse.state_machine_arn': 'arn:other' } }],
    ['airflowConfigurationOptions', { airflowConfigurationOptions: { 'core.parallelism': 32 } }],
    ['dagsPath', { dagsPath: path.join(DAGS_PATH, 'missing') }],
    ['dagsPath', { dagsPath: path.join(DAGS_PATH, 'fixture_pipeline.py') }],
    ['requirementsPath', { requirementsPath: path.join(DAGS_PATH, 'missing.txt') }],
    ['requirementsPath', { requirementsPath: DAGS_PATH }],
    ['pipelineName', { pipelineName: '' }],
    ['pipelineName', { pipelineName: 'daily events' }],
    ['pipelineName', { pipelineName: 'p'.repeat(129) }],
  ])('%s is rejected: %j', (prop, props) => {
    expectValidationError(build(props), prop);
  });

  test('pipelineName follows the rule the pipeline applies to pipeline_name', () => {
    expect(() => build({ pipelineName: 'p'.repeat(128) })()).not.toThrow();
    const { message } = expectValidationError(build({ pipelineName: 'events/daily' }), 'pipelineName',
      /must be 1 to 128 letters, digits, "_", "\." and "-" \(a lakehouse pipeline name\)/);
    expect(message).toContain('Test/Airflow');
    expect(message).toContain('; got "events/daily"');
  });

  test('the error names the construct path, the value and the rule', () => {
    const { message } = expectValidationError(build({ environmentName: '_airflow' }), 'environmentName');
    expect(message).toContain('Test/Airflow');
    expect(message).toContain('"_airflow"');
    expect(message).toContain('start with a letter');
  });

  test('natGateways and flowLogRetention are rejected with an existing VPC', () => {
    const vpcOf = (stack: Stack) => existingVpc(stack, [['subnet-aaaa', 'eu-west-1a'], ['subnet-bbbb', 'eu-west-1b']]);
    expectValidationError(() => synth(stack => buildEnvironment(stack, { vpc: vpcOf(stack), natGateways: 2 })), 'natGateways');
    expectValidationError(() => synth(stack => buildEnvironment(stack, { vpc: vpcOf(stack), flowLogRetention: logs.RetentionDays.ONE_YEAR })), 'flowLogRetention');
  });
});

describe('MwaaEnvironment cdk-nag', () => {
  test('with its own VPC and a requirements file: no unacknowledged finding in the AwsSolutions, NIST 800-53 R5 and HIPAA Security packs', () => {
    const findings = stackFindings(stack => {
      withCompliancePacks(stack);
      buildEnvironment(stack, { requirementsPath: REQUIREMENTS_PATH });
    });
    expect(formatFindings(findings)).toBe('');
  });

  test('the compliance packs report the NAT route, the self-referencing rule and the upload handler until they are acknowledged (the test can fail)', () => {
    const findings = stackFindings(stack => {
      withCompliancePacks(stack);
      const vpc = new ec2.Vpc(stack, 'Plain', { maxAzs: 2, natGateways: 1, restrictDefaultSecurityGroup: false });
      const group = new ec2.SecurityGroup(stack, 'Group', { vpc });
      group.addIngressRule(group, ec2.Port.allTraffic());
    });
    expect(findings.map(f => f.rule)).toEqual(expect.arrayContaining([
      'NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW', 'HIPAA.Security-EC2RestrictedCommonPorts', 'NIST.800.53.R5-VPCSubnetAutoAssignPublicIpDisabled',
      'HIPAA.Security-VPCDefaultSecurityGroupClosed',
    ]));
  });

  test('a DAGs bucket with a customer key in another stack: the upload\'s key actions are acknowledged too', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'orchestration-nag-')) });
    const env = { account: '123456789012', region: 'eu-west-1' };
    const data = new Stack(app, 'Data', { env });
    const dagsBucket = new s3.Bucket(data, 'Dags', { versioned: true, encryptionKey: new kms.Key(data, 'DagsKey', { enableKeyRotation: true }) });
    const orchestration = new Stack(app, 'Orchestration', { env });
    withCompliancePacks(orchestration);
    new MwaaEnvironment(orchestration, 'Airflow', { dagsBucket, stateMachine: sfn.StateMachine.fromStateMachineArn(orchestration, 'Pipeline', STATE_MACHINE_ARN), dagsPath: DAGS_PATH });
    const findings = appFindings(app).filter(f => f.path.startsWith('Orchestration/'));
    expect(formatFindings(findings)).toBe('');
    const template = JSON.parse(fs.readFileSync(path.join(app.outdir, 'Orchestration.template.json'), 'utf8'));
    expect(JSON.stringify(template)).toContain('kms:GenerateDataKey*');
  });

  test('with an existing VPC and a customer managed key: no unacknowledged finding', () => {
    const findings = stackFindings(stack => buildEnvironment(stack, {
      vpc: existingVpc(stack, [['subnet-aaaa', 'eu-west-1a'], ['subnet-bbbb', 'eu-west-1b']]),
      encryptionKey: kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555'),
    }));
    expect(formatFindings(findings)).toBe('');
  });

  test('with the bucket and state machine in another stack: no unacknowledged finding in the orchestration stack', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'orchestration-nag-')) });
    const env = { account: '123456789012', region: 'eu-west-1' };
    const data = new Stack(app, 'Data', { env });
    const dagsBucket = new s3.Bucket(data, 'Dags', { versioned: true });
    const stateMachine = new sfn.StateMachine(data, 'Pipeline', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(data, 'Start')) });
    const orchestration = new Stack(app, 'Orchestration', { env });
    new MwaaEnvironment(orchestration, 'Airflow', { dagsBucket, stateMachine, dagsPath: DAGS_PATH });
    const findings = appFindings(app).filter(f => f.path.startsWith('Orchestration/'));
    expect(formatFindings(findings)).toBe('');
    const template = fs.readFileSync(path.join(app.outdir, 'Orchestration.template.json'), 'utf8');
    expect(template).toContain('Fn::ImportValue');
  });
});
