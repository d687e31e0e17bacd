'use strict';
const assert = require('node:assert/strict');
const { afterEach, beforeEach, test } = require('node:test');
const { commitsSince, mergedTags } = require('../lib/git');
const { planRelease, releaseProblems } = require('../lib/plan');
const { discoverPackages } = require('../release');
const { createWorkspace } = require('./fixture');

let ws;
beforeEach(() => { ws = createWorkspace(); });
afterEach(() => ws.cleanup());

const plan = () => planRelease({
  packages: discoverPackages(ws.cwd),
  tags: mergedTags(ws.cwd),
  commitsSince: (_layer, since) => commitsSince(ws.cwd, since),
});
const versions = releases => Object.fromEntries(releases.map(r => [r.layer, r.version]));
const tagAll = () => ['core', 'storage', 'catalog'].forEach(layer => ws.git('tag', `${layer}@v0.1.0`));

test('the first release of every layer is its manifest version, the baseline', () => {
  const releases = plan();
  assert.deepEqual(versions(releases), { core: '0.1.0', storage: '0.1.0', catalog: '0.1.0' });
  assert.ok(releases.every(r => r.initial && r.tag === `${r.layer}@v0.1.0`));
  assert.ok(!releases.some(r => r.name === '@lakehouse-cdk/testing'), 'the private test helpers are never released');
});

test('nothing is released without a releasable commit since the tags', () => {
  tagAll();
  ws.commit('docs(storage): the defaults table', ['packages/storage/README.md']);
  ws.commit('test(core): one more case', ['packages/core/test/naming.test.ts']);
  assert.deepEqual(plan(), []);
});

test('a commit scoped to several packages bumps each of them, and only them', () => {
  tagAll();
  ws.commit('feat(storage,catalog): tag every resource with its layer', ['packages/storage/src/index.ts', 'packages/catalog/src/index.ts']);
  const releases = plan();
  assert.deepEqual(versions(releases), { storage: '0.1.1', catalog: '0.1.1' });
  assert.deepEqual(releases.map(r => r.tag).sort(), ['catalog@v0.1.1', 'storage@v0.1.1']);
});

test('a release of core bumps the layers that build on it', () => {
  tagAll();
  ws.commit('fix(core): name the prop in the error', ['packages/core/src/index.ts']);
  const releases = plan();
  assert.deepEqual(versions(releases), { core: '0.1.1', storage: '0.1.1', catalog: '0.1.1' });
  const storage = releases.find(r => r.layer === 'storage');
  assert.deepEqual(storage.dependencies.map(d => `${d.name} ${d.from} -> ${d.to}`), ['@lakehouse-cdk/core 0.1.0 -> 0.1.1']);
  assert.equal(storage.commits.length, 0);
});

test('a break in core is a break in the layers whose peer range it moves past', () => {
  tagAll();
  ws.commit('feat(core)!: Naming takes a stage\n\nBREAKING CHANGE: pass `stage` where you passed `environment`.', ['packages/core/src/index.ts']);
  assert.deepEqual(versions(plan()), { core: '0.2.0', storage: '0.2.0', catalog: '0.2.0' });
});

test('each layer counts only the commits since its own last tag', () => {
  tagAll();
  ws.commit('feat(storage): intelligent tiering', ['packages/storage/src/index.ts']);
  ws.git('tag', 'storage@v0.1.1');
  ws.commit('fix(catalog): crawler schedule', ['packages/catalog/src/index.ts']);
  ws.commit('feat(storage)!: rename the buckets\n\nBREAKING CHANGE: the bucket names change; copy the data to the new buckets.', ['packages/storage/src/index.ts']);
  const releases = plan();
  assert.deepEqual(versions(releases), { storage: '0.2.0', catalog: '0.1.1' });
  assert.equal(releases.find(r => r.layer === 'storage').previous, '0.1.1');
});

test('an unscoped commit belongs to the layers whose sources it touches', () => {
  tagAll();
  ws.commit('fix: tokens in every validation', ['packages/catalog/src/index.ts']);
  assert.deepEqual(versions(plan()), { catalog: '0.1.1' });
});

test('a commit scoped to a layer does not release another layer it touches', () => {
  tagAll();
  ws.commit('feat(storage): a new prefix', ['packages/storage/src/index.ts', 'packages/catalog/src/index.ts']);
  assert.deepEqual(versions(plan()), { storage: '0.1.1' });
});

test('a breaking commit without upgrade notes stops the release', () => {
  tagAll();
  ws.commit('refactor(storage)!: rename the access-logs bucket', ['packages/storage/src/index.ts']);
  const problems = releaseProblems(plan());
  assert.equal(problems.length, 1);
  assert.match(problems[0], /storage: "rename the access-logs bucket" .* no upgrade notes/);
});

test('an API break that no commit declares stops the release', () => {
  tagAll();
  ws.commit('fix(storage): lifecycle rule ids', ['packages/storage/src/index.ts']);
  const problems = releaseProblems(plan(), { storage: ['err  - CLASS @lakehouse-cdk/storage.DagsBucket: has been removed'] });
  assert.equal(problems.length, 1);
  assert.match(problems[0], /storage: jsii-diff finds breaking API changes since storage@v0.1.0 that no commit declares/);
  assert.match(problems[0], /DagsBucket: has been removed/);
});

test('a declared break with notes passes the API check', () => {
  tagAll();
  ws.commit('feat(storage)!: one bucket for DAGs\n\nBREAKING CHANGE: DagsBucket is gone; pass `dagsPrefix` instead.', ['packages/storage/src/index.ts']);
  assert.deepEqual(releaseProblems(plan(), { storage: ['err  - CLASS @lakehouse-cdk/storage.DagsBucket: has been removed'] }), []);
});
