import * as path from 'path';
import { testReadmeExamples } from '@lakehouse-cdk/testing';

testReadmeExamples({
  readme: path.join(__dirname, '..', 'README.md'),
  packageDir: path.join(__dirname, '..'),
  packageName: '@lakehouse-cdk/analytics',
  load: id => id === '@lakehouse-cdk/analytics' ? require('../src') : require(id),
});
