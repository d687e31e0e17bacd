export * from './lakehouse-pipeline';
export * from './pipeline-step';
export * from './dbt-job';
