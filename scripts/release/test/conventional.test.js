'use strict';
const assert = require('node:assert/strict');
const { test } = require('node:test');
const { parseCommit, releaseLevel } = require('../lib/conventional');

test('a commit scoped to several packages names each of them', () => {
  const commit = parseCommit('feat(storage, catalog): tag every bucket with its layer', 'abc');
  assert.deepEqual(commit.scopes, ['storage', 'catalog']);
  assert.equal(commit.type, 'feat');
  assert.equal(commit.breaking, false);
  assert.equal(releaseLevel(commit), 'feature');
});

test('a breaking footer carries the upgrade notes up to the next footer', () => {
  const commit = parseCommit([
    'feat(orchestration): Airflow 3 by default',
    '',
    'The environment runs Airflow 3.0.6.',
    '',
    'BREAKING CHANGE: MWAA cannot upgrade an environment in place from Airflow 2.',
    'Deploy a new environment next to the old one and move the DAGs.',
    'Refs: #14',
  ].join('\n'));
  assert.equal(commit.breaking, true);
  assert.equal(commit.breakingNotes, 'MWAA cannot upgrade an environment in place from Airflow 2.\nDeploy a new environment next to the old one and move the DAGs.');
  assert.equal(releaseLevel(commit), 'breaking');
});

test('"!" marks a break without notes, which the release then asks for', () => {
  const commit = parseCommit('refactor(storage)!: rename the access-logs bucket');
  assert.equal(commit.breaking, true);
  assert.equal(commit.breakingNotes, '');
  assert.equal(releaseLevel(commit), 'breaking');
});

test('only feat, fix, perf and breaking commits release anything', () => {
  assert.equal(releaseLevel(parseCommit('fix(core): name the prop in the error')), 'fix');
  assert.equal(releaseLevel(parseCommit('perf(workflow): one state fewer')), 'fix');
  assert.equal(releaseLevel(parseCommit('docs(storage): the defaults table')), undefined);
  assert.equal(releaseLevel(parseCommit('test(catalog): property tests')), undefined);
});

test('a message that is no Conventional Commit is ignored', () => {
  assert.equal(parseCommit("Merge branch 'main' into topic"), undefined);
  assert.equal(parseCommit('fix storage'), undefined);
});
