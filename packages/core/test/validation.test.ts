import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as fc from 'fast-check';
import { Validate } from '../src';

describe('Validate', () => {
  test('integerInRange accepts the bounds and rejects outside or fractional values', () => {
    expect(() => Validate.integerInRange('maxWorkers', 1, 1, 25)).not.toThrow();
    expect(() => Validate.integerInRange('maxWorkers', 25, 1, 25)).not.toThrow();
    expect(() => Validate.integerInRange('maxWorkers', 26, 1, 25)).toThrow('maxWorkers must be an integer from 1 to 25; got 26');
    expect(() => Validate.integerInRange('maxWorkers', 1.5, 1, 25)).toThrow(/got 1.5/);
  });

  test('the message starts with the path of the construct that rejected the value', () => {
    const stack = new Stack(undefined, 'Lake');
    expect(() => Validate.atLeast('rawInfrequentAccessAfter', 10, 30, 'days', 'S3 Standard-IA minimum', stack))
      .toThrow('Lake: rawInfrequentAccessAfter must be at least 30 days (S3 Standard-IA minimum); got 10 days');
  });

  test('after requires a strictly later value', () => {
    expect(() => Validate.after('noncurrentExpiration', 31, 'noncurrentTransitionAfter', 30, 'days')).not.toThrow();
    expect(() => Validate.after('noncurrentExpiration', 30, 'noncurrentTransitionAfter', 30, 'days'))
      .toThrow('noncurrentExpiration must be later than noncurrentTransitionAfter (30 days); got 30 days');
  });

  test('matches, length and oneOf name the prop, value and rule', () => {
    expect(() => Validate.matches('databaseName', 'Raw-DB', '[a-z0-9_]+', 'must be lowercase letters, digits and underscores'))
      .toThrow('databaseName must be lowercase letters, digits and underscores; got "Raw-DB"');
    expect(() => Validate.length('environmentName', 'x'.repeat(81), 1, 80)).toThrow(/environmentName must be 1 to 80 characters long; got "x+" \(81 characters\)/);
    expect(() => Validate.length('code', 'ab', 3, 3)).toThrow('code must be 3 characters long');
    expect(() => Validate.oneOf('environmentClass', 'mw1.huge', ['mw1.small', 'mw1.medium'])).toThrow('environmentClass must be one of mw1.small, mw1.medium; got "mw1.huge"');
    expect(() => Validate.oneOf('environmentClass', 'mw1.small', ['mw1.small'])).not.toThrow();
  });

  test('fail throws the shared error and isValidationError recognises only it', () => {
    let caught: unknown;
    try {
      Validate.fail('prop', 'value', 'must be better');
    } catch (error) {
      caught = error;
    }
    expect(Validate.isValidationError(caught)).toBe(true);
    expect(String(caught)).toContain('prop must be better; got value');
    expect(Validate.isValidationError(new TypeError('x'))).toBe(false);
    expect(Validate.isValidationError('prop must be better')).toBe(false);
  });

  test('unresolved tokens are skipped, because they are only known at deploy time', () => {
    const number = Token.asNumber({ Ref: 'Days' });
    const string = Token.asString({ Ref: 'Name' });
    expect(() => Validate.integerInRange('days', number, 1, 2)).not.toThrow();
    expect(() => Validate.atLeast('days', number, 30, 'days', 'why')).not.toThrow();
    expect(() => Validate.after('days', number, 'other', 5, 'days')).not.toThrow();
    expect(() => Validate.matches('name', string, '[a-z]+', 'lowercase')).not.toThrow();
    expect(() => Validate.length('name', string, 1, 2)).not.toThrow();
    expect(() => Validate.oneOf('name', string, ['a'])).not.toThrow();
    expect(() => Validate.cronExpression('schedule', string)).not.toThrow();
    expect(() => Validate.integerAtLeast('bytes', number, 10, 'bytes', 'why')).not.toThrow();
    expect(Validate.wholeDays('days', Duration.days(number), 1, 2)).toBeUndefined();
    expect(() => Validate.minMax('min', number, 'max', 1)).not.toThrow();
    expect(() => Validate.minMax('min', 5, 'max', number)).not.toThrow();
  });

  test('integerAtLeast requires a whole number at the minimum or above', () => {
    expect(() => Validate.integerAtLeast('bytesScannedCutoffPerQuery', 10485760, 10485760, 'bytes', "Athena's minimum is 10 MB")).not.toThrow();
    expect(() => Validate.integerAtLeast('bytesScannedCutoffPerQuery', 10485759, 10485760, 'bytes', "Athena's minimum is 10 MB"))
      .toThrow("bytesScannedCutoffPerQuery must be a whole number of at least 10485760 bytes (Athena's minimum is 10 MB); got 10485759 bytes");
    expect(() => Validate.integerAtLeast('bytesScannedCutoffPerQuery', 20000000.5, 10485760, 'bytes', 'why')).toThrow(/whole number.*got 20000000.5 bytes/);
    expect(() => Validate.integerAtLeast('count', Number.MAX_SAFE_INTEGER + 2, 1, 'items', 'why')).toThrow(/count must be a whole number/);
    expect(() => Validate.integerAtLeast('count', NaN, 1, 'items', 'why')).toThrow(/got NaN items/);
  });

  test('wholeDays returns the days of a whole-day duration within the range', () => {
    expect(Validate.wholeDays('noncurrentExpiration', Duration.days(30), 1, 36500)).toBe(30);
    expect(Validate.wholeDays('noncurrentExpiration', Duration.hours(48), 1, 36500)).toBe(2);
    expect(Validate.wholeDays('noncurrentExpiration', Duration.days(36500), 1, 36500)).toBe(36500);
    expect(Validate.wholeDays('expiration', Duration.days(0), 0, 10)).toBe(0);
  });

  test('wholeDays names the prop instead of the raw conversion error for part days and days out of range', () => {
    const stack = new Stack(undefined, 'Lake');
    expect(() => Validate.wholeDays('noncurrentTransitionAfter', Duration.hours(36), 1, 36500, stack))
      .toThrow('Lake: noncurrentTransitionAfter must be a whole number of days from 1 to 36500; got 1.5 days');
    expect(() => Validate.wholeDays('queryResultsRetention', Duration.days(0), 1, 36500)).toThrow(/queryResultsRetention .* from 1 to 36500; got 0 days/);
    expect(() => Validate.wholeDays('queryResultsRetention', Duration.days(36501), 1, 36500)).toThrow(/got 36501 days/);
    let caught: unknown;
    try {
      Validate.wholeDays('accessLogsRetention', Duration.minutes(90), 1, 36500);
    } catch (error) {
      caught = error;
    }
    expect(Validate.isValidationError(caught)).toBe(true);
  });

  test('any whole number of days in range is returned, any part day is rejected', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 36500 }), fc.integer({ min: 1, max: 23 }), (days, hours) => {
      expect(Validate.wholeDays('days', Duration.days(days), 1, 36500)).toBe(days);
      expect(() => Validate.wholeDays('days', Duration.hours(days * 24 + hours), 1, 36500)).toThrow(/days must be a whole number of days/);
    }), { numRuns: 100 });
  });

  test('minMax accepts equal bounds and names the max prop when min is above it', () => {
    expect(() => Validate.minMax('minWorkers', 2, 'maxWorkers', 2)).not.toThrow();
    expect(() => Validate.minMax('minWorkers', 1, 'maxWorkers', 25)).not.toThrow();
    const stack = new Stack(undefined, 'Airflow');
    expect(() => Validate.minMax('minWorkers', 5, 'maxWorkers', 3, stack)).toThrow('Airflow: maxWorkers must be at least minWorkers (5); got 3');
  });

  describe('keyPrefix', () => {
    test.each([
      'athena-results/',
      'a/',
      'query-results/team/',
      "tmp/athena_q/v=1/(x)!'.../",
      'a.b/..c/',
      'x'.repeat(511) + '/',
    ])('accepts %s', prefix => {
      expect(() => Validate.keyPrefix('resultsPrefix', prefix)).not.toThrow();
    });

    test.each([
      ['a*/', 'a wildcard'],
      ['a?/', 'a single-character wildcard'],
      ['../', 'a parent segment'],
      ['./x/', 'a current segment'],
      ['a/../b/', 'a parent segment inside'],
      ['a/./', 'a current segment at the end'],
      ['/abs/', 'a leading slash'],
      ['noslash', 'no trailing slash'],
      ['a/b', 'a last segment without slash'],
      ['a//', 'an empty segment'],
      ['/', 'only a slash'],
      ['', 'nothing'],
      ['has space/', 'a space'],
      ['ünï/', 'non-ASCII letters'],
      ['x'.repeat(512) + '/', '513 characters'],
    ])('rejects %j (%s) with the named error', prefix => {
      const stack = new Stack(undefined, 'Lake');
      let caught: unknown;
      try {
        Validate.keyPrefix('resultsPrefix', prefix, stack);
      } catch (error) {
        caught = error;
      }
      expect(Validate.isValidationError(caught)).toBe(true);
      expect((caught as Error).message).toBe(`Lake: resultsPrefix must be a relative S3 key prefix: segments of letters, digits and !_.'()=- each followed by "/", `
        + `no leading "/", no wildcard such as "*", no "." or ".." segment, parentheses closed within their segment, 2 to 512 characters; got ${JSON.stringify(prefix)}`);
    });

    test('an unresolved token is skipped', () => {
      expect(() => Validate.keyPrefix('resultsPrefix', Token.asString({ Ref: 'Prefix' }))).not.toThrow();
    });

    const segmentCharacter = fc.constantFrom(...'abcXYZ019!_.\'=-'.split(''));
    // Parentheses come in closed pairs within a segment, as the rule requires.
    const segment = fc.tuple(fc.string({ unit: segmentCharacter, minLength: 1, maxLength: 12 }), fc.boolean(), fc.string({ unit: segmentCharacter, maxLength: 4 }))
      .map(([text, grouped, tail]) => grouped ? `(${text})${tail}` : text)
      .filter(text => text !== '.' && text !== '..');
    const validPrefix = fc.array(segment, { minLength: 1, maxLength: 6 }).map(segments => segments.map(text => `${text}/`).join(''));

    test('any generated prefix is accepted, and any mutation of it is rejected', () => {
      const mutation = fc.oneof(
        fc.constant((prefix: string) => `/${prefix}`),
        fc.constant((prefix: string) => prefix.slice(0, -1)),
        fc.constant((prefix: string) => `${prefix}*/`),
        fc.constant((prefix: string) => `${prefix.slice(0, -1)}*/`),
        fc.constant((prefix: string) => `${prefix}../`),
        fc.constant((prefix: string) => `./${prefix}`),
        fc.constant((prefix: string) => `${prefix}/`),
        fc.constant((prefix: string) => `${prefix}a b/`),
        fc.constant((prefix: string) => prefix + 'y'.repeat(512) + '/'),
        fc.constant((prefix: string) => `${prefix}a(/`),
        fc.constant((prefix: string) => `${prefix})/`),
        fc.constant((prefix: string) => `(${prefix}`),
      );
      fc.assert(fc.property(validPrefix, mutation, (prefix, mutate) => {
        expect(() => Validate.keyPrefix('prefix', prefix)).not.toThrow();
        expect(() => Validate.keyPrefix('prefix', mutate(prefix))).toThrow(/^prefix must be a relative S3 key prefix/);
      }), { numRuns: 300 });
    });
  });

  describe('pipelineName', () => {
    test.each(['lakehouse-pipeline', 'a', 'events_v2.daily', 'x'.repeat(128)])('accepts %s', name => {
      expect(() => Validate.pipelineName('pipelineName', name)).not.toThrow();
    });

    test.each(['', 'has space', 'x'.repeat(129), 'events/daily', 'a*', 'naïve'])('rejects %j with the named error', name => {
      const stack = new Stack(undefined, 'Airflow');
      let caught: unknown;
      try {
        Validate.pipelineName('pipelineName', name, stack);
      } catch (error) {
        caught = error;
      }
      expect(Validate.isValidationError(caught)).toBe(true);
      expect((caught as Error).message)
        .toBe(`Airflow: pipelineName must be 1 to 128 letters, digits, "_", "." and "-" (a lakehouse pipeline name); got ${JSON.stringify(name)}`);
    });

    test('an unresolved token is skipped', () => {
      expect(() => Validate.pipelineName('pipelineName', Token.asString({ Ref: 'Name' }))).not.toThrow();
    });
  });

  describe('cronExpression', () => {
    test.each([
      'cron(0 2 * * ? *)',
      'cron(15 10 ? * MON-FRI *)',
      'cron(0/15 * * * ? *)',
      'cron(0 12 L * ? 2030)',
      'cron(0 8 ? JAN-MAR 2#1 *)',
      'cron(0,30 9-17 1,15 * ? *)',
    ])('accepts %s', expression => {
      expect(() => Validate.cronExpression('schedule', expression)).not.toThrow();
    });

    test.each([
      ['rate(1 day)', /must look like cron/],
      ['cron(0 2 * * *)', /has 5 fields, not 6/],
      ['cron(0 2 * * * *)', /exactly one of day-of-month and day-of-week must be \?/],
      ['cron(0 2 ? * ? *)', /exactly one of day-of-month and day-of-week/],
      ['cron(60 2 * * ? *)', /minutes field "60": 60 is outside 0-59/],
      ['cron(0 24 * * ? *)', /hours field "24": 24 is outside 0-23/],
      ['cron(0 2 * 13 ? *)', /month field "13"/],
      ['cron(0 2 ? * FUN *)', /day-of-week field "FUN": "FUN" is not a number/],
      ['cron(? 2 * * ? *)', /\? is only allowed in the day fields/],
      ['cron(0/0 2 * * ? *)', /a step must be at least 1/],
      ['cron(0 1-2-3 * * ? *)', /is not a value, range or step/],
    ])('rejects %s', (expression, message) => {
      expect(() => Validate.cronExpression('rawSchedule', expression)).toThrow(/^rawSchedule must be a six-field cron\(\.\.\.\) expression/);
      expect(() => Validate.cronExpression('rawSchedule', expression)).toThrow(message);
    });

    test('any generated valid expression is accepted', () => {
      const field = (min: number, max: number) => fc.oneof(
        fc.constant('*'),
        fc.integer({ min, max }).map(String),
        fc.tuple(fc.integer({ min, max }), fc.integer({ min, max })).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
        fc.tuple(fc.integer({ min, max }), fc.integer({ min: 1, max: 10 })).map(([a, step]) => `${a}/${step}`),
      );
      const days = fc.oneof(
        field(1, 31).map(dom => [dom, '?']),
        field(1, 7).map(dow => ['?', dow]),
      );
      fc.assert(fc.property(field(0, 59), field(0, 23), days, field(1, 12), field(1970, 2199),
        (minutes, hours, [dom, dow], month, year) => {
          expect(() => Validate.cronExpression('schedule', `cron(${minutes} ${hours} ${dom} ${month} ${dow} ${year})`)).not.toThrow();
        }), { numRuns: 300 });
    });
  });

  describe('scheduleExpression', () => {
    test.each([
      'cron(0 0 * * ? *)', 'rate(1 day)', 'rate(1 minute)', 'rate(5 minutes)', 'rate(12 hours)', 'at(2030-02-28T23:59:59)', 'at(2028-02-29T00:00:00)',
    ])('accepts %s', expression => {
      expect(() => Validate.scheduleExpression('schedule', expression)).not.toThrow();
    });

    test.each([
      ['rate(0 days)', /the rate must be at least 1/],
      ['rate(1 days)', /a rate of 1 takes the unit day/],
      ['rate(2 hour)', /a rate of 2 takes the unit hours/],
      ['rate(1 week)', /must look like cron/],
      ['at(2030-02-30T00:00:00)', /not a real date and time/],
      ['at(2030-01-01T24:00:00)', /not a real date and time/],
      ['at(2030-01-01 00:00:00)', /must look like cron/],
      ['every day', /must look like cron/],
    ])('rejects %s', (expression, message) => {
      expect(() => Validate.scheduleExpression('schedule', expression))
        .toThrow(/^schedule must be an EventBridge Scheduler cron\(\.\.\.\), rate\(\.\.\.\) or at\(\.\.\.\) expression/);
      expect(() => Validate.scheduleExpression('schedule', expression)).toThrow(message);
    });

    test('a cron expression gets the cron checks, and a token is skipped', () => {
      expect(() => Validate.scheduleExpression('schedule', 'cron(0 2 * * *)')).toThrow(/schedule must be a six-field cron\(\.\.\.\) expression: it has 5 fields/);
      expect(() => Validate.scheduleExpression('schedule', Token.asString({ Ref: 'Schedule' }))).not.toThrow();
    });

    test('any whole rate with the matching unit is accepted, and the other unit refused', () => {
      fc.assert(fc.property(fc.integer({ min: 1, max: 10_000 }), fc.constantFrom('minute', 'hour', 'day'), (amount, unit) => {
        const [right, wrong] = amount === 1 ? [unit, `${unit}s`] : [`${unit}s`, unit];
        expect(() => Validate.scheduleExpression('schedule', `rate(${amount} ${right})`)).not.toThrow();
        expect(() => Validate.scheduleExpression('schedule', `rate(${amount} ${wrong})`)).toThrow(/takes the unit/);
      }), { numRuns: 200 });
    });
  });
});
