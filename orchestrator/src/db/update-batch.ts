import type { Knex } from 'knex';
import type { Db } from './knex.js';
import { PacketCommitter } from './packet-commit.js';

/** One packet carries at most this many statements (bounded packet size and transaction length). */
const MAX_STATEMENTS_PER_PACKET = 256;

interface Queued {
  readonly query: Knex.QueryBuilder;
  readonly resolve: (affected: number) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Conditional single-row updates of independent callers (an agent's answer, a job's settle, a recording marked
 * uploaded) sent together. Each of them through the pool was a socket write and a commit of its own: the write was
 * the largest item of the orchestrator's CPU profile, and a commit per statement a good part of MariaDB's. On MySQL
 * the updates made while the previous packet was on its way go as one multi-statement transaction on a connection
 * of their own, and each caller still gets its own affected-row count. A packet that fails (one statement's error,
 * a deadlock with another orchestrator, a lost connection) is taken back and its statements are run one by one
 * through the pool, so only the caller whose statement fails sees an error.
 *
 * Only for statements whose caller needs nothing but the affected-row count, and that may share a transaction with
 * strangers: single-row updates keyed by primary key hold their row lock for the packet's few microseconds.
 */
export class UpdateBatcher {
  private queue: Queued[] = [];
  private running = false;

  constructor(private readonly packets: PacketCommitter | null) {}

  /** Runs an UPDATE (or DELETE) and resolves with the number of rows it changed. */
  affected(query: Knex.QueryBuilder): Promise<number> {
    if (!this.packets) return runAlone(query);
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ query, resolve, reject });
      if (!this.running) {
        this.running = true;
        // Updates made in the same turn of the event loop join the first packet.
        setImmediate(() => void this.drain());
      }
    });
  }

  close(): Promise<void> {
    return this.packets?.close() ?? Promise.resolve();
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const group = this.queue.splice(0, MAX_STATEMENTS_PER_PACKET);
      await this.send(group);
    }
    this.running = false;
  }

  private async send(group: readonly Queued[]): Promise<void> {
    const packets = this.packets as PacketCommitter;
    let results: unknown[] | null = null;
    try {
      results = await packets.commit(group.map((q) => q.query.toSQL().toNative()));
    } catch {
      // Rolled back (or never ran): each statement on its own, its error to its own caller.
    }
    if (results && results.length === group.length) {
      group.forEach((q, i) => q.resolve(Number((results[i] as { affectedRows?: unknown }).affectedRows ?? 0)));
      return;
    }
    await Promise.all(group.map((q) => runAlone(q.query).then(q.resolve, q.reject)));
  }
}

async function runAlone(query: Knex.QueryBuilder): Promise<number> {
  return Number(await query);
}

const batchers = new WeakMap<Db, UpdateBatcher>();

/**
 * Runs `query` (built on `db`) through the database's update batcher and resolves with its affected-row count. A
 * query inside a transaction runs in it, as it would have.
 */
export function affectedRows(db: Db | Knex.Transaction, query: Knex.QueryBuilder): Promise<number> {
  if ((db as Knex.Transaction).isTransaction) return runAlone(query);
  let b = batchers.get(db);
  if (!b) batchers.set(db, (b = new UpdateBatcher(PacketCommitter.forDb(db))));
  return b.affected(query);
}

/**
 * Makes every update of `db` run on its own through knex, where knex's hooks see it (tests that intercept each
 * statement of a handle). Returns `db`.
 */
export function unbatchedUpdates<D extends Db>(db: D): D {
  batchers.set(db, new UpdateBatcher(null));
  return db;
}

/** Closes the batcher's own connection of a database handle, if it has one (before the handle is destroyed). */
export async function closeUpdateBatcher(db: Db): Promise<void> {
  await batchers.get(db)?.close();
}
