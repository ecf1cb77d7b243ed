import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeCallWriter } from '../../src/calls/writer.js';
import { createDb, migrateLatest, type Db, type DbDialect } from '../../src/db/knex.js';
import { closeStatementBatcher } from '../../src/db/statement-batch.js';

/**
 * Test databases: every call makes a fresh database (MariaDB/MySQL: a new schema on the server named by
 * ARIADNE_TEST_MYSQL_URL, default root@127.0.0.1:3306; SQLite: a file in a temp dir) and `drop()` removes it.
 * A missing MariaDB is a failure, never a skip.
 */
export const MYSQL_SERVER_URL = process.env.ARIADNE_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

export interface TestDb {
  readonly db: Db;
  readonly url: string;
  readonly dialect: DbDialect;
  drop(): Promise<void>;
}

export const DIALECTS: readonly DbDialect[] = ['mysql', 'sqlite'];

export async function createTestDb(dialect: DbDialect, options: { migrate?: boolean } = {}): Promise<TestDb> {
  const migrate = options.migrate ?? true;
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'ariadne-test-'));
    const url = `sqlite:${join(dir, 'test.sqlite')}`;
    const db = createDb(url);
    if (migrate) await migrateLatest(db);
    return {
      db,
      url,
      dialect,
      drop: async () => {
        await db.destroy();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `ariadne_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = createDb(`${MYSQL_SERVER_URL}/mysql`, { pool: { min: 0, max: 1 } });
  try {
    await admin.raw(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await admin.destroy();
  }
  const url = `${MYSQL_SERVER_URL}/${name}`;
  const db = createDb(url, { pool: { min: 0, max: 10 } });
  if (migrate) await migrateLatest(db);
  return {
    db,
    url,
    dialect,
    drop: async () => {
      // The writers' own connections first: each handle's would otherwise stay open until the process ends.
      await closeStatementBatcher(db);
      await closeCallWriter(db);
      await db.destroy();
      const cleaner = createDb(`${MYSQL_SERVER_URL}/mysql`, { pool: { min: 0, max: 1 } });
      try {
        await cleaner.raw(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await cleaner.destroy();
      }
    },
  };
}
