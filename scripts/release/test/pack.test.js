'use strict';
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { test } = require('node:test');
const { filesWithInlineSourceMaps, publishedManifest } = require('../pack');

test('the published manifest names no devDependency, so no private workspace package', () => {
  const published = publishedManifest({
    name: '@lakehouse-cdk/storage', version: '0.1.0',
    peerDependencies: { '@lakehouse-cdk/core': '^0.1.0', 'aws-cdk-lib': '^2.258.0' },
    devDependencies: { '@lakehouse-cdk/testing': '^0.0.0', 'jsii': '~5.9.0' },
    scripts: { build: 'projen build' }, jest: {}, nx: { targets: {} },
    publishConfig: { access: 'public' }, keywords: ['awscdk'],
  });
  assert.ok(!JSON.stringify(published).includes('@lakehouse-cdk/testing'));
  assert.deepEqual(Object.keys(published).sort(), ['keywords', 'name', 'peerDependencies', 'publishConfig', 'version']);
});

test('a private package is never packed for a registry', () => {
  assert.throws(() => publishedManifest({ name: '@lakehouse-cdk/testing', private: true }), /is private/);
});

test('compiled files with an inline source map are found', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pack-test-'));
  try {
    fs.mkdirSync(path.join(dir, 'lib', 'private'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'lib', 'index.js'), 'exports.a = 1;\n');
    fs.writeFileSync(path.join(dir, 'lib', 'private', 'x.js'), 'exports.b = 2;\n//# sourceMappingURL=data:application/json;base64,eyJ9\n');
    assert.deepEqual(filesWithInlineSourceMaps(dir), [path.join('lib', 'private', 'x.js')]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
