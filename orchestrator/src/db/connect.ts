import { createDb, dialectOf, pingDb, type Db } from './knex.js';

/** Hide the password of a database URL for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export class DbConnectError extends Error {
  override readonly name = 'DbConnectError';
}

/**
 * Opens the database and proves it answers. Any failure becomes one line naming the setting, because this runs
 * at start-up where a stack trace helps nobody.
 */
export async function connectDb(url: string, timeoutMs = 10_000): Promise<Db> {
  let db: Db;
  try {
    db = createDb(url);
  } catch (err) {
    throw new DbConnectError(`ARIADNE_DB_URL: cannot use ${redactUrl(url)}: ${(err as Error).message}`);
  }
  try {
    await withTimeout(pingDb(db), timeoutMs, dialectOf(url) === 'mysql' ? 'MySQL' : 'SQLite');
    return db;
  } catch (err) {
    await db.destroy().catch(() => undefined);
    const e = err as NodeJS.ErrnoException & { sqlMessage?: string };
    const reason = e.sqlMessage ?? e.code ?? e.message;
    throw new DbConnectError(`ARIADNE_DB_URL: cannot connect to ${redactUrl(url)}: ${reason}`);
  }
}
