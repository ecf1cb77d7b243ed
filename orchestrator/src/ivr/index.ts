export * from './schema.js';
export * from './flows.js';
export * from './hours.js';
export * from './lookups.js';
export * from './recogniser.js';
export * from './interpreter.js';
