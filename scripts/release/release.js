#!/usr/bin/env node
// Releases the layers whose Conventional Commits (or dependencies) changed
// since their last tag, each at its own version, with its own CHANGELOG.md
// and tag (`storage@v0.2.0`).
//
//   node scripts/release/release.js             version, changelog, build, check, tag (the workflow publishes dist/release)
//   node scripts/release/release.js --dry-run   the same in a temporary clone: nothing is tagged, committed or
//                                               published, and this working tree is left as it was
//
// Options: --baseline-dir <dir>  compare with <dir>/<layer>/.jsii instead of the
//          last release on npm; --skip-build  plan and write changelogs only.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { prependSection, renderSection } = require('./lib/changelog');
const { commitsSince, dirtyPaths, git, mergedTags } = require('./lib/git');
const { planRelease, releaseProblems } = require('./lib/plan');

const REPOSITORY_URL = 'https://github.com/lakehouse-cdk/lakehouse-cdk';
/** The workspace's jsii-diff, never one that npx would download. */
const JSII_DIFF = path.join(path.dirname(require.resolve('jsii-diff/package.json')), 'bin', 'jsii-diff');

function log(message) {
  process.stdout.write(`release: ${message}\n`);
}

/** The workspace's publishable jsii libraries and the sibling layers each declares as a peer. */
function discoverPackages(cwd) {
  const dirs = fs.readdirSync(path.join(cwd, 'packages')).filter(dir => fs.existsSync(path.join(cwd, 'packages', dir, 'package.json')));
  const manifests = dirs.map(dir => ({ dir, manifest: JSON.parse(fs.readFileSync(path.join(cwd, 'packages', dir, 'package.json'), 'utf8')) }));
  const libraries = manifests.filter(({ manifest }) => manifest.jsii && !manifest.private);
  const layerOf = new Map(libraries.map(({ dir, manifest }) => [manifest.name, dir]));
  return libraries.map(({ dir, manifest }) => ({
    layer: dir,
    name: manifest.name,
    version: manifest.version,
    deps: Object.keys(manifest.peerDependencies ?? {}).filter(name => layerOf.has(name)).map(name => layerOf.get(name)),
  }));
}

/** Writes the released versions, and the sibling ranges that point at them, into the manifests. */
function applyVersions(cwd, plan) {
  const released = new Map(plan.map(release => [release.name, release.version]));
  for (const release of plan) {
    const file = path.join(cwd, 'packages', release.layer, 'package.json');
    const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
    manifest.version = release.version;
    for (const [field, range] of [['peerDependencies', v => `^${v}`], ['devDependencies', v => v]]) {
      for (const name of Object.keys(manifest[field] ?? {})) {
        if (released.has(name)) {
          manifest[field][name] = range(released.get(name));
        }
      }
    }
    fs.writeFileSync(file, JSON.stringify(manifest, null, 2) + '\n');
  }
}

function writeChangelogs(cwd, plan, date) {
  for (const release of plan) {
    const file = path.join(cwd, 'packages', release.layer, 'CHANGELOG.md');
    const existing = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
    const section = renderSection(release, { date, repositoryUrl: REPOSITORY_URL });
    fs.writeFileSync(file, prependSection(existing, release.name, section));
  }
}

/** jsii-diff's error lines between the last release and the new build of each layer. */
function apiBreaks(cwd, plan, baselineDir) {
  const breaks = {};
  for (const release of plan.filter(r => !r.initial)) {
    const original = baselineDir ? path.resolve(baselineDir, release.layer) : `npm:${release.name}@${release.previous}`;
    try {
      execFileSync(process.execPath, [JSII_DIFF, original, path.join(cwd, 'packages', release.layer), '--error-on', 'all', '--keys'], {
        cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: process.versions.node.split('.')[0] },
      });
      breaks[release.layer] = [];
    } catch (error) {
      // jsii-diff reports incompatible changes on stderr and exits non-zero.
      const lines = `${error.stdout ?? ''}\n${error.stderr ?? ''}`.split('\n').filter(line => line.startsWith('err '));
      if (lines.length === 0) {
        throw new Error(`jsii-diff ${original} failed: ${error.stderr || error.message}`);
      }
      breaks[release.layer] = lines;
    }
  }
  return breaks;
}

/** Copies each released layer's packages for every registry to dist/release/<layer>. */
function collectArtifacts(cwd, plan) {
  const out = path.join(cwd, 'dist', 'release');
  fs.rmSync(out, { recursive: true, force: true });
  for (const release of plan) {
    const dist = path.join(cwd, 'packages', release.layer, 'dist');
    for (const target of ['js', 'python', 'java', 'go']) {
      if (!fs.existsSync(path.join(dist, target))) {
        throw new Error(`${release.name} has no ${target} package in ${dist}`);
      }
      fs.cpSync(path.join(dist, target), path.join(out, target === 'go' ? 'go' : `${target}/${release.layer}`), { recursive: true });
    }
  }
  fs.writeFileSync(path.join(out, 'releases.json'), JSON.stringify(plan.map(r => ({ name: r.name, version: r.version, tag: r.tag, level: r.level })), null, 2) + '\n');
  return out;
}

