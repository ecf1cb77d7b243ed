import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { affectedRows, selectedRows } from '../db/statement-batch.js';
import { logger as rootLogger, type Logger } from '../logger.js';
import type { Registry } from 'prom-client';
import { backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
import { createJobMetrics } from './metrics.js';
import { rowToJob } from './outbox.js';
import { onEnqueued } from './signal.js';
import { JobTimeoutError, LeaseLostError, PermanentJobError, type Backoff, type Job, type JobContext, type JobDefinition } from './types.js';

export interface JobRunnerOptions {
  readonly db: Knex;
  /** Names this process in locked_by; several orchestrators share the jobs table. */
  readonly instanceId: string;
  readonly logger?: Logger;
  /** Jobs run at once by this runner. Default 4. */
  readonly concurrency?: number;
  /** Idle poll interval; a local enqueue wakes the runner at once. Default 400 ms. */
  readonly pollMs?: number;
  /** How long a claim holds before another worker may take the job over; renewed while the job runs. Default 60 s. */
  readonly leaseMs?: number;
  /** Backoff for definitions that do not set their own. */
  readonly defaultBackoff?: Backoff;
  /** Time to let running jobs finish on stop() before they are aborted and released. Default 10 s. */
  readonly stopGraceMs?: number;
  readonly random?: () => number;
  /** Prometheus registry for job outcome, duration and per-state metrics. */
  readonly metrics?: Registry;
}

export interface JobRunner {
  register<P>(def: JobDefinition<P>): void;
  readonly types: readonly string[];
  start(): void;
  /** Stops claiming, lets running jobs finish within the grace time, then aborts and releases the rest. */
  stop(options?: { graceMs?: number }): Promise<void>;
  /** Wake the poll loop now (a local enqueue does this by itself). */
  wake(): void;
  /** Claims and runs due jobs until none is left or `max` ran; for tools and tests (no loop needed). */
  drain(max?: number): Promise<number>;
  readonly activeCount: number;
}

interface Claim {
  readonly job: Job;
  readonly token: string;
}

const ERROR_TEXT_MAX = 4000;

function errorText(err: unknown): string {
  const e = err as { name?: string; message?: string; code?: string } | null;
  const text = e && typeof e === 'object' ? `${e.name ?? 'Error'}${e.code ? ` [${e.code}]` : ''}: ${e.message ?? String(err)}` : String(err);
  return text.slice(0, ERROR_TEXT_MAX);
}

/**
 * Claims jobs by a conditional UPDATE (pending and due, or running with an expired lease) so two workers, in one
 * process or many, never hold the same job: the database decides who won, by the affected-row count. Every
 * later write (heartbeat, done, retry, dead, release) is conditioned on the claim token, so a worker that lost
 * its lease cannot overwrite the new holder's outcome.
 */
export function createJobRunner(options: JobRunnerOptions): JobRunner {
  const db = options.db;
  const log = (options.logger ?? rootLogger).child({ module: 'jobs' });
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const pollMs = Math.max(10, options.pollMs ?? 400);
  const leaseMs = Math.max(100, options.leaseMs ?? 60_000);
  const stopGraceMs = options.stopGraceMs ?? 10_000;
  const random = options.random ?? Math.random;
  const instance = options.instanceId.slice(0, 80);
  const defs = new Map<string, JobDefinition<unknown>>();
  const metrics = options.metrics ? createJobMetrics(options.metrics, db) : null;
  const active = new Map<number, { promise: Promise<void>; abort: AbortController; token: string }>();

  let started = false;
  let stopping = false;
  let loopDone: Promise<void> | null = null;
  let wakeUp: (() => void) | null = null;
  let pendingWake = false;
  let unsubscribe: (() => void) | null = null;

  const wake = (): void => {
    pendingWake = true;
    wakeUp?.();
  };

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      if (pendingWake || stopping) {
        pendingWake = false;
        resolve();
        return;
      }
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        wakeUp = null;
        pendingWake = false;
        resolve();
      }
      wakeUp = done;
    });

  const leaseEnd = (): Date => new Date(Date.now() + leaseMs);
  const lapsedCheckMs = Math.min(1000, leaseMs / 4);
  let lapsedCheckedAt = 0;
  /**
   * The last claim left due jobs unclaimed (it ran out of room, or its read hit the limit). Only then is a freed
   * slot worth a read at once; otherwise the next enqueue or poll finds new work, and a finished job costs no
   * read for nothing (it was about one read per job under load).
   */
  let moreDue = false;

  async function claim(max: number): Promise<Claim[]> {
    const types = [...defs.keys()];
    if (types.length === 0 || max <= 0) return [];
    const now = new Date();
    // A lapsed lease means a worker died at least leaseMs ago: looking for one on every wake-up (each enqueue
    // under load) costs a statement per job for nothing; once per interval finds it just as well.
    const lookForLapsed = now.getTime() - lapsedCheckedAt >= lapsedCheckMs;
    if (lookForLapsed) lapsedCheckedAt = now.getTime();
    const expired = lookForLapsed
      ? ((await db('jobs')
          .where('state', 'running')
          .where('locked_until', '<', now)
          .whereIn('type', types)
          .orderBy('locked_until')
          .limit(max)
          .pluck('id')) as number[])
      : [];
    const due = await selectedRows(
      db,
      db('jobs').where('state', 'pending').where('run_at', '<=', now).whereIn('type', types).orderBy('run_at').orderBy('id').limit(max * 2).select('*'),
    );
    moreDue = expired.length >= max || due.length >= max * 2;
    // Our own job whose lease lapsed (the database was away for the renewals) is still running here.
    const candidates = [...expired.map((id) => ({ id })), ...due].filter((c) => !active.has(Number(c.id)));
    const out: Claim[] = [];
    // Claimed side by side, so the claims share a packet (db/statement-batch.ts); a claim lost to another worker is
    // made up for from the candidates left.
    let next = 0;
    while (out.length < max && next < candidates.length && !stopping) {
      const round = candidates.slice(next, next + max - out.length);
      next += round.length;
      for (const c of await Promise.all(round.map((candidate) => claimOne(candidate, now)))) if (c) out.push(c);
    }
    if (next < candidates.length) moreDue = true;
    return out;
  }

  /** One candidate claimed by a conditional update; null when another worker won it. */
  async function claimOne(candidate: Record<string, unknown>, now: Date): Promise<Claim | null> {
    const id = Number(candidate.id);
    const token = `${instance}:${randomUUID()}`;
    const lockedUntil = leaseEnd();
    // A due job read whole is claimed only if its attempts did not move since: then the row as claimed is the
    // row as read plus this update, with no read after it.
    const known = 'state' in candidate ? candidate : null;
    const won = await affectedRows(
      db,
      db('jobs')
        .where('id', id)
        .where((w) =>
          w
            .where((p) => p.where('state', 'pending').where('run_at', '<=', now))
            .orWhere((r) => r.where('state', 'running').where('locked_until', '<', now)),
        )
        .where((w) => (known ? w.where('attempts', Number(known.attempts)) : w))
        .update({ state: 'running', locked_by: token, locked_until: lockedUntil, attempts: db.raw('attempts + 1'), updated_at: new Date() }),
    );
    if (won !== 1) return null;
    // Object.assign, not a spread followed by more properties: that costs microseconds per object on Node 20.
    const row = known
      ? Object.assign({}, known, { state: 'running', locked_by: token, locked_until: lockedUntil, attempts: Number(known.attempts) + 1 })
      : ((await db('jobs').where({ id, locked_by: token }).first()) as Record<string, unknown> | undefined);
    return row ? { job: rowToJob(row), token } : null;
  }

  async function settle(c: Claim, update: Record<string, unknown>): Promise<boolean> {
    // The outcome must reach the database; a short outage is waited out (the lease covers us meanwhile).
    for (let i = 0; ; i++) {
      try {
        const n = await affectedRows(
          db,
          db('jobs').where({ id: c.job.id, locked_by: c.token }).update({ locked_by: null, locked_until: null, updated_at: new Date(), ...update }),
        );
        return n === 1;
      } catch (err) {
        if (i >= 4) {
          log.error({ err, jobId: c.job.id }, 'could not record the job outcome; the lease will expire and it will run again');
          return false;
        }
        await new Promise((r) => setTimeout(r, 250 * 2 ** i));
      }
    }
  }

  async function execute(c: Claim, abort: AbortController): Promise<void> {
    const { job } = c;
    const jlog = log.child({ jobId: job.id, jobType: job.type, attempt: job.attempts });
    const def = defs.get(job.type);
    if (!def) {
      await settle(c, { state: 'pending', attempts: db.raw('attempts - 1'), run_at: new Date() });
      return;
    }
    if (job.attempts > job.maxAttempts) {
      // Only a worker that died mid-run gets here: the crash used up the last attempt.
      jlog.error('job exhausted its attempts in runs that never finished; dead-lettered');
      await settle(c, { state: 'dead', last_error: 'attempts exhausted: the worker running the last attempt stopped without finishing' });
      return;
    }
    const parsed = def.schema.safeParse(job.payload);
    if (!parsed.success) {
      jlog.error({ issues: parsed.error.issues }, 'job payload does not match its schema; dead-lettered');
      await settle(c, { state: 'dead', last_error: `invalid payload: ${parsed.error.message}`.slice(0, ERROR_TEXT_MAX) });
      return;
    }

    let lost = false;
    const heartbeat = setInterval(() => {
      db('jobs')
        .where({ id: job.id, locked_by: c.token })
        .update({ locked_until: leaseEnd() })
        .then((n) => {
          if (n !== 1 && !lost) {
            lost = true;
            abort.abort(new LeaseLostError(job.id));
          }
        })
        .catch((err: unknown) => jlog.warn({ err }, 'lease renewal failed'));
    }, Math.max(50, Math.floor(leaseMs / 3)));
    heartbeat.unref();
    const timeoutMs = def.timeoutMs ?? 15 * 60_000;
    const deadline = setTimeout(() => abort.abort(new JobTimeoutError(job.type, timeoutMs)), timeoutMs);
    deadline.unref();

    const ctx: JobContext = {
      job,
      signal: abort.signal,
      logger: jlog,
      fenced: (fn) =>
        db.transaction(async (trx) => {
          const n = await trx('jobs').where({ id: job.id, locked_by: c.token }).update({ locked_until: leaseEnd() });
          if (n !== 1) {
            lost = true;
            throw new LeaseLostError(job.id);
          }
          return fn(trx);
        }),
      holdsLease: (where) => {
        where.whereExists((lease) => lease.select(db.raw('1')).from('jobs').where({ id: job.id, locked_by: c.token }));
      },
    };

    const t0 = process.hrtime.bigint();
    const record = (outcome: 'done' | 'retry' | 'dead' | 'released' | 'lost'): void =>
      metrics?.finished(job.type, outcome, Number(process.hrtime.bigint() - t0) / 1e9);
    try {
      await def.handler(parsed.data, ctx);
      clearInterval(heartbeat);
      clearTimeout(deadline);
      if (!(await settle(c, { state: 'done' }))) {
        record('lost');
        jlog.warn('job finished but its lease had been taken over; the other worker decides');
      } else {
        record('done');
        jlog.debug('job done');
      }
    } catch (thrown) {
      let err: unknown = thrown;
      clearInterval(heartbeat);
      clearTimeout(deadline);
      if (lost || err instanceof LeaseLostError) {
        record('lost');
        jlog.warn('lease lost while running; the worker that took the job over decides its outcome');
        return;
      }
      if (abort.signal.aborted && stopping) {
        record('released');
        await settle(c, { state: 'pending', attempts: db.raw('attempts - 1'), run_at: new Date(), last_error: `released on shutdown: ${errorText(err)}`.slice(0, ERROR_TEXT_MAX) });
        jlog.info('job released on shutdown');
        return;
      }
      if (abort.signal.reason instanceof JobTimeoutError) err = abort.signal.reason;
      const permanent = err instanceof PermanentJobError;
      if (permanent || job.attempts >= job.maxAttempts) {
        record('dead');
        jlog.error({ err }, permanent ? 'job failed permanently; dead-lettered' : 'job failed its last attempt; dead-lettered');
        await settle(c, { state: 'dead', last_error: errorText(err) });
        return;
      }
      record('retry');
      const delay = backoffDelay(job.attempts, def.backoff ?? options.defaultBackoff ?? DEFAULT_BACKOFF, random);
      jlog.warn({ err, retryInMs: delay }, 'job failed; will retry');
      await settle(c, { state: 'pending', run_at: new Date(Date.now() + delay), last_error: errorText(err) });
    }
  }

  function launch(c: Claim): Promise<void> {
    const abort = new AbortController();
    const promise = execute(c, abort)
      .catch((err: unknown) => log.error({ err, jobId: c.job.id }, 'job runner bug'))
      .finally(() => {
        active.delete(c.job.id);
        if (moreDue) wake();
      });
    active.set(c.job.id, { promise, abort, token: c.token });
    return promise;
  }

  async function loop(): Promise<void> {
    let errorDelay = pollMs;
    while (!stopping) {
      const free = concurrency - active.size;
      let claimed = 0;
      if (free > 0) {
        try {
          const claims = await claim(free);
          claimed = claims.length;
          for (const c of claims) void launch(c);
          errorDelay = pollMs;
        } catch (err) {
          log.warn({ err }, 'claiming jobs failed; backing off');
          await sleep(errorDelay);
          errorDelay = Math.min(errorDelay * 2, 10_000);
          continue;
        }
      }
      if (stopping) break;
      // Room left and more due than the last claim took: look again at once.
      if (claimed > 0 && moreDue && active.size < concurrency) continue;
      await sleep(pollMs);
    }
  }

  return {
    register(def) {
      if (defs.has(def.type)) throw new Error(`job type ${def.type} is registered twice`);
      defs.set(def.type, def as JobDefinition<unknown>);
    },
    get types() {
      return [...defs.keys()];
    },
    get activeCount() {
      return active.size;
    },
    start() {
      if (started) return;
      started = true;
      stopping = false;
      unsubscribe = onEnqueued(wake);
      loopDone = loop().catch((err: unknown) => log.error({ err }, 'job loop crashed'));
      log.info({ types: [...defs.keys()], concurrency, instance }, 'job runner started');
    },
    async stop(stopOptions = {}) {
      stopping = true;
      unsubscribe?.();
      unsubscribe = null;
      wake();
      await loopDone;
      const grace = stopOptions.graceMs ?? stopGraceMs;
      const all = Promise.all([...active.values()].map((a) => a.promise));
      let timer: NodeJS.Timeout | undefined;
      const finished = await Promise.race([all.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), grace)))]);
      clearTimeout(timer);
      if (!finished) {
        for (const a of active.values()) a.abort.abort(new Error('job runner stopping'));
        const settled = await Promise.race([all.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 2_000)))]);
        clearTimeout(timer);
        if (!settled) {
          // Handlers that ignore the abort: hand their jobs back so another worker need not wait out the lease.
          for (const [id, a] of active) {
            await db('jobs')
              .where({ id, locked_by: a.token })
              .update({ state: 'pending', attempts: db.raw('attempts - 1'), run_at: new Date(), locked_by: null, locked_until: null, updated_at: new Date() })
              .catch((err: unknown) => log.warn({ err, jobId: id }, 'could not release job on stop'));
          }
        }
      }
      started = false;
      log.info('job runner stopped');
    },
    wake,
    async drain(max = 1000) {
      let ran = 0;
      while (ran < max) {
        const claims = await claim(Math.min(concurrency, max - ran));
        if (claims.length === 0) break;
        ran += claims.length;
        await Promise.all(claims.map((c) => launch(c)));
      }
      return ran;
    },
  };
}
