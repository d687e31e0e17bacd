import { compareVersions } from '../src/private/versions';

describe('compareVersions', () => {
  test.each([
    ['2.10.3', '2.9.0', 1],
    ['2.9.0', '2.10.3', -1],
    ['2.9.2', '2.9.0', 1],
    ['2.8.1', '2.9.0', -1],
    ['2.9', '2.9.0', 0],
    ['2.9.0', '2.9.0', 0],
    ['3.0.0', '2.10.3', 1],
  ])('%s against %s has the sign %d (numeric, not lexical)', (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b))).toBe(sign);
  });
});
