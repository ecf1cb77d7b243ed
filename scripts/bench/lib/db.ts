/**
 * A fresh MariaDB/MySQL database per scenario run, migrated, and dropped afterwards (also after a failure).
 * Only a loopback server is accepted: a benchmark must never load someone else's database.
 */
import { randomBytes } from 'node:crypto';
import { createDb, migrateLatest, type Db } from '../../../orchestrator/src/db/knex.js';

export const BENCH_MYSQL_SERVER = process.env.ARIADNE_BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function assertLoopbackServer(url: string): void {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    throw new Error(`ARIADNE_BENCH_MYSQL_URL is not a URL: ${url}`);
  }
  if (!LOOPBACK.has(host)) throw new Error(`benchmarks only use a loopback database server, not ${host}`);
}

export interface BenchDb {
  readonly name: string;
  /** mysql://…/<name>, for the orchestrator process (ARIADNE_DB_URL). */
  readonly url: string;
  readonly db: Db;
  drop(): Promise<void>;
}

export async function createBenchDb(label: string, pool = { min: 0, max: 10 }): Promise<BenchDb> {
  assertLoopbackServer(BENCH_MYSQL_SERVER);
  const name = `ariadne_bench_${label.replace(/[^a-z0-9_]/gi, '')}_${process.pid}_${randomBytes(3).toString('hex')}`;
  const admin = createDb(`${BENCH_MYSQL_SERVER}/mysql`, { pool: { min: 0, max: 1 } });
  try {
    await admin.raw(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await admin.destroy();
  }
  const url = `${BENCH_MYSQL_SERVER}/${name}`;
  const db = createDb(url, { pool });
  let dropped = false;
  const drop = async (): Promise<void> => {
    if (dropped) return;
    dropped = true;
    await db.destroy().catch(() => undefined);
    // For looking into a run afterwards (call_events of a slow call, ...): ARIADNE_BENCH_KEEP_DB=1.
    if (process.env.ARIADNE_BENCH_KEEP_DB === '1') {
      process.stderr.write(`bench: kept database ${name}\n`);
      return;
    }
    const cleaner = createDb(`${BENCH_MYSQL_SERVER}/mysql`, { pool: { min: 0, max: 1 } });
    try {
      await cleaner.raw(`DROP DATABASE IF EXISTS \`${name}\``);
    } finally {
      await cleaner.destroy();
    }
  };
  try {
    await migrateLatest(db);
  } catch (err) {
    await drop().catch(() => undefined);
    throw err;
  }
  return { name, url, db, drop };
}

/** The database server's counters a step's cost per call is read from: statements, commits, fsyncs so far. */
export async function serverCounters(db: Db): Promise<{ statements: number; commits: number; fsyncs: number }> {
  const raw = (await db.raw(
    "SHOW GLOBAL STATUS WHERE Variable_name IN ('Questions', 'Com_commit', 'Innodb_data_fsyncs')",
  )) as [Array<{ Variable_name: string; Value: string }>, unknown];
  const v = new Map(raw[0].map((r) => [r.Variable_name, Number(r.Value)]));
  return { statements: v.get('Questions') ?? 0, commits: v.get('Com_commit') ?? 0, fsyncs: v.get('Innodb_data_fsyncs') ?? 0 };
}

/** The server's version string (for the machine line), or null. */
export async function serverVersion(): Promise<string | null> {
  const admin = createDb(`${BENCH_MYSQL_SERVER}/mysql`, { pool: { min: 0, max: 1 } });
  try {
    const raw = (await admin.raw('select version() as v')) as [Array<{ v: string }>, unknown];
    const v = raw[0][0]?.v;
    return v ? (v.includes('MariaDB') ? `MariaDB ${v.split('-')[0]}` : `MySQL ${v}`) : null;
  } catch {
    return null;
  } finally {
    await admin.destroy();
  }
}
