export * from './lakehouse-catalog';
export * from './raw-table';
