export * from './airflow-version';
export * from './mwaa-settings';
export * from './mwaa-environment';
export * from './scheduled-pipeline-trigger';
