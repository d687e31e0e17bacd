'use strict';
const assert = require('node:assert/strict');
const { test } = require('node:test');
const { prependSection, renderSection } = require('../lib/changelog');
const { parseCommit } = require('../lib/conventional');

const options = { date: '2026-12-01', repositoryUrl: 'https://github.com/lakehouse-cdk/lakehouse-cdk' };

test('a breaking release lists the upgrade notes before the features and fixes', () => {
  const release = {
    layer: 'orchestration', name: '@lakehouse-cdk/orchestration', previous: '0.1.0', version: '0.2.0', tag: 'orchestration@v0.2.0',
    initial: false,
    commits: [
      parseCommit('feat(orchestration)!: Airflow 3.0.6 by default\n\nBREAKING CHANGE: MWAA does not upgrade Airflow 2 in place;\ndeploy a new environment and move the DAGs.', 'a1b2c3d4e5'),
      parseCommit('feat(orchestration): serverless tier', 'b2c3d4e5f6'),
      parseCommit('fix(orchestration,storage): DAGs prefix', 'c3d4e5f6a7'),
    ],
    dependencies: [{ name: '@lakehouse-cdk/core', from: '0.1.0', to: '0.1.1' }],
  };
  const section = renderSection(release, options);
  assert.match(section, /^## \[0\.2\.0\]\(https:\/\/github\.com\/lakehouse-cdk\/lakehouse-cdk\/compare\/orchestration@v0\.1\.0\.\.\.orchestration@v0\.2\.0\) \(2026-12-01\)/);
  const order = ['### ⚠ BREAKING CHANGES', 'Airflow 3.0.6 by default (a1b2c3d)', '  deploy a new environment and move the DAGs.',
    '### Features', '* serverless tier (b2c3d4e)', '### Bug Fixes', '* DAGs prefix (also orchestration, storage) (c3d4e5f)',
    '### Dependencies', '* @lakehouse-cdk/core 0.1.0 → 0.1.1'];
  const positions = order.map(text => section.indexOf(text));
  assert.ok(positions.every(p => p >= 0), `missing: ${order.filter((_, i) => positions[i] < 0).join(' | ')}`);
  assert.deepEqual([...positions].sort((a, b) => a - b), positions);
  assert.ok(!section.includes('Airflow 3.0.6 by default (a1b2c3d)\n* serverless'), 'a breaking feature is not listed again under Features');
});

test('the first release says it is the baseline', () => {
  const section = renderSection({ layer: 'core', name: '@lakehouse-cdk/core', version: '0.1.0', tag: 'core@v0.1.0', initial: true, commits: [], dependencies: [] }, options);
  assert.match(section, /^## 0\.1\.0 \(2026-12-01\)\n\nInitial release\. Its API is the baseline that jsii-diff compares later releases against\./);
});

test('a new section goes on top, under one title', () => {
  const first = prependSection(undefined, '@lakehouse-cdk/core', '## 0.1.0 (2026-11-01)\n\nInitial release.\n');
  const second = prependSection(first, '@lakehouse-cdk/core', '## 0.1.1 (2026-12-01)\n\n### Bug Fixes\n\n* x (abc1234)\n');
  assert.equal(second.match(/^# Changelog/gm).length, 1);
  assert.ok(second.indexOf('## 0.1.1') < second.indexOf('## 0.1.0'));
  assert.ok(second.startsWith('# Changelog of @lakehouse-cdk/core\n\n## 0.1.1'));
});
