export * from './lakehouse-pipeline';
export * from './transformation-step';
