import * as fc from 'fast-check';
import { Naming, ResourceKind } from '../src';

/** A word as the convention accepts it: a letter, then letters/digits, in hyphen-joined pieces. */
const word = (maxPieces: number, maxPieceLength: number) => fc.array(
  fc.stringMatching(new RegExp(`^[a-z0-9]{1,${maxPieceLength}}$`)), { minLength: 1, maxLength: maxPieces },
).chain(pieces => fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'.split('')).map(first => first + pieces.join('-')));

const kinds = fc.constantFrom(...Object.values(ResourceKind));
const projects = word(2, 8);
const environments = word(2, 6);
const components = word(6, 20);

describe('generated names', () => {
  test('always satisfy the target service rules', () => {
    fc.assert(fc.property(projects, environments, components, kinds, (project, environment, component, kind) => {
      const rules = Naming.rulesFor(kind);
      const name = new Naming({ project, environment }).name(kind, component);
      expect(name.length).toBeGreaterThanOrEqual(rules.minLength);
      expect(name.length).toBeLessThanOrEqual(rules.maxLength);
      expect(name).toMatch(new RegExp(`^(?:${rules.pattern})$`, 'u'));
      if (kind === ResourceKind.S3_BUCKET) {
        expect(name).not.toMatch(/--|\.\.|^xn--|-s3alias$/);
      }
      if (kind === ResourceKind.MWAA_ENVIRONMENT) {
        expect(name).toMatch(/^[a-zA-Z]/);
      }
    }), { numRuns: 500 });
  });

  test('distinct components give distinct names, however long', () => {
    fc.assert(fc.property(projects, environments, fc.uniqueArray(components, { minLength: 2, maxLength: 8 }), kinds,
      (project, environment, unique, kind) => {
        const naming = new Naming({ project, environment });
        const names = unique.map(component => naming.name(kind, component));
        expect(new Set(names).size).toBe(unique.length);
      }), { numRuns: 300 });
  });

  test('distinct projects or environments give distinct names for the same component', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.tuple(projects, environments), {
      minLength: 2, maxLength: 5, selector: ([p, e]) => `${p}/${e}`,
    }), components, kinds, (pairs, component, kind) => {
      const names = pairs.map(([project, environment]) => {
        try {
          return new Naming({ project, environment }).name(kind, component);
        } catch {
          return undefined; // no room for the component: a named error, tested elsewhere
        }
      }).filter(name => name !== undefined);
      // "a-b" + "c" and "a" + "b-c" are the same words; only compare pairs whose joined words differ.
      const joined = new Set(pairs.map(([p, e]) => `${p}-${e}`));
      if (joined.size === pairs.length) {
        expect(new Set(names).size).toBe(names.length);
      }
    }), { numRuns: 200 });
  });

  test('invalid words are rejected with an error that names the input', () => {
    const invalid = fc.oneof(
      fc.constant(''),
      fc.string({ minLength: 1, maxLength: 20 }).filter(s => !/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(s)),
    );
    fc.assert(fc.property(invalid, fc.constantFrom('project', 'environment', 'component'), (bad, input) => {
      const build = () => {
        const naming = new Naming({ project: input === 'project' ? bad : 'lakehouse', environment: input === 'environment' ? bad : 'sandbox' });
        naming.name(ResourceKind.S3_BUCKET, input === 'component' ? bad : 'data');
      };
      expect(build).toThrow(new RegExp(`^${input} must`));
    }), { numRuns: 300 });
  });
});
