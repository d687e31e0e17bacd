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
      expect(() => n.name(ResourceKind.S3_BUCKET, 'data')).toThrow(/project and environment leave no room for component "data" in a 63-character S3_BUCKET name/);
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
