export { createAfterCall, type AfterCall, type AfterCallOptions } from './jobs.js';
export { loadCallFacts, type CallFacts } from './facts.js';
