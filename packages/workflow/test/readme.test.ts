import * as path from 'path';
import { testReadmeExamples } from '@lakehouse-cdk/testing';

testReadmeExamples({
  readme: path.join(__dirname, '..', 'README.md'),
  packageDir: path.join(__dirname, '..'),
  packageName: '@lakehouse-cdk/workflow',
  load: id => id === '@lakehouse-cdk/workflow' ? require('../src') : require(id),
  // The main example names its dbt project beside it: test/fixtures/dbt-project.
  dirname: path.join(__dirname, 'fixtures'),
});
