import { loadConfig } from '../../orchestrator/src/config/load.js';
import { connectDb } from '../../orchestrator/src/db/connect.js';
import type { Db } from '../../orchestrator/src/db/knex.js';

/**
 * The frame of every database CLI: configuration (one line per problem), a checked connection, the work, the
 * connection closed, and an exit code. An error is printed as its message alone: these are operator tools.
 */
export function runWithDb(work: (db: Db, url: string) => Promise<number>): void {
  const run = async (): Promise<number> => {
    const loaded = loadConfig();
    if (!loaded.ok) {
      for (const p of loaded.problems) console.error(p);
      return 1;
    }
    const db = await connectDb(loaded.config.db.url);
    try {
      return await work(db, loaded.config.db.url);
    } finally {
      await db.destroy();
    }
  };
  run().then(
    (code) => process.exit(code),
    (err: Error) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
