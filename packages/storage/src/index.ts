export * from './data-lake-storage';
export * from './dags-bucket';
export * from './data-lake-storage-ref';
