export * from './pipeline-runs-table';
export * from './pipeline-runs-table-ref';
