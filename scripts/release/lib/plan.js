'use strict';
// Which layers to release, at which versions, and why: from each layer's last
// tag, the Conventional Commits since then and the releases of the layers it
// builds on.
const { releaseLevel } = require('./conventional');
const semver = require('./semver');

/** The tag of one layer's release: `storage@v0.2.0`. */
function tagOf(layer, version) {
  return `${layer}@v${version}`;
}

/** The version in a tag of this layer, or undefined for another layer's tag. */
function versionOfTag(layer, tag) {
  const prefix = `${layer}@v`;
  if (!tag.startsWith(prefix)) {
    return undefined;
  }
  const version = tag.slice(prefix.length);
  return /^\d+\.\d+\.\d+$/.test(version) ? version : undefined;
}

/** The newest release of a layer among the given tags. */
function lastRelease(layer, tags) {
  const versions = tags.map(tag => versionOfTag(layer, tag)).filter(Boolean);
  return versions.sort(semver.compare).pop();
}

/**
 * Whether a commit belongs to a layer: its scopes name the layer; a commit
 * whose scopes name no layer at all belongs to the layers whose sources it touches.
 */
function belongsTo(commit, layer, layers) {
  if (commit.scopes.includes(layer)) {
    return true;
  }
  if (commit.scopes.some(scope => layers.includes(scope))) {
    return false;
  }
  return (commit.files ?? []).some(file => file.startsWith(`packages/${layer}/src/`));
}

/** Packages in an order where every layer follows the layers it depends on. */
function dependencyOrder(packages) {
  const byLayer = new Map(packages.map(pkg => [pkg.layer, pkg]));
  const ordered = [];
  const visiting = new Set();
  const visit = pkg => {
    if (ordered.includes(pkg)) {
      return;
    }
    if (visiting.has(pkg.layer)) {
      throw new Error(`dependency cycle through ${pkg.layer}`);
    }
    visiting.add(pkg.layer);
    for (const dep of pkg.deps) {
      if (byLayer.has(dep)) {
        visit(byLayer.get(dep));
      }
    }
    ordered.push(pkg);
  };
  packages.forEach(visit);
  return ordered;
}

/**
 * The release plan.
 * @param packages [{ layer, name, version, deps: [layer] }]: version is the manifest's, the first release's
 * @param tags every tag reachable from the release commit
 * @param commitsSince (layer, sinceTag | undefined) => parsed commits with their files
 * @returns [{ layer, name, previous, version, tag, level, initial, commits, dependencies }] for the layers to release
 */
function planRelease({ packages, tags, commitsSince }) {
  const layers = packages.map(pkg => pkg.layer);
  const planned = new Map();
  for (const pkg of dependencyOrder(packages)) {
    const previous = lastRelease(pkg.layer, tags);
    const dependencies = pkg.deps
      .filter(dep => planned.has(dep))
      .map(dep => planned.get(dep))
      .map(dep => ({ name: dep.name, layer: dep.layer, from: dep.previous, to: dep.version, level: dep.level }));
    if (previous === undefined) {
      // The first release: the manifest's version, and the baseline for jsii-diff from then on.
      planned.set(pkg.layer, {
        layer: pkg.layer, name: pkg.name, previous, version: pkg.version, tag: tagOf(pkg.layer, pkg.version),
        level: 'initial', initial: true, commits: [], dependencies,
      });
      continue;
    }
    const commits = commitsSince(pkg.layer, tagOf(pkg.layer, previous)).filter(commit => belongsTo(commit, pkg.layer, layers));
    let level;
    for (const commit of commits) {
      level = semver.maxLevel(level, releaseLevel(commit));
    }
    for (const dep of dependencies) {
      // A dependency's break moves its peer range past the caret: a break here too.
      const fromDependency = dep.level === 'breaking' ? 'breaking' : 'fix';
      level = semver.maxLevel(level, fromDependency);
    }
    if (level === undefined) {
      continue;
    }
    const version = semver.bump(previous, level);
    planned.set(pkg.layer, {
      layer: pkg.layer, name: pkg.name, previous, version, tag: tagOf(pkg.layer, version),
      level, initial: false, commits: commits.filter(commit => releaseLevel(commit) !== undefined), dependencies,
    });
  }
  return [...planned.values()];
}

/**
 * Problems that stop a release: a breaking commit without upgrade notes, or
 * jsii-diff breaks in a release that no commit declares breaking.
 * @param apiBreaks layer => jsii-diff's error lines since the last release
 */
function releaseProblems(plan, apiBreaks = {}) {
  const problems = [];
  for (const release of plan) {
    for (const commit of release.commits) {
      if (commit.breaking && !commit.breakingNotes) {
        problems.push(`${release.layer}: "${commit.subject}" (${commit.hash.slice(0, 7)}) is breaking but has no upgrade notes; add a "BREAKING CHANGE: <what users must change>" footer`);
      }
    }
    const breaks = apiBreaks[release.layer] ?? [];
    const declared = release.commits.some(commit => commit.breaking);
    if (breaks.length > 0 && !declared) {
      problems.push(`${release.layer}: jsii-diff finds breaking API changes since ${tagOf(release.layer, release.previous)} that no commit declares ` +
        `(mark the commit "!" and add a "BREAKING CHANGE:" footer with upgrade notes):\n  ${breaks.join('\n  ')}`);
    }
  }
  return problems;
}

module.exports = { belongsTo, dependencyOrder, lastRelease, planRelease, releaseProblems, tagOf, versionOfTag };
