export * from './lakehouse-catalog';
