export * from './validation';
export * from './data-layer';
export * from './naming';
export * from './data-retention';
export * from './cost-allocation-tags';
export * from './nag-acknowledgements';
export * from './run-record';
export * from './log-encryption';
