import type { Knex } from 'knex';
import type { Db } from '../db/knex.js';
import type { Logger } from '../logger.js';
import { PacketCommitter } from '../db/packet-commit.js';

/** A database that is away (restart, failover) gets this long before a call's write is given up. */
export const WRITE_PATIENCE_MS = 120_000;

/** One commit carries at most this many calls' batches (bounded statement size and transaction length). */
const MAX_CALLS_PER_COMMIT = 256;

/** Writes of one call waiting for their turn (see Call.batch): they land in one commit, in this order. */
export interface CallWrite {
  readonly callId: string;
  readonly log: Logger;
  /** The calls row itself (only the call's first batch). */
  insertRow: Record<string, unknown> | null;
  events: Record<string, unknown>[];
  patch: Record<string, unknown>;
  /** Writes of other tables that reference the call (its recording's row, the upload job), after its own. */
  statements: CallStatement[];
  /** The writer took the batch: later writes of the call go into a new one. */
  readonly taken: () => void;
}

interface Pending {
  readonly write: CallWrite;
  readonly done: () => void;
}

/** One statement of a group commit (also how a write of another table rides a call's commit). */
export type CallStatement = (q: Db | Knex.Transaction) => Knex.QueryBuilder;

/**
 * Group commit of call writes for one database. Every call appends its state changes to its own open batch; the
 * writer takes the open batches of all calls at once and commits them in one transaction (one multi-row insert
 * of every call_events row, the new calls rows, one update per changed calls row). A call's batches still land
 * in the order they were made: one batch per call per commit, the next one in a later commit. Under load this
 * turns ~8 commits and ~6 event inserts per call into a share of a few commits per second, which is what the
 * `full` benchmark found the orchestrator spending its CPU on (socket writes to the database).
 */
