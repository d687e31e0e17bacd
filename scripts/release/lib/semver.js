'use strict';
// The few semver operations a release needs, for plain x.y.z versions.

const LEVELS = ['fix', 'feature', 'breaking'];

function parse(version) {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (!match) {
    throw new Error(`not a release version: "${version}" (expected x.y.z)`);
  }
  return match.slice(1).map(Number);
}

/** The higher of two release levels (undefined is lowest). */
function maxLevel(a, b) {
  return LEVELS.indexOf(a) >= LEVELS.indexOf(b) ? a : b;
}

/**
 * The next version. Below 1.0 a breaking change moves the minor version and
 * anything else the patch, so a caret range (^0.2.0) never takes a break.
 */
function bump(version, level) {
  const [major, minor, patch] = parse(version);
  if (level === undefined) {
    return version;
  }
  if (major === 0) {
    return level === 'breaking' ? `0.${minor + 1}.0` : `0.${minor}.${patch + 1}`;
  }
  if (level === 'breaking') {
    return `${major + 1}.0.0`;
  }
  return level === 'feature' ? `${major}.${minor + 1}.0` : `${major}.${minor}.${patch + 1}`;
}

function compare(a, b) {
  const [x, y] = [parse(a), parse(b)];
  for (let i = 0; i < 3; i++) {
    if (x[i] !== y[i]) {
      return x[i] - y[i];
    }
  }
  return 0;
}

module.exports = { bump, compare, maxLevel, parse, LEVELS };
