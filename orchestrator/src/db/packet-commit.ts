import mysql from 'mysql2/promise';
import type { Db } from './knex.js';

interface CoreConnection {
  readonly stream?: { unref?: () => void };
  on(event: 'error', listener: () => void): void;
}

/** One statement as knex built it: `?` placeholders and their values. */
export interface BuiltStatement {
  readonly sql: string;
  readonly bindings: readonly unknown[];
}

/**
 * MySQL only: commits a group of statements as one multi-statement packet (START TRANSACTION; …; COMMIT) on a
 * connection of its own. Through the pool every statement is a socket write and a round trip of its own, and the
 * write was the largest item of the orchestrator's CPU profile. Multi-statements are enabled on this connection
 * alone; it only ever sends SQL knex built, its values escaped by mysql2 exactly as a pooled query escapes them
 * (same connection settings, time zone included).
 */
export class PacketCommitter {
  private connecting: Promise<mysql.Connection> | null = null;

  constructor(private readonly settings: mysql.ConnectionOptions) {}

  /** A committer for this database, or null when it is not MySQL (SQLite keeps knex's transaction). */
  static forDb(db: Db): PacketCommitter | null {
    const config = (db.client as { config?: { client?: unknown; connection?: unknown } } | undefined)?.config ?? {};
    if (config.client !== 'mysql2' || typeof config.connection !== 'object' || config.connection === null) return null;
    return new PacketCommitter(config.connection as mysql.ConnectionOptions);
  }

  /** Runs the statements in one transaction; resolves with each statement's result (rows, or a ResultSetHeader). */
  async commit(statements: readonly BuiltStatement[]): Promise<unknown[]> {
    const connecting = this.connection();
    const conn = await connecting;
    const text = ['START TRANSACTION', ...statements.map((s) => conn.format(s.sql, [...s.bindings])), 'COMMIT'].join(
      ';\n',
    );
    try {
      const [results] = await conn.query(text);
      // One result per statement of the packet: drop those of START TRANSACTION and COMMIT.
      return (results as unknown[]).slice(1, -1);
    } catch (err) {
      // The statements before the failing one ran inside the open transaction: take them back. A connection that
      // cannot even do that (or broke) is replaced on the next commit.
      const broken =
        (err as { fatal?: unknown }).fatal === true ||
        !(await conn.query('ROLLBACK').then(
          () => true,
          () => false,
        ));
      if (broken) {
        if (this.connecting === connecting) this.connecting = null;
        conn.destroy();
      }
      throw err;
    }
  }

  async close(): Promise<void> {
    const connecting = this.connecting;
    this.connecting = null;
    const conn = await connecting?.catch(() => null);
    if (conn) await conn.end().catch(() => conn.destroy());
  }

  private connection(): Promise<mysql.Connection> {
    if (this.connecting) return this.connecting;
    // trace off: mysql2's promise API otherwise captures a stack trace for every packet (0.6 % of the main thread
    // in the benchmarks), for errors the writer and the batcher handle themselves by re-running each statement.
    const connecting = mysql.createConnection({ ...this.settings, multipleStatements: true, trace: false }).then((conn) => {
      // The promise wrapper does not type the core connection it wraps; only its socket and events are used.
      const core = (conn as unknown as { connection: CoreConnection }).connection;
      // An idle writer must not keep the process alive; the app still closes it on the way out.
      core.stream?.unref?.();
      core.on('error', () => {
        if (this.connecting === connecting) this.connecting = null;
      });
      return conn;
    });
    this.connecting = connecting;
    connecting.catch(() => {
      if (this.connecting === connecting) this.connecting = null;
    });
    return connecting;
  }
}