export class CallWriter {
  private readonly queue: Pending[] = [];
  private running = false;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
    private readonly packets: PacketCommitter | null = PacketCommitter.forDb(db),
  ) {}

  /** Closes the writer's own connection (MySQL); writes submitted later open it again. */
  close(): Promise<void> {
    return this.packets?.close() ?? Promise.resolve();
  }

  /** Queues a batch; resolves when it landed (or failed for good, which is logged). */
  submit(write: CallWrite): Promise<void> {
    return new Promise<void>((done) => {
      this.queue.push({ write, done });
      if (!this.running) {
        this.running = true;
        // Writes made in the same turn of the event loop join the first commit.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const group = this.takeGroup();
      await this.commit(group);
      for (const p of group) p.done();
    }
    this.running = false;
  }

  /** The oldest batch of each call (a call's later batch waits for the next commit), in queue order. */
  private takeGroup(): Pending[] {
    const group: Pending[] = [];
    const calls = new Set<string>();
    for (let i = 0; i < this.queue.length && group.length < MAX_CALLS_PER_COMMIT;) {
      const p = this.queue[i]!;
      if (calls.has(p.write.callId)) {
        i++;
        continue;
      }
      calls.add(p.write.callId);
      group.push(p);
      this.queue.splice(i, 1);
      p.write.taken();
    }
    return group;
  }

  /** Commits the group; a database that is away is waited for, a bad statement is written around. */
  private async commit(group: Pending[]): Promise<void> {
    const started = this.now();
    for (let attempt = 1; ; attempt++) {
      try {
        await this.runSteps(this.steps(group.map((p) => p.write)));
        return;
      } catch (err) {
        if (!isTransientDbError(err)) {
          // One call's statement that can never succeed must not take the other calls' writes with it.
          if (group.length > 1) return this.commitEachAlone(group);
          await this.commitOneByOne(group[0]!);
          return;
        }
        if (this.now() - started > WRITE_PATIENCE_MS) {
          for (const p of group) p.write.log.error({ err, attempts: attempt }, 'call write failed for good');
          return;
        }
        if (attempt === 1) {
          // A deadlock with another writer (e.g. a batch of agent updates) is retried like an outage, and says so.
          const conflict = LOCK_CONFLICTS.has(String((err as { code?: unknown } | null)?.code));
          group[0]?.write.log.warn({ err }, conflict ? 'call write lost a lock conflict; retrying' : 'call write failed; retrying while the database is away');
        }
        await sleep(Math.min(5_000, 100 * 2 ** attempt));
      }
    }
  }

  private async commitEachAlone(group: Pending[]): Promise<void> {
    for (const p of group) await this.commit([p]);
  }

  /** The last resort for a batch that fails as a whole: each statement alone, so the good ones land. */
  private async commitOneByOne(p: Pending): Promise<void> {
    const steps = this.steps([p.write]);
    if (steps.length > 1) p.write.log.error('call write batch failed; writing its statements one by one');
    for (const step of steps)
      await step(this.db).catch((err: unknown) => p.write.log.error({ err }, 'call write failed for good'));
  }

  private steps(writes: CallWrite[]): CallStatement[] {
    const steps: CallStatement[] = [];
    // A calls row must exist before its events reference it. Rows with the same columns go in one statement.
    const inserts = new Map<string, Record<string, unknown>[]>();
    for (const w of writes) {
      if (!w.insertRow) continue;
      const columns = Object.keys(w.insertRow).sort().join(',');
      inserts.set(columns, [...(inserts.get(columns) ?? []), w.insertRow]);
    }
    for (const rows of inserts.values()) steps.push((q) => q('calls').insert(rows.length === 1 ? rows[0] : rows));
    const events = writes.flatMap((w) => w.events);
    if (events.length) steps.push((q) => q('call_events').insert(events.length === 1 ? events[0] : events));
    // Row changes with the same columns go in one statement too (see mergedUpdate).
    const updates = new Map<string, CallWrite[]>();
    for (const w of writes) {
      const columns = Object.keys(w.patch).sort().join(',');
      if (columns) updates.set(columns, [...(updates.get(columns) ?? []), w]);
    }
    for (const group of updates.values()) {
      const only = group.length === 1 ? group[0]! : null;
      steps.push(
        only ? (q) => q('calls').where({ id: only.callId }).update(only.patch) : (q) => mergedUpdate(q, group),
      );
    }
    for (const w of writes) steps.push(...w.statements);
    return steps;
  }

  private async runSteps(steps: CallStatement[]): Promise<void> {
    if (steps.length === 1) {
      await steps[0]!(this.db);
      return;
    }
    if (steps.length === 0) return;
    if (this.packets) {
      await this.packets.commit(steps.map((step) => step(this.db).toSQL().toNative()));
      return;
    }
    await this.db.transaction(async (trx) => {
      for (const step of steps) await step(trx);
    });
  }
}

/**
 * One UPDATE for the changes of several calls rows that set the same columns: each column becomes a CASE over the
 * row ids. The calls of one commit mostly make the same few transitions, so a commit of fifty calls' changes is a
 * handful of statements instead of fifty, each of which MariaDB parses, plans and executes on its own (the
 * `full` benchmark counted about sixteen updates per call before).
 */
function mergedUpdate(q: Db | Knex.Transaction, group: readonly CallWrite[]): Knex.QueryBuilder {
  const whens = group.map(() => 'WHEN ? THEN ?').join(' ');
  const set: Record<string, Knex.Raw> = {};
  for (const column of Object.keys(group[0]!.patch)) {
    const bindings = group.flatMap((w) => [w.callId, w.patch[column] as Knex.Value]);
    set[column] = q.raw(`CASE ?? ${whens} ELSE ?? END`, ['id', ...bindings, column]);
  }
  return q('calls')
    .whereIn(
      'id',
      group.map((w) => w.callId),
    )
    .update(set);
}

const writers = new WeakMap<Db, CallWriter>();

/** The one writer of a database handle: every call of the process shares its commits. */
export function callWriterFor(db: Db): CallWriter {
  let w = writers.get(db);
  if (!w) writers.set(db, (w = new CallWriter(db)));
  return w;
}

/** Closes the writer of a database handle, if it has one (before the handle itself is destroyed). */
export async function closeCallWriter(db: Db): Promise<void> {
  await writers.get(db)?.close();
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

const LOCK_CONFLICTS = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']);

/** Errors worth retrying: the database is unreachable, overloaded or chose us as a deadlock victim. */
export function isTransientDbError(err: unknown): boolean {
  const e = err as { code?: unknown; name?: unknown; message?: unknown; fatal?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (
    LOCK_CONFLICTS.has(code) ||
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'PROTOCOL_CONNECTION_LOST', 'ER_CON_COUNT_ERROR', 'SQLITE_BUSY', 'SQLITE_LOCKED'].includes(code)
  )
    return true;
  if (e?.name === 'KnexTimeoutError' || e?.fatal === true) return true;
  return (
    typeof e?.message === 'string' &&
    /connect|Connection lost|acquiring a connection|server has gone away/i.test(e.message)
  );
}
