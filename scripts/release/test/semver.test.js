'use strict';
const assert = require('node:assert/strict');
const { test } = require('node:test');
const { bump, compare, maxLevel } = require('../lib/semver');

test('below 1.0 a break moves the minor version and anything else the patch', () => {
  assert.equal(bump('0.1.0', 'breaking'), '0.2.0');
  assert.equal(bump('0.2.3', 'breaking'), '0.3.0');
  assert.equal(bump('0.2.3', 'feature'), '0.2.4');
  assert.equal(bump('0.2.3', 'fix'), '0.2.4');
});

test('from 1.0 breaks move the major, features the minor and fixes the patch', () => {
  assert.equal(bump('1.4.2', 'breaking'), '2.0.0');
  assert.equal(bump('1.4.2', 'feature'), '1.5.0');
  assert.equal(bump('1.4.2', 'fix'), '1.4.3');
});

test('no release level keeps the version', () => {
  assert.equal(bump('0.4.1', undefined), '0.4.1');
});

test('versions compare numerically, not as text', () => {
  assert.ok(compare('0.10.0', '0.9.9') > 0);
  assert.equal(['0.10.0', '0.2.0', '0.9.1'].sort(compare).pop(), '0.10.0');
});

test('the higher release level wins', () => {
  assert.equal(maxLevel(undefined, 'fix'), 'fix');
  assert.equal(maxLevel('feature', 'fix'), 'feature');
  assert.equal(maxLevel('fix', 'breaking'), 'breaking');
});

test('a version that is not x.y.z is refused', () => {
  assert.throws(() => bump('0.1', 'fix'), /not a release version: "0.1"/);
});
