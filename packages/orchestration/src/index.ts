export * from './mwaa-settings';
export * from './mwaa-environment';
