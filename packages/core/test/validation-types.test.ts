import { CfnParameter, Duration, Lazy, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Naming, PropType, RunRecord, Validate } from '../src';

function messageOf(build: () => unknown): string {
  try {
    build();
  } catch (error) {
    expect(Validate.isValidationError(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error('nothing was thrown');
}

describe('Validate.propTypes', () => {
  const types = { retention: PropType.DURATION, naming: PropType.NAMING, bucket: PropType.CONSTRUCT, layers: PropType.LIST, flag: PropType.BOOLEAN, options: PropType.MAP };

  test('accepts props of their types, and props left out', () => {
    const stack = new Stack();
    expect(() => Validate.propTypes({
      retention: Duration.days(1), naming: new Naming({ project: 'a', environment: 'b' }), bucket: new s3.Bucket(stack, 'B'),
      layers: [], flag: false, options: { 'core.x': 'y' },
    }, types)).not.toThrow();
    expect(() => Validate.propTypes({}, types)).not.toThrow();
    expect(() => Validate.propTypes(undefined, types)).not.toThrow();
  });

  test.each([
    ['retention', 30, 'retention must be a Duration, for example Duration.days(30); got 30'],
    ['naming', { project: 'a', environment: 'b' }, 'naming must be a Naming, for example new Naming({ project, environment }); got a plain object'],
    ['bucket', 'my-bucket', 'bucket must be a construct (one of this app, or imported with a fromXxx method); got "my-bucket"'],
    ['layers', 'raw', 'layers must be a list; got "raw"'],
    ['flag', 'false', 'flag must be true or false; got "false"'],
    ['options', ['a'], 'options must be a map of keys to values; got a list of 1'],
  ])('names %s given the wrong type', (prop, value, message) => {
    expect(messageOf(() => Validate.propTypes({ [prop]: value }, types))).toBe(message);
  });

  test('names a required prop that is missing', () => {
    expect(messageOf(() => Validate.propTypes({}, types, ['bucket']))).toBe('bucket is required; got undefined');
  });
});

describe('Validate type checks in the value rules', () => {
  test('a number where a string is needed, and a string where a number is needed, name the prop', () => {
    expect(messageOf(() => Validate.matches('databaseName', 5 as any, '[a-z]+', 'lowercase'))).toBe('databaseName must be a string; got 5');
    expect(messageOf(() => Validate.length('description', {} as any, 0, 10))).toBe('description must be a string; got a plain object');
    expect(messageOf(() => Validate.integerInRange('tableLevel', '3' as any, 1, 10))).toBe('tableLevel must be a number; got "3"');
  });
});

describe('Validate.dataRemovalPolicy', () => {
  test.each([RemovalPolicy.RETAIN, RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE, RemovalPolicy.DESTROY])('accepts %s', policy => {
    expect(() => Validate.dataRemovalPolicy('removalPolicy', policy)).not.toThrow();
  });
  test('refuses SNAPSHOT', () => {
    expect(messageOf(() => Validate.dataRemovalPolicy('removalPolicy', RemovalPolicy.SNAPSHOT))).toMatch(/^removalPolicy must be one of retain, retain-on-update-or-delete, destroy/);
  });
});

describe('Validate.logRetention', () => {
  test.each([1, 3, 30, 365, 3653, 9999])('accepts %d days', days => {
    expect(() => Validate.logRetention('logRetention', days)).not.toThrow();
  });
  test.each([0, -1, 2, 1.5, 10_000, NaN, Infinity])('refuses %d days, listing the allowed values', days => {
    expect(messageOf(() => Validate.logRetention('logRetention', days)))
      .toBe(`logRetention must be one of the retentions CloudWatch Logs accepts (logs.RetentionDays): 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653, 9999 days; got ${days}`);
  });
  test('a token passes', () => {
    expect(() => Validate.logRetention('logRetention', Token.asNumber({ Ref: 'Days' }))).not.toThrow();
    expect(() => Validate.logRetention('logRetention', Lazy.number({ produce: () => 2 }))).not.toThrow();
  });
});

describe('durations', () => {
  test('a token in its own unit converts to a token; in another unit the error names the prop', () => {
    const stack = new Stack();
    const days = new CfnParameter(stack, 'Days', { type: 'Number' }).valueAsNumber;
    expect(Token.isUnresolved(Validate.seconds('timeout', Duration.seconds(days)))).toBe(true);
    expect(messageOf(() => Validate.seconds('timeout', Duration.minutes(days))))
      .toBe("timeout must be given as Duration.seconds(...) when its amount is a token: a token can't be converted from minutes here; got a token in minutes");
    expect(messageOf(() => Validate.minutes('timeout', Duration.hours(days)))).toMatch(/^timeout must be given as Duration.minutes/);
    expect(messageOf(() => Validate.wholeDays('retention', Duration.hours(days), 1, 10))).toMatch(/^retention must be given as Duration.days/);
    expect(Validate.wholeDays('retention', Duration.days(days), 1, 10)).toBeUndefined();
  });

  test('a number where a Duration is needed names the prop', () => {
    expect(messageOf(() => Validate.wholeDays('retention', 30 as any, 1, 10))).toBe('retention must be a Duration, for example Duration.days(30); got 30');
    expect(messageOf(() => Validate.seconds('timeout', 'PT1H' as any))).toBe('timeout must be a Duration, for example Duration.days(30); got "PT1H"');
  });

  test('knownAtSynth refuses a token', () => {
    expect(() => Validate.knownAtSynth('pollInterval', 30, 'the poll bound is computed from it')).not.toThrow();
    expect(messageOf(() => Validate.knownAtSynth('pollInterval', Token.asNumber({ Ref: 'P' }), 'the poll bound is computed from it')))
      .toBe('pollInterval must be known at synth time, not a token or parameter: the poll bound is computed from it; got a token');
  });
});

describe('Validate.balancedParentheses', () => {
  test.each(['raw/', 'a(b)/', '(x)(y)/c/'])('accepts %j', value => {
    expect(() => Validate.balancedParentheses('prefix', value)).not.toThrow();
  });
  test.each(['a(/', 'a)/', ')(/', 'a(/b)/'])('refuses %j', value => {
    expect(messageOf(() => Validate.balancedParentheses('prefix', value))).toMatch(/^prefix must close each parenthesis within its segment/);
    expect(() => Validate.keyPrefix('prefix', value)).toThrow(/parentheses closed within their segment/);
  });
});

describe('isValidationErrorMessage (what Python, Java and Go can pass back)', () => {
  test('recognises the message of a validation error thrown in this process, and text holding it', () => {
    const message = messageOf(() => Validate.fail('someProp', '"x"', 'must be fuzzed'));
    expect(Validate.isValidationErrorMessage(message)).toBe(true);
    expect(Validate.isValidationErrorMessage(`RuntimeError: ${message}`)).toBe(true);
    expect(Validate.isValidationError(message)).toBe(true);
    expect(Validate.isValidationErrorMessage('someProp must be fuzzed; got "y"')).toBe(false);
    expect(Validate.isValidationErrorMessage('')).toBe(false);
    expect(Validate.isValidationErrorMessage(undefined as any)).toBe(false);
  });
});

describe('RunRecord.validateTable', () => {
  const table = (partition: string, sort?: string, sortType = dynamodb.AttributeType.STRING) => {
    const stack = new Stack();
    return new dynamodb.Table(stack, 'T', {
      partitionKey: { name: partition, type: dynamodb.AttributeType.STRING },
      sortKey: sort === undefined ? undefined : { name: sort, type: sortType },
    });
  };

  test('accepts the run record keys, and an imported table', () => {
    expect(() => RunRecord.validateTable('runsTable', table('pipeline_name', 'execution_date'))).not.toThrow();
    expect(() => RunRecord.validateTable('runsTable', dynamodb.Table.fromTableName(new Stack(), 'I', 'runs'))).not.toThrow();
  });

  test.each([
    ['id', undefined, dynamodb.AttributeType.STRING, 'a table keyed id HASH S'],
    ['pipeline_name', undefined, dynamodb.AttributeType.STRING, 'a table keyed pipeline_name HASH S'],
    ['execution_date', 'pipeline_name', dynamodb.AttributeType.STRING, 'a table keyed execution_date HASH S, pipeline_name RANGE S'],
    ['pipeline_name', 'execution_date', dynamodb.AttributeType.NUMBER, 'a table keyed pipeline_name HASH S, execution_date RANGE N'],
  ])('refuses partition %s sort %s (%s)', (partition, sort, type, got) => {
    expect(messageOf(() => RunRecord.validateTable('runsTable', table(partition, sort, type))))
      .toBe(`runsTable must have the run record's keys: partition key pipeline_name and sort key execution_date, both String; got ${got}`);
  });

  test('refuses a string or nothing', () => {
    expect(messageOf(() => RunRecord.validateTable('runsTable', 'runs'))).toMatch(/^runsTable must be a construct/);
    expect(messageOf(() => RunRecord.validateTable('runsTable', undefined))).toBe('runsTable is required; got undefined');
  });
});
