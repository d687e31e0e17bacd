import { expectValidationError } from '@lakehouse-cdk/testing';
import { App, Stack } from 'aws-cdk-lib';
import { Naming, ResourceKind, Validate } from '../src';

const naming = () => new Naming({ project: 'lakehouse', environment: 'sandbox' });

describe('Naming', () => {
  test('joins project, environment and component with the service separator', () => {
    const n = naming();
    expect(n.name(ResourceKind.S3_BUCKET, 'data-lake')).toBe('lakehouse-sandbox-data-lake');
    expect(n.name(ResourceKind.GLUE_DATABASE, 'data-lake')).toBe('lakehouse_sandbox_data_lake');
    expect(n.name(ResourceKind.GLUE_TABLE, 'raw-events')).toBe('lakehouse_sandbox_raw_events');
    expect(n.name(ResourceKind.MWAA_ENVIRONMENT, 'airflow')).toBe('lakehouse-sandbox-airflow');
  });

  test('asking twice for the same component gives the same name', () => {
    const n = naming();
    expect(n.name(ResourceKind.IAM_ROLE, 'crawler')).toBe(n.name(ResourceKind.IAM_ROLE, 'crawler'));
  });

  test('a name over the limit is truncated to the limit and ends with a stable hash', () => {
    const component = 'a'.repeat(100);
    const first = naming().name(ResourceKind.S3_BUCKET, component);
    const second = naming().name(ResourceKind.S3_BUCKET, component);
    expect(first).toHaveLength(63);
    expect(first).toMatch(/^lakehouse-sandbox-a+-[0-9a-f]{8}$/);
    expect(second).toBe(first);
  });

  test('IAM role names stay within 64 characters and MWAA names within 80', () => {
    const long = 'pipeline-' + 'x'.repeat(90);
    expect(naming().name(ResourceKind.IAM_ROLE, long).length).toBeLessThanOrEqual(64);
    expect(naming().name(ResourceKind.MWAA_ENVIRONMENT, long).length).toBeLessThanOrEqual(80);
    expect(naming().name(ResourceKind.STATE_MACHINE, long).length).toBeLessThanOrEqual(80);
  });

  test('truncation never leaves a doubled separator before the hash', () => {
    // 63 - "lakehouse-sandbox-".length - 9 = 36 characters of component survive; put a hyphen at the cut.
    const component = 'b'.repeat(35) + '-' + 'c'.repeat(40);
    expect(naming().name(ResourceKind.S3_BUCKET, component)).not.toContain('--');
  });

  test('rules are published for every kind', () => {
    for (const kind of Object.values(ResourceKind)) {
      const rules = Naming.rulesFor(kind);
      expect(rules.maxLength).toBeGreaterThanOrEqual(rules.minLength);
      expect(rules.description.length).toBeGreaterThan(10);
    }
  });

  describe('bad input names the input and the rule', () => {
    test.each([
      ['project', { project: '', environment: 'sandbox' }, /project must not be empty/],
      ['environment', { project: 'lakehouse', environment: '' }, /environment must not be empty/],
      ['project', { project: 'Lakehouse', environment: 'sandbox' }, /project must be lowercase letters, digits and single hyphens.*got "Lakehouse"/],
      ['environment', { project: 'lakehouse', environment: 'dev_1' }, /environment must be lowercase.*got "dev_1"/],
      ['project', { project: '1lake', environment: 'dev' }, /project must be .*starting with a letter/],
    ])('an invalid %s', (_prop, props, message) => {
      expect(() => new Naming(props)).toThrow(message);
    });

    test('a component with characters the service forbids', () => {
      expect(() => naming().name(ResourceKind.S3_BUCKET, 'Data.Lake')).toThrow(/component must be lowercase letters, digits and single hyphens.*got "Data.Lake"/);
      expect(() => naming().name(ResourceKind.GLUE_DATABASE, 'raw events')).toThrow(/component .*got "raw events"/);
    });

    test('an empty component', () => {
      expect(() => naming().name(ResourceKind.S3_BUCKET, '')).toThrow(/component must not be empty/);
    });

    test('a component that would collide with another after truncation', () => {
      const n = naming();
      const component = 'z'.repeat(60) + '-' + 'q'.repeat(10);
      const name = n.name(ResourceKind.S3_BUCKET, component);
      // A component that spells out the truncated name's tail collides with it.
      const impostor = name.slice('lakehouse-sandbox-'.length);
      expect(() => n.name(ResourceKind.S3_BUCKET, impostor)).toThrow(/collides with component "z+-q+": both give the S3_BUCKET name/);
    });

    test('a project and environment that leave no room for the component', () => {
      const n = new Naming({ project: 'p'.repeat(30), environment: 'e'.repeat(30) });
      expect(() => n.name(ResourceKind.S3_BUCKET, 'data')).toThrow(/naming project and environment leave no room for component "data" in a 63-character S3_BUCKET name/);
    });

    test('errors are the shared validation error', () => {
      try {
        naming().name(ResourceKind.S3_BUCKET, 'UPPER');
        throw new Error('expected a validation error');
      } catch (error) {
        expect(Validate.isValidationError(error)).toBe(true);
      }
    });
  });
});

describe('Naming.bucketName', () => {
  const stackIn = (env?: { account?: string; region?: string }) => new Stack(new App(), 'Data', { env });

  test('adds the account and region of the stack, so another account or region never takes the name', () => {
    const n = naming();
    expect(n.bucketName(stackIn({ account: '111122223333', region: 'eu-west-1' }), 'data-lake'))
      .toBe('lakehouse-sandbox-data-lake-111122223333-eu-west-1');
    expect(naming().bucketName(stackIn({ account: '444455556666', region: 'eu-west-1' }), 'data-lake'))
      .toBe('lakehouse-sandbox-data-lake-444455556666-eu-west-1');
  });

  test('in an environment-agnostic stack the account and region are resolved at deploy time', () => {
    const stack = stackIn();
    const name = naming().bucketName(stack, 'data-lake');
    expect(stack.resolve(name)).toEqual({ 'Fn::Join': ['', ['lakehouse-sandbox-data-lake-', { Ref: 'AWS::AccountId' }, '-', { Ref: 'AWS::Region' }]] });
  });

  test('a long name keeps the account and region and stays within 63 characters, with room for any region when it is a token', () => {
    const component = 'c'.repeat(60);
    const known = naming().bucketName(stackIn({ account: '111122223333', region: 'ap-southeast-2' }), component);
    expect(known).toHaveLength(63);
    expect(known).toMatch(/^lakehouse-sandbox-c+-[0-9a-f]{8}-111122223333-ap-southeast-2$/);
    const agnostic = stackIn();
    const joined = agnostic.resolve(naming().bucketName(agnostic, component))['Fn::Join'][1];
    // 63 - 12 (account) - 20 (room for the region) - 2 hyphens = 29 characters before the account.
    expect(joined[0]).toHaveLength(29 + 1);
    expect(joined[0]).toMatch(/^lakehouse-sandbox-c*-?[0-9a-f]{8}-$/);
  });

  test('a component is checked by the rule name() applies, and asking twice gives the same name', () => {
    const stack = stackIn({ account: '111122223333', region: 'eu-west-1' });
    expectValidationError(() => naming().bucketName(stack, 'Data_Lake'), 'component', /lowercase letters/);
    const n = naming();
    const long = 'd'.repeat(60);
    expect(n.bucketName(stack, long)).toBe(n.bucketName(stack, long));
    expect(n.bucketName(stack, 'dags')).toBe(`${n.name(ResourceKind.S3_BUCKET, 'dags')}-111122223333-eu-west-1`);
  });
});
