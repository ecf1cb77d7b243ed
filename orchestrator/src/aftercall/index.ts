export { createAfterCall, type AfterCall, type AfterCallOptions } from './jobs.js';
