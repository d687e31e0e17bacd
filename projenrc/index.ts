export * from './versions';
export * from './lakehouse-monorepo';
export * from './lakehouse-library';
export * from './sandbox-app';
export * from './testing-package';
export * from './consumer-test';
export * from './release';
export * from './python-suites';
