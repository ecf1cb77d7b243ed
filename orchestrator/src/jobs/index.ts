export * from './types.js';
export { backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
export {
  enqueue,
  enqueueJob,
  enqueueJobStatement,
  getJob,
  listJobs,
  listDeadJobs,
  retryDeadJob,
  countJobsByState,
  purgeDoneJobs,
  type EnqueueOptions,
  type EnqueueResult,
  type JobListQuery,
} from './outbox.js';
export { signalEnqueued } from './signal.js';
export { createJobRunner, type JobRunner, type JobRunnerOptions } from './runner.js';
export { createJobMetrics, type JobMetrics } from './metrics.js';
