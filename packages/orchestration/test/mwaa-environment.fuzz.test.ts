import {
  assertFuzz, badStrings, boundaryNumbers, built, constant, FuzzSpec, logRetentions, MISSING, oneOfValues, reportFuzzCounts, strings, tokenNumbers, wrongTypes,
} from '@lakehouse-cdk/testing';
import { Naming } from '@lakehouse-cdk/core';
import { Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as fc from 'fast-check';
import { DAGS_PATH, layerInputs, REQUIREMENTS_PATH } from './support';
import { AirflowLogLevel, MwaaEnvironment, MwaaSettings, WebserverAccess } from '../src';

afterAll(reportFuzzCounts);

const numbers = (...valid: number[]) => fc.oneof({ weight: 3, arbitrary: oneOfValues(...valid) }, boundaryNumbers(), tokenNumbers(), wrongTypes(), fc.constant(MISSING));

/** A VPC the team has: two private subnets and two public ones, in two zones. */
function teamVpc(stack: any): ec2.IVpc {
  return stack.node.tryFindChild('FuzzVpc') ?? ec2.Vpc.fromVpcAttributes(stack, 'FuzzVpc', {
    vpcId: 'vpc-0123456789abcdef0',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    privateSubnetIds: ['subnet-private-a', 'subnet-private-b'],
    privateSubnetRouteTableIds: ['rtb-1', 'rtb-2'],
    publicSubnetIds: ['subnet-public-a', 'subnet-public-b'],
    publicSubnetRouteTableIds: ['rtb-3', 'rtb-4'],
  });
}

test('MwaaEnvironment: any fuzzed props give an environment within MWAA rules, or a named error', () => {
  const spec: FuzzSpec = {
    construct: 'MwaaEnvironment',
    props: {
      stateMachine: fc.oneof(wrongTypes(), fc.constant(MISSING)),
      dagsBucket: fc.oneof(wrongTypes(), fc.constant(MISSING)),
      dagsPath: fc.oneof({ weight: 2, arbitrary: oneOfValues(DAGS_PATH) }, oneOfValues('/nonexistent', REQUIREMENTS_PATH), badStrings(), fc.constant(MISSING)),
      requirementsPath: fc.oneof(oneOfValues(REQUIREMENTS_PATH, DAGS_PATH, '/nonexistent'), badStrings(), fc.constant(MISSING)),
      pipelineName: strings('lakehouse', 'events.daily-v2'),
      environmentName: strings('lakehouse-airflow', 'a', 'A_b-1'),
      naming: fc.oneof(fc.constant(constant('Naming(lakehouse, sandbox)', new Naming({ project: 'lakehouse', environment: 'sandbox' }))), wrongTypes(), fc.constant(MISSING)),
      environmentClass: strings(...MwaaSettings.ENVIRONMENT_CLASSES),
      schedulers: numbers(1, 2, 5),
      minWorkers: numbers(1, 2, 25),
      maxWorkers: numbers(1, 2, 25),
      minWebservers: numbers(1, 2, 5),
      maxWebservers: numbers(2, 5),
      weeklyMaintenanceWindowStart: strings('SUN:03:00', 'MON:23:30', 'SUN:03:15', 'sun:03:00'),
      webserverAccess: fc.oneof(oneOfValues(...Object.values(WebserverAccess)), badStrings()),
      logLevel: fc.oneof(oneOfValues(...Object.values(AirflowLogLevel)), badStrings()),
      encryptionKey: fc.oneof(built('a kms.Key', stack => new kms.Key(stack, 'FuzzKey')), wrongTypes(), fc.constant(MISSING)),
      vpc: fc.oneof(built('a team VPC (2 private, 2 public subnets)', teamVpc), wrongTypes(), fc.constant(MISSING)),
      subnetSelection: fc.oneof(
        oneOfValues({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }, { subnetType: ec2.SubnetType.PUBLIC }, { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }, { onePerAz: true }),
        built('the public subnets by id', stack => ({ subnets: teamVpc(stack).publicSubnets })),
        built('one private subnet by id', stack => ({ subnets: [ec2.Subnet.fromSubnetId(stack, 'FuzzSubnet', 'subnet-private-a')] })),
        wrongTypes(), fc.constant(MISSING)),
      natGateways: numbers(1, 2),
      flowLogRetention: fc.oneof(logRetentions(), wrongTypes(), fc.constant(MISSING)),
      airflowConfigurationOptions: fc.oneof(
        oneOfValues({ 'core.dag_concurrency': '4' }, { 'lakehouse.pipeline_name': 'x' }, { nodot: 'x' }, { 'core.x': 5 }, {}),
        wrongTypes(), fc.constant(MISSING)),
    },
    maxFuzzed: 3,
    // Ranges are checked against each other and against the class, so an error may name the other side.
    aliases: {
      environmentClass: ['schedulers', 'minWorkers', 'maxWorkers', 'minWebservers', 'maxWebservers'],
      schedulers: ['environmentClass'], minWorkers: ['maxWorkers'], maxWorkers: ['minWorkers'],
      minWebservers: ['maxWebservers'], maxWebservers: ['minWebservers'],
      vpc: ['subnetSelection', 'natGateways', 'flowLogRetention'], subnetSelection: ['vpc'], natGateways: ['vpc'], flowLogRetention: ['vpc'],
      naming: ['environmentName'], environmentName: ['naming'],
    },
    build: (stack, fuzzed) => new MwaaEnvironment(stack, 'Airflow', {
      ...layerInputs(stack),
      // A team VPC unless the case is about the created one: creating a VPC costs most of a case's synth time.
      ...(['vpc', 'natGateways', 'flowLogRetention'].some(prop => prop in fuzzed) ? {} : { vpc: teamVpc(stack) }),
      ...fuzzed,
    } as any),
    rules: (template, fuzzed) => {
      for (const [id, environment] of Object.entries<any>(template.findResources('AWS::MWAA::Environment'))) {
        const props = environment.Properties;
        const subnets: unknown[] = props.NetworkConfiguration.SubnetIds;
        if (subnets.some(subnet => typeof subnet === 'string' && subnet.startsWith('subnet-public'))) throw new Error(`${id} runs in public subnets ${subnets.join(', ')}`);
        if (subnets.length !== 2) throw new Error(`${id} runs in ${subnets.length} subnets`);
        const known = (value: unknown) => typeof value === 'number';
        const { Schedulers: schedulers, MinWorkers: min, MaxWorkers: max } = props;
        if (known(min) && known(max) && !Token.isUnresolved(fuzzed.minWorkers) && !Token.isUnresolved(fuzzed.maxWorkers) && min > max) {
          throw new Error(`${id} has MinWorkers ${min} > MaxWorkers ${max}`);
        }
        if (known(schedulers) && !Token.isUnresolved(fuzzed.schedulers) && !(schedulers >= 1 && schedulers <= 5)) throw new Error(`${id} has ${schedulers} schedulers`);
      }
    },
  };
  assertFuzz(spec);
});

describe('known bad props, each a named error', () => {
  const build = (props: Record<string, unknown>) => () => {
    const { Stack } = require('aws-cdk-lib');
    const stack = new Stack(undefined, 'Known', { env: { account: '123456789012', region: 'eu-west-1' } });
    return new MwaaEnvironment(stack, 'Airflow', { ...layerInputs(stack), vpc: teamVpc(stack), ...props } as any);
  };

  test('public subnets, selected by type or by id, are refused', () => {
    expect(build({ subnetSelection: { subnetType: ec2.SubnetType.PUBLIC } }))
      .toThrow(/subnetSelection must select private subnets: MWAA runs its workers and scheduler in private subnets only.*; got public subnets subnet-public-a, subnet-public-b/);
    const { Stack } = require('aws-cdk-lib');
    const stack = new Stack(undefined, 'ById', { env: { account: '123456789012', region: 'eu-west-1' } });
    const vpc = teamVpc(stack);
    expect(() => new MwaaEnvironment(stack, 'Airflow', { ...layerInputs(stack), vpc, subnetSelection: { subnets: vpc.publicSubnets } }))
      .toThrow(/subnetSelection must select private subnets.*; got public subnets subnet-public-a, subnet-public-b/);
  });

  test('a string for the state machine, and a log retention CloudWatch refuses, name their props', () => {
    expect(build({ stateMachine: 'arn:aws:states:eu-west-1:123456789012:stateMachine:x' })).toThrow(/stateMachine must be a construct/);
    expect(build({ vpc: undefined, flowLogRetention: 2 })).toThrow(/flowLogRetention must be one of the retentions CloudWatch Logs accepts/);
  });
});
