import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { logger } from '../logger.js';
import { migrationSource } from './migrations/index.js';

// knex prints to the console by default; its notices belong in the structured log. Connection failures are
// reported by the caller (connectDb) as one clear line, so knex's own copy is debug noise.
const knexLog = {
  warn: (msg: unknown) => logger.debug({ knex: String(msg) }, 'knex warning'),
  error: (msg: unknown) => logger.debug({ knex: String(msg) }, 'knex error'),
  deprecate: (method: string, alternative: string) => logger.debug({ method, alternative }, 'knex deprecation'),
  debug: (msg: unknown) => logger.trace({ knex: String(msg) }, 'knex debug'),
};

export type Db = Knex;
export type DbDialect = 'mysql' | 'sqlite';

export function dialectOf(url: string): DbDialect {
  return url.startsWith('sqlite:') ? 'sqlite' : 'mysql';
}

/** Knex for `mysql://user:pass@host:port/db` (mysql2) or `sqlite:path` (better-sqlite3, the newcomer default). */
export function createDb(url: string, options: { pool?: { min: number; max: number } } = {}): Db {
  if (dialectOf(url) === 'sqlite') {
    const file = url.slice('sqlite:'.length);
    if (file !== ':memory:') mkdirSync(dirname(resolve(file)), { recursive: true });
    return knexFactory({
      client: 'better-sqlite3',
      connection: { filename: file },
      useNullAsDefault: true,
      log: knexLog,
      pool: {
        min: 1,
        max: 1,
        // Foreign keys are off by default in SQLite; WAL lets readers work while the writer commits.
        afterCreate(conn: { pragma(sql: string): unknown }, done: (err: Error | null, conn: unknown) => void) {
          conn.pragma('foreign_keys = ON');
          if (file !== ':memory:') conn.pragma('journal_mode = WAL');
          conn.pragma('busy_timeout = 5000');
          done(null, conn);
        },
      },
    });
  }
  return knexFactory({
    client: 'mysql2',
    connection: {
      uri: url,
      // Times are stored and read as UTC whatever the server's zone.
      timezone: 'Z',
      dateStrings: false,
      supportBigNumbers: true,
      connectTimeout: 5000,
    } as Knex.MySql2ConnectionConfig & { uri: string },
    pool: options.pool ?? { min: 0, max: 20 },
    acquireConnectionTimeout: 10_000,
    log: knexLog,
  });
}

export async function migrateLatest(db: Db): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ migrationSource })) as [number, string[]];
  return applied;
}

export async function rollbackAll(db: Db): Promise<string[]> {
  const [, undone] = (await db.migrate.rollback({ migrationSource }, true)) as [number, string[]];
  return undone;
}

export async function rollbackLast(db: Db): Promise<string[]> {
  const [, undone] = (await db.migrate.rollback({ migrationSource })) as [number, string[]];
  return undone;
}

/** A cheap liveness query for /readyz. */
export async function pingDb(db: Db): Promise<void> {
  await db.raw('select 1');
}
