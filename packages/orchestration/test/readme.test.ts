import * as path from 'path';
import { testReadmeExamples } from '@lakehouse-cdk/testing';

testReadmeExamples({
  readme: path.join(__dirname, '..', 'README.md'),
  packageDir: path.join(__dirname, '..'),
  packageName: '@lakehouse-cdk/orchestration',
  load: id => id === '@lakehouse-cdk/orchestration' ? require('../src') : require(id),
  // The example's dags/ and requirements.txt: a DAGs folder and requirements file for tests.
  dirname: path.join(__dirname, 'fixtures'),
});
