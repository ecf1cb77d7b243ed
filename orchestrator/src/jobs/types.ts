import type { Knex } from 'knex';
import type { z } from 'zod';
import type { Logger } from '../logger.js';

/** pending → running → done; running → pending (retry, released) or dead (attempts used up, or permanent). */
export type JobState = 'pending' | 'running' | 'done' | 'dead';
export const JOB_STATES: readonly JobState[] = ['pending', 'running', 'done', 'dead'];

export interface Job {
  readonly id: number;
  readonly type: string;
  readonly payload: unknown;
  readonly state: JobState;
  /** Attempts started so far, this one included while running. */
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly runAt: Date;
  readonly lockedBy: string | null;
  readonly lockedUntil: Date | null;
  readonly lastError: string | null;
  readonly idempotencyKey: string | null;
  readonly createdAt: Date | null;
  readonly updatedAt: Date | null;
}

export interface Backoff {
  /** Delay before the second attempt; doubles each attempt. */
  readonly baseMs: number;
  /** Ceiling of the delay. */
  readonly maxMs: number;
}

/** What a handler may use while it runs one job. */
export interface JobContext {
  readonly job: Job;
  /** Aborted when the runner stops or the lease was lost: stop work, the job is released or reclaimed. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
  /**
   * Runs `fn` in a transaction that first proves this worker still holds the job's lease (and extends it).
   * Handlers write their results through this, so a worker whose lease expired (another took the job over)
   * can never commit a second, competing result.
   */
  fenced<T>(fn: (trx: Knex.Transaction) => Promise<T>): Promise<T>;
  /**
   * The same fence for a result that is one statement: a condition (`.where(ctx.holdsLease)`) true only while this
   * worker holds the lease. One UPDATE needs no transaction, so it saves the fenced transaction's three round
   * trips (BEGIN, the lease check, COMMIT).
   */
  holdsLease(where: Knex.QueryBuilder): void;
}

export type JobHandler<P> = (payload: P, ctx: JobContext) => Promise<void>;

export interface JobDefinition<P> {
  readonly type: string;
  readonly schema: z.ZodType<P>;
  readonly handler: JobHandler<P>;
  readonly backoff?: Backoff;
  /** Default for enqueue when the caller does not say. */
  readonly maxAttempts?: number;
  /** An attempt running longer is aborted (ctx.signal) and counted as failed. Default 15 minutes. */
  readonly timeoutMs?: number;
}

/** Typed definition helper: the payload type follows the schema. */
export function defineJob<S extends z.ZodType>(def: {
  type: string;
  schema: S;
  handler: JobHandler<z.infer<S>>;
  backoff?: Backoff;
  maxAttempts?: number;
  timeoutMs?: number;
}): JobDefinition<z.infer<S>> {
  return def as JobDefinition<z.infer<S>>;
}

/** A failure that retrying cannot fix (bad payload, a row that does not exist): the job goes dead at once. */
export class PermanentJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentJobError';
  }
}

/** The worker no longer holds the job (lease expired and another worker claimed it, or it was released). */
export class LeaseLostError extends Error {
  constructor(jobId: number) {
    super(`lease on job ${jobId} was lost`);
    this.name = 'LeaseLostError';
  }
}

/** The attempt ran past its definition's timeoutMs. */
export class JobTimeoutError extends Error {
  constructor(type: string, ms: number) {
    super(`job ${type} ran longer than ${ms} ms`);
    this.name = 'JobTimeoutError';
  }
}