function releaseIn(cwd, { dryRun, baselineDir, skipBuild, date }) {
  const packages = discoverPackages(cwd);
  const plan = planRelease({ packages, tags: mergedTags(cwd), commitsSince: (_layer, since) => commitsSince(cwd, since) });
  if (plan.length === 0) {
    log('nothing to release');
    return plan;
  }
  for (const release of plan) {
    log(`${release.name} ${release.previous ?? '(first release)'} -> ${release.version} (${release.level}), tag ${release.tag}`);
  }
  const declared = releaseProblems(plan);
  if (declared.length > 0) {
    throw new Error(declared.join('\n'));
  }
  applyVersions(cwd, plan);
  writeChangelogs(cwd, plan, date);
  if (skipBuild) {
    return plan;
  }
  const projects = plan.map(release => release.name).join(',');
  log(`building and packaging ${projects}`);
  execFileSync('npx', ['nx', 'run-many', '-t', 'package', `--projects=${projects}`, '--output-style=stream', ...(dryRun ? [] : ['--skip-nx-cache'])], { cwd, stdio: 'inherit' });
  const problems = releaseProblems(plan, apiBreaks(cwd, plan, baselineDir));
  if (problems.length > 0) {
    throw new Error(problems.join('\n'));
  }
  const out = collectArtifacts(cwd, plan);
  // The versions live in the tags; the manifests keep the first release's version.
  git(cwd, ['checkout', '--', ...plan.map(release => `packages/${release.layer}/package.json`)]);
  log(`packages for npm, PyPI, Maven Central and Go in ${path.relative(cwd, out)}`);
  if (!dryRun) {
    git(cwd, ['add', ...plan.map(release => `packages/${release.layer}/CHANGELOG.md`)]);
    git(cwd, ['commit', '-m', `chore(release): ${plan.map(release => release.tag).join(', ')}`]);
    for (const release of plan) {
      git(cwd, ['tag', '-a', release.tag, '-m', release.tag]);
    }
    log(`committed the changelogs and tagged ${plan.map(release => release.tag).join(', ')}`);
  }
  return plan;
}

/** A clone of HEAD beside this one, with its tags, node_modules and nx cache. */
function temporaryClone(repo) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lakehouse-release-'));
  const clone = path.join(tmp, 'repo');
  git(repo, ['clone', '--quiet', repo, clone]);
  git(clone, ['config', 'user.name', 'release dry run']);
  git(clone, ['config', 'user.email', 'release@localhost']);
  const link = (from, to) => {
    fs.mkdirSync(path.dirname(to), { recursive: true });
    try {
      execFileSync('cp', ['-al', from, to]);
    } catch {
      execFileSync('cp', ['-a', from, to]);
    }
  };
  if (fs.existsSync(path.join(repo, 'node_modules'))) {
    link(path.join(repo, 'node_modules'), path.join(clone, 'node_modules'));
  }
  // This tree's nx cache, so unchanged layers are not rebuilt: the cache entries
  // hard-linked (nx never rewrites one), its index copied (nx writes to it).
  if (fs.existsSync(path.join(repo, '.nx', 'cache'))) {
    link(path.join(repo, '.nx', 'cache'), path.join(clone, '.nx', 'cache'));
  }
  if (fs.existsSync(path.join(repo, '.nx', 'workspace-data'))) {
    execFileSync('cp', ['-a', path.join(repo, '.nx', 'workspace-data'), path.join(clone, '.nx', 'workspace-data')]);
  }
  return { tmp, clone };
}

function parseArgs(argv) {
  const options = { dryRun: false, skipBuild: false, baselineDir: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--dry-run') options.dryRun = true;
    else if (arg === '--skip-build') options.skipBuild = true;
    else if (arg === '--baseline-dir') options.baselineDir = path.resolve(argv[++i]);
    else if (arg !== '--') throw new Error(`unknown option ${arg}`);
  }
  return options;
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  const date = new Date().toISOString().slice(0, 10);
  const repo = git(process.cwd(), ['rev-parse', '--show-toplevel']).trim();
  if (!options.dryRun) {
    const dirty = dirtyPaths(repo);
    if (dirty.length > 0) {
      throw new Error(`the working tree has changes; commit or stash them first:\n${dirty.join('\n')}`);
    }
    releaseIn(repo, { ...options, date });
    return;
  }
  const before = new Set(dirtyPaths(repo));
  const { tmp, clone } = temporaryClone(repo);
  const started = Date.now();
  try {
    const plan = releaseIn(clone, { ...options, date });
    for (const release of plan) {
      const changelog = fs.readFileSync(path.join(clone, 'packages', release.layer, 'CHANGELOG.md'), 'utf8');
      log(`${release.tag}: CHANGELOG.md starts\n${changelog.split('\n## ')[1]?.split('\n').slice(0, 12).map(line => `  ${line}`).join('\n')}`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const changed = dirtyPaths(repo).filter(entry => !before.has(entry));
  if (changed.length > 0) {
    throw new Error(`the dry run changed this working tree:\n${changed.join('\n')}`);
  }
  log(`dry run done in ${Math.round((Date.now() - started) / 1000)} s: nothing tagged, committed or published, working tree unchanged`);
}

if (require.main === module) {
  try {
    main();
  } catch (error) {
    process.stderr.write(`release: ${error.message}\n`);
    process.exit(1);
  }
}

module.exports = { apiBreaks, applyVersions, discoverPackages, parseArgs, releaseIn, writeChangelogs };
