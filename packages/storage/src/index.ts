export * from './data-lake-storage';
export * from './dags-bucket';
