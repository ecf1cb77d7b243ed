import type { EventEmitter } from 'node:events';
import type { Knex } from 'knex';
import type { Db } from './knex.js';
import { PacketCommitter } from './packet-commit.js';

/** One packet carries at most this many statements (bounded packet size and transaction length). */
const MAX_STATEMENTS_PER_PACKET = 256;

/** What the caller wants back: the rows a SELECT read, or the number of rows an UPDATE or DELETE changed. */
type Reading = 'rows' | 'affected';

interface Queued {
  readonly query: Knex.QueryBuilder;
  readonly reading: Reading;
  readonly resolve: (result: unknown) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Small independent statements of many callers (an agent's answer, a job's claim and settle, the due-jobs read, a
 * recording's row) sent together. Each through the pool was a socket write and, for an update, a commit of its
 * own: the write was the largest item of the orchestrator's CPU profile, and the commits a good part of MariaDB's.
 * On MySQL the statements made while the previous packet was on its way go as one multi-statement transaction on a
 * connection of their own, and each caller still gets its own result. A packet that fails (one statement's error,
 * a deadlock with another orchestrator, a lost connection) is taken back and its statements are run one by one
 * through the pool, so only the caller whose statement fails sees an error.
 *
 * Only for statements that may share a transaction with strangers: primary-key reads and single-row updates,
 * whose row locks last the packet's few microseconds, and reads that need nothing newer than the last commit.
 * Never await one while holding a transaction on another connection: a packet waiting for that transaction's row
 * lock would wait on its own caller, a cycle the database cannot see (pass the transaction instead; it runs there).
 */
export class StatementBatcher {
  private queue: Queued[] = [];
  private running = false;

  constructor(private readonly packets: PacketCommitter | null) {}

  /** Runs an UPDATE (or DELETE) and resolves with the number of rows it changed. */
  affected(query: Knex.QueryBuilder): Promise<number> {
    return this.submit(query, 'affected') as Promise<number>;
  }

  /** Runs a SELECT (not `.first()`: its rows are what comes back) and resolves with its rows. */
  rows<T = Record<string, unknown>>(query: Knex.QueryBuilder): Promise<T[]> {
    return this.submit(query, 'rows') as Promise<T[]>;
  }

  close(): Promise<void> {
    return this.packets?.close() ?? Promise.resolve();
  }

  private submit(query: Knex.QueryBuilder, reading: Reading): Promise<unknown> {
    if (!this.packets) return runAlone(query, reading);
    return new Promise((resolve, reject) => {
      this.queue.push({ query, reading, resolve, reject });
      if (!this.running) {
        this.running = true;
        // Statements made in the same turn of the event loop join the first packet.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) await this.send(this.queue.splice(0, MAX_STATEMENTS_PER_PACKET));
    this.running = false;
  }

  private async send(group: readonly Queued[]): Promise<void> {
    const packets = this.packets as PacketCommitter;
    let results: unknown[] | null = null;
    try {
      results = await packets.commit(group.map((q) => announced(q.query).toNative()));
    } catch {
      // Rolled back (or never ran): each statement on its own, its error to its own caller.
    }
    if (results && results.length === group.length) {
      group.forEach((q, i) => q.resolve(fromPacket(results[i], q.reading)));
      return;
    }
    await Promise.all(group.map((q) => runAlone(q.query, q.reading).then(q.resolve, q.reject)));
  }
}

/**
 * The statement's SQL, announced as knex announces every query it runs (the knex instance's 'query' event), so
 * what listens there (query logging, the tests that count statements) sees batched statements too.
 */
function announced(query: Knex.QueryBuilder): Knex.Sql {
  const sql = query.toSQL();
  (query as unknown as { client: EventEmitter }).client.emit('query', { __knexUid: 'statement-batch', ...sql });
  return sql;
}

/** A statement's result as mysql2 gave it in a multi-statement reply: rows, or a ResultSetHeader. */
function fromPacket(result: unknown, reading: Reading): unknown {
  if (reading === 'rows') return Array.isArray(result) ? result : [];
  return Number((result as { affectedRows?: unknown }).affectedRows ?? 0);
}

async function runAlone(query: Knex.QueryBuilder, reading: Reading): Promise<unknown> {
  const result: unknown = await query;
  return reading === 'rows' ? result : Number(result);
}

const batchers = new WeakMap<Db, StatementBatcher>();

function batcherOf(db: Db | Knex.Transaction): StatementBatcher | null {
  if ((db as Knex.Transaction).isTransaction) return null;
  let b = batchers.get(db);
  if (!b) batchers.set(db, (b = new StatementBatcher(PacketCommitter.forDb(db))));
  return b;
}

/**
 * Runs an UPDATE or DELETE built on `db` through the database's statement batcher and resolves with its
 * affected-row count. Inside a transaction it runs in the transaction, as it would have.
 */
export function affectedRows(db: Db | Knex.Transaction, query: Knex.QueryBuilder): Promise<number> {
  const b = batcherOf(db);
  return b ? b.affected(query) : (runAlone(query, 'affected') as Promise<number>);
}

/** Runs a SELECT built on `db` (not `.first()`) through the statement batcher and resolves with its rows. */
export function selectedRows<T = Record<string, unknown>>(db: Db | Knex.Transaction, query: Knex.QueryBuilder): Promise<T[]> {
  const b = batcherOf(db);
  return b ? b.rows<T>(query) : (runAlone(query, 'rows') as Promise<T[]>);
}

/**
 * Makes every statement of `db` run on its own through knex, where knex's hooks see it (tests that intercept each
 * statement of a handle). Returns `db`.
 */
export function unbatchedStatements<D extends Db>(db: D): D {
  batchers.set(db, new StatementBatcher(null));
  return db;
}

/** Closes the batcher's own connection of a database handle, if it has one (before the handle is destroyed). */
export async function closeStatementBatcher(db: Db): Promise<void> {
  await batchers.get(db)?.close();
}
