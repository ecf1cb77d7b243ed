import type { Knex } from 'knex';
import { parseJson, toDate } from '../db/time.js';
import type { Job, JobDefinition, JobState } from './types.js';
import { JOB_STATES } from './types.js';
import { signalEnqueued } from './signal.js';
import { isDuplicateKey } from '../db/errors.js';

type Conn = Knex | Knex.Transaction;

export interface EnqueueOptions {
  /** At most one job per key, ever (while the row exists): a second enqueue returns the first job's id. */
  readonly idempotencyKey?: string;
  readonly runAt?: Date;
  readonly maxAttempts?: number;
}

export interface EnqueueResult {
  readonly id: number;
  /** false when a job with the same idempotency key already existed. */
  readonly created: boolean;
}

const MAX_PAYLOAD = 60_000;


/** The jobs row of a new job, checked: a bad type, payload or option is an error before anything is written. */
function jobRow(type: string, payload: unknown, options: EnqueueOptions): Record<string, unknown> {
  if (!/^[a-z0-9_.:-]{1,64}$/i.test(type)) throw new Error(`job type ${JSON.stringify(type)} is not a valid name`);
  const text = JSON.stringify(payload ?? null);
  if (text.length > MAX_PAYLOAD) throw new Error(`job ${type}: payload of ${text.length} characters exceeds ${MAX_PAYLOAD}`);
  if (options.idempotencyKey !== undefined && (options.idempotencyKey.length === 0 || options.idempotencyKey.length > 191)) {
    throw new Error(`job ${type}: idempotency key must be 1..191 characters`);
  }
  const maxAttempts = options.maxAttempts ?? 10;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new Error(`job ${type}: maxAttempts must be a positive integer`);
  const now = new Date();
  return {
    type,
    payload: text,
    state: 'pending',
    attempts: 0,
    max_attempts: maxAttempts,
    run_at: options.runAt ?? now,
    idempotency_key: options.idempotencyKey ?? null,
    created_at: now,
    updated_at: now,
  };
}

/**
 * Persists a job. Pass the caller's transaction to make the job part of the same commit as the change that
 * caused it (the outbox pattern): either both are stored or neither. Local workers are woken once it commits.
 */
export async function enqueue(conn: Conn, type: string, payload: unknown, options: EnqueueOptions = {}): Promise<EnqueueResult> {
  const row = jobRow(type, payload, options);
  let result: EnqueueResult;
  try {
    const [id] = await conn('jobs').insert(row);
    result = { id: Number(id), created: true };
  } catch (err) {
    // MySQL and SQLite roll back only the failed statement, so the caller's transaction stays usable.
    if (!options.idempotencyKey || !isDuplicateKey(err)) throw err;
    const existing = (await conn('jobs').where('idempotency_key', options.idempotencyKey).first('id')) as { id: number } | undefined;
    if (!existing) throw err;
    result = { id: Number(existing.id), created: false };
  }
  if (result.created) wakeAfterCommit(conn);
  return result;
}

