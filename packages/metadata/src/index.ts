export * from './pipeline-runs-table';
