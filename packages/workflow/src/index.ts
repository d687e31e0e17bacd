export * from './lakehouse-pipeline';
export * from './pipeline-step';
export * from './dbt-job';
export * from './lakehouse-pipeline-ref';