function parsedPayload<P>(def: JobDefinition<P>, payload: P): P {
  const parsed = def.schema.safeParse(payload);
  if (!parsed.success) throw new Error(`job ${def.type}: invalid payload: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** Typed enqueue: the payload is checked against the definition's schema before it is stored. */
export async function enqueueJob<P>(conn: Conn, def: JobDefinition<P>, payload: P, options: EnqueueOptions = {}): Promise<EnqueueResult> {
  return enqueue(conn, def.type, parsedPayload(def, payload), { maxAttempts: def.maxAttempts, ...options });
}

/**
 * The insert of a keyed job as a statement for someone else's commit (a call's group commit, which sends its
 * statements in one packet and so cannot branch on a duplicate key): a job whose key already exists is left as
 * it is. Whoever commits it calls `signalEnqueued` afterwards to wake local workers.
 */
export function enqueueJobStatement<P>(
  def: JobDefinition<P>,
  payload: P,
  options: EnqueueOptions & { readonly idempotencyKey: string },
): (conn: Conn) => Knex.QueryBuilder {
  const row = jobRow(def.type, parsedPayload(def, payload), { maxAttempts: def.maxAttempts, ...options });
  return (conn) => conn('jobs').insert(row).onConflict('idempotency_key').ignore();
}

function wakeAfterCommit(conn: Conn): void {
  const trx = conn as Knex.Transaction & { executionPromise?: Promise<unknown> };
  if (trx.isTransaction && trx.executionPromise) {
    trx.executionPromise.then(signalEnqueued, () => undefined);
  } else {
    signalEnqueued();
  }
}

export function rowToJob(r: Record<string, unknown>): Job {
  return {
    id: Number(r.id),
    type: String(r.type),
    payload: parseJson<unknown>(r.payload, null),
    state: String(r.state) as JobState,
    attempts: Number(r.attempts),
    maxAttempts: Number(r.max_attempts),
    runAt: toDate(r.run_at) ?? new Date(0),
    lockedBy: (r.locked_by as string | null) ?? null,
    lockedUntil: toDate(r.locked_until),
    lastError: (r.last_error as string | null) ?? null,
    idempotencyKey: (r.idempotency_key as string | null) ?? null,
    createdAt: toDate(r.created_at),
    updatedAt: toDate(r.updated_at),
  };
}

// --- admin API --------------------------------------------------------------------------------------------------

export async function getJob(db: Conn, id: number): Promise<Job | null> {
  const row = (await db('jobs').where('id', id).first()) as Record<string, unknown> | undefined;
  return row ? rowToJob(row) : null;
}

export interface JobListQuery {
  readonly state?: JobState;
  readonly type?: string;
  readonly offset?: number;
  readonly limit?: number;
}

export async function listJobs(db: Conn, q: JobListQuery = {}): Promise<{ items: Job[]; total: number }> {
  const limit = Math.min(Math.max(q.limit ?? 50, 1), 500);
  const offset = Math.max(q.offset ?? 0, 0);
  const base = db('jobs');
  if (q.state) base.where('state', q.state);
  if (q.type) base.where('type', q.type);
  const [{ n }] = (await base.clone().count({ n: 'id' })) as [{ n: number | string }];
  const rows = (await base.orderBy('id', 'desc').offset(offset).limit(limit).select('*')) as Record<string, unknown>[];
  return { items: rows.map(rowToJob), total: Number(n) };
}

/** Dead letters, newest first, for the admin UI. */
export function listDeadJobs(db: Conn, q: Omit<JobListQuery, 'state'> = {}): Promise<{ items: Job[]; total: number }> {
  return listJobs(db, { ...q, state: 'dead' });
}

/**
 * Gives a dead job a fresh set of attempts, to run now. Returns false when the job does not exist or is not dead
 * (a running or pending job is never touched).
 */
export async function retryDeadJob(db: Conn, id: number): Promise<boolean> {
  const n = await db('jobs')
    .where({ id, state: 'dead' })
    .update({ state: 'pending', attempts: 0, run_at: new Date(), locked_by: null, locked_until: null, updated_at: new Date() });
  if (n > 0) wakeAfterCommit(db);
  return n > 0;
}

export async function countJobsByState(db: Conn, type?: string): Promise<Record<JobState, number>> {
  const q = db('jobs').select('state').count({ n: 'id' }).groupBy('state');
  if (type) q.where('type', type);
  const rows = (await q) as { state: string; n: number | string }[];
  const out = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
  for (const r of rows) if ((JOB_STATES as readonly string[]).includes(r.state)) out[r.state as JobState] = Number(r.n);
  return out;
}

/** Deletes finished jobs last touched before `before` (done only; dead letters stay until an admin acts). */
export async function purgeDoneJobs(db: Conn, before: Date, limit = 10_000): Promise<number> {
  const ids = (await db('jobs').where('state', 'done').where('updated_at', '<', before).limit(limit).pluck('id')) as number[];
  if (ids.length === 0) return 0;
  return db('jobs').whereIn('id', ids).del();
}
