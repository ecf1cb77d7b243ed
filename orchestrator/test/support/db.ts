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

/**
 * A MariaDB database migrated once per test process, which every migrated test database copies: its tables as
 * SHOW CREATE TABLE gives them and the rows the migrations wrote. The migrations' DDL took about a second a database,
 * and a run makes some 150; the copy takes a fifth of that. migrations.test.ts still runs the migrations themselves.
 */
interface Template {
  readonly name: string;
  readonly tables: readonly { readonly name: string; readonly ddl: string }[];
}

let template: Promise<Template> | null = null;

function migratedTemplate(): Promise<Template> {
  template ??= (async () => {
    const name = `ariadne_test_${process.pid}_template_${randomBytes(4).toString('hex')}`;
    const admin = createDb(`${MYSQL_SERVER_URL}/mysql`, { pool: { min: 0, max: 1 } });
    try {
      await admin.raw(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    } finally {
      await admin.destroy();
    }
    const db = createDb(`${MYSQL_SERVER_URL}/${name}`, { pool: { min: 0, max: 1 } });
    try {
      await migrateLatest(db);
      // A view, trigger or routine would not be copied: a migration adding one must extend copySchema.
      const [others] = (await db.raw(
        `SELECT (SELECT count(*) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ?)
              + (SELECT count(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?)
              + (SELECT count(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?) AS n`,
        [name, name, name],
      )) as [{ n: number }[]];
      if (Number(others[0]?.n) > 0)
        throw new Error('the schema has views, triggers or routines: copySchema copies tables only');
      const [rows] = (await db.raw(
        "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'",
        [name],
      )) as [{ name: string }[]];
      const tables = [];
      for (const { name: table } of rows) {
        const [[created]] = (await db.raw(`SHOW CREATE TABLE \`${table}\``)) as [Record<string, string>[]];
        tables.push({ name: table, ddl: created!['Create Table']! });
      }
      return { name, tables };
    } finally {
      await db.destroy();
    }
  })();
  return template;
}

/** The template's tables and rows in the empty database `name`, on the one connection `admin` holds. */
async function copySchema(admin: Db, from: Template, name: string): Promise<void> {
  await admin.raw(`USE \`${name}\``);
  // Tables reference each other: created in any order, checked once filled.
  await admin.raw('SET FOREIGN_KEY_CHECKS = 0');
  for (const t of from.tables) await admin.raw(t.ddl);
  for (const t of from.tables)
    await admin.raw(`INSERT INTO \`${t.name}\` SELECT * FROM \`${from.name}\`.\`${t.name}\``);
  await admin.raw('SET FOREIGN_KEY_CHECKS = 1');
}

/**
 * Drops this process's template, if it made one (the test run's root hook, env.ts). Found by name: the hook may load
 * another instance of this module than the tests did.
 */
export async function dropTestTemplate(): Promise<void> {
  template = null;
  const admin = createDb(`${MYSQL_SERVER_URL}/mysql`, { pool: { min: 0, max: 1 } });
  try {
    const [rows] = (await admin.raw('SHOW DATABASES LIKE ?', [`ariadne\\_test\\_${process.pid}\\_template\\_%`])) as [
      Record<string, string>[],
    ];
    for (const row of rows) await admin.raw(`DROP DATABASE IF EXISTS \`${Object.values(row)[0]}\``);
  } finally {
    await admin.destroy();
  }
}

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
  const source = migrate ? await migratedTemplate() : null;
  const admin = createDb(`${MYSQL_SERVER_URL}/mysql`, { pool: { min: 1, max: 1 } });
  try {
    await admin.raw(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    if (source) await copySchema(admin, source, name);
  } finally {
    await admin.destroy();
  }
  const url = `${MYSQL_SERVER_URL}/${name}`;
  const db = createDb(url, { pool: { min: 0, max: 10 } });
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
